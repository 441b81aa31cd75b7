/**
 * Galley's McpServer and Pilot's McpClient in one process over loopback gRPC: sync, changes,
 * removals, reconnects (with and without changes while away), NACK reporting, several Pilots,
 * and SotW beside delta.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../src/galley/config-store.js';
import type { Config } from '../../src/model/config.js';
import type { ConfigEvent } from '../../src/model/config-store.js';
import { McpApplier } from '../../src/mcp/apply.js';
import { McpClient } from '../../src/mcp/client.js';
import { ISTIO_COLLECTIONS, istioCollection } from '../../src/mcp/collections.js';
import { McpServer } from '../../src/mcp/server.js';
import { silentLogger } from '../../src/util/log.js';
import { adsClient, RawStream } from './support/raw-ads.js';

const HOST = 'reviews.default.svc.cluster.local';
const VS_TYPE = istioCollection('VirtualService').typeUrl;
const log = silentLogger();

function vs(name: string, weight: number, rv = String(weight)): Config {
  return {
    meta: {
      kind: 'VirtualService',
      apiVersion: 'networking.istio.io/v1',
      name,
      namespace: 'default',
      labels: {},
      annotations: {},
      resourceVersion: rv,
    },
    spec: {
      hosts: [HOST],
      http: [
        {
          route: [
            { destination: { host: HOST, subset: 'v1' }, weight },
            { destination: { host: HOST, subset: 'v2' }, weight: 100 - weight },
          ],
        },
      ],
    },
  };
}

const weightOf = (c: Config | undefined): number | undefined =>
  (c?.spec as { http: { route: { weight: number }[] }[] } | undefined)?.http[0]?.route[0]?.weight;

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function galley(store: ConfigStore, port = 0): Promise<{ server: McpServer; port: number }> {
  const server = new McpServer({ store, logger: log });
  const bound = await server.start(`127.0.0.1:${port}`);
  cleanup.push(() => server.stop());
  return { server, port: bound };
}

function pilot(port: number, nodeId = 'pilot-a') {
  const store = new ConfigStore(log);
  const events: ConfigEvent[][] = [];
  store.onChange((e) => events.push([...e]));
  const client = new McpClient({
    address: `127.0.0.1:${port}`,
    collections: ISTIO_COLLECTIONS.map((c) => c.typeUrl),
    applier: new McpApplier({ store }),
    nodeId,
    logger: log,
    initialBackoffMs: 20,
    maxBackoffMs: 100,
  });
  client.start();
  cleanup.push(() => client.stop());
  return { store, events, client };
}

describe('MCP between Galley and Pilot', () => {
  it('syncs every collection, then follows changes and removals', async () => {
    const gstore = new ConfigStore(log);
    gstore.apply(vs('a', 80));
    const { port } = await galley(gstore);
    const p = pilot(port);
    await p.client.synced();
    expect(weightOf(p.store.get('VirtualService', 'default', 'a'))).toBe(80);
    expect(p.client.status().collections).toHaveLength(ISTIO_COLLECTIONS.length);
    gstore.apply(vs('a', 30));
    await until('update', () => weightOf(p.store.get('VirtualService', 'default', 'a')) === 30);
    gstore.apply(vs('b', 10));
    await until('add', () => p.store.get('VirtualService', 'default', 'b') !== undefined);
    gstore.delete('VirtualService', 'default', 'a');
    await until('removal', () => p.store.get('VirtualService', 'default', 'a') === undefined);
  });

  it('reconnects after Galley restarts: nothing written when nothing changed, changes made while down arrive', async () => {
    const gstore = new ConfigStore(log);
    gstore.apply(vs('a', 80));
    gstore.apply(vs('gone', 50));
    const first = await galley(gstore);
    const p = pilot(first.port);
    await p.client.synced();
    const eventsBefore = p.events.length;

    await first.server.stop();
    await until('disconnect noticed', () => !p.client.status().connected);
    const again = await galley(gstore, first.port);
    await until('reconnected', () => p.client.status().connected && p.client.status().connections === 2);
    await until(
      'acks after reconnect',
      () => again.server.peers()[0]?.collections.every((c) => c.synced) ?? false,
    );
    expect(p.events.length).toBe(eventsBefore);
    expect(again.server.peers()[0]!.collections.reduce((n, c) => n + c.resources, 0)).toBe(2);

    await again.server.stop();
    gstore.apply(vs('a', 20));
    gstore.delete('VirtualService', 'default', 'gone');
    gstore.apply(vs('new', 5));
    await galley(gstore, first.port);
    await until(
      'changes made while down',
      () =>
        weightOf(p.store.get('VirtualService', 'default', 'a')) === 20 &&
        p.store.get('VirtualService', 'default', 'gone') === undefined &&
        p.store.get('VirtualService', 'default', 'new') !== undefined,
    );
  });

  it('reports a NACK on Galley (resource and field path) while the Pilot keeps the last good config', async () => {
    const gstore = new ConfigStore(log);
    gstore.apply(vs('a', 80));
    const { server, port } = await galley(gstore);
    const p = pilot(port);
    await p.client.synced();
    // A config that skipped validation (the store takes anything): Pilot validates again.
    gstore.apply(vs('a', -5));
    await until('nack seen by galley', () =>
      server.peers().some((peer) => peer.collections.some((c) => c.lastNack !== undefined)),
    );
    const nacked = server.peers()[0]!.collections.find((c) => c.collection === VS_TYPE)!;
    expect(nacked.lastNack?.error).toContain('default/a: spec.http[0].route[0].weight');
    expect(weightOf(p.store.get('VirtualService', 'default', 'a'))).toBe(80);
    expect(p.client.status().collections.find((c) => c.collection === VS_TYPE)?.lastNack).toContain(
      'default/a',
    );
    gstore.apply(vs('a', 40));
    await until(
      'fixed config accepted',
      () => weightOf(p.store.get('VirtualService', 'default', 'a')) === 40,
    );
    await until('ack clears the nack', () =>
      server.peers()[0]!.collections.every((c) => !c.lastNack && c.synced),
    );
  });

  it('serves several Pilots and lists what each acknowledged', async () => {
    const gstore = new ConfigStore(log);
    gstore.apply(vs('a', 80));
    const { server, port } = await galley(gstore);
    const a = pilot(port, 'pilot-a');
    const b = pilot(port, 'pilot-b');
    await Promise.all([a.client.synced(), b.client.synced()]);
    gstore.apply(vs('a', 60));
    await until('both updated', () =>
      [a, b].every((p) => weightOf(p.store.get('VirtualService', 'default', 'a')) === 60),
    );
    await until('both acked', () => server.peers().every((p) => p.collections.every((c) => c.synced)));
    const peers = server.peers();
    expect(peers.map((p) => p.node).sort()).toEqual(['pilot-a', 'pilot-b']);
    const vsA = peers[0]!.collections.find((c) => c.collection === VS_TYPE)!;
    const vsB = peers[1]!.collections.find((c) => c.collection === VS_TYPE)!;
    expect(vsA).toMatchObject({ synced: true, resources: 1, subscription: 'wildcard' });
    expect(vsA.ackedVersion).toBe(vsB.ackedVersion);
    expect(vsA.ackedVersion).toBe(vsA.sentVersion);
  });

  it('answers SotW subscribers too', async () => {
    const gstore = new ConfigStore(log);
    gstore.apply(vs('a', 80));
    const { port } = await galley(gstore);
    const client = adsClient(port);
    cleanup.push(() => client.close());
    const stream = new RawStream(client, 'StreamAggregatedResources');
    cleanup.push(() => stream.end());
    stream.send({ node: { id: 'sotw-pilot' }, type_url: VS_TYPE, resource_names: [] });
    const res = await stream.next();
    expect(res['type_url']).toBe(VS_TYPE);
    expect(res['resources']).toHaveLength(1);
    expect(res['resources'][0]['type_url']).toBe(VS_TYPE);
  });
});
