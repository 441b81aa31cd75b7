/**
 * The real meshplane process seen through a raw ADS client: wildcard CDS/LDS subscriptions by a
 * proxyless node get everything it may see, and a delta client that reconnects with
 * `initial_resource_versions` receives the removals it missed while away.
 */
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageType } from '../../src/xds/proto.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE } from '../../src/xds/type-urls.js';
import { ConfigDir, staticServiceEntry, stopAll } from './support/fixtures.js';
import { MeshplaneProcess } from './support/harness.js';
import { adsClient, RawStream, type Msg } from './support/raw-ads.js';

const NODE = {
  id: 'sidecar~127.0.0.1~raw-client.default~default.svc.cluster.local',
  metadata: { fields: { GENERATOR: { stringValue: 'grpc' }, NAMESPACE: { stringValue: 'default' } } },
  locality: {},
};
const A = 'outbound|8080||a.default.svc.cluster.local';
const B = 'outbound|9090||b.default.svc.cluster.local';

let cfg: ConfigDir;
let meshplane: MeshplaneProcess;
let client: grpc.Client;

const serviceEntry = (name: string, port: number, address: string): string =>
  staticServiceEntry({ name, port, addresses: [address] });

const decodedNames = (resp: Msg): string[] =>
  (resp['resources'] as Msg[])
    .map(
      (any) =>
        (
          messageType(any['type_url'] as string).decode(any['value'] as Uint8Array) as unknown as {
            name: string;
          }
        ).name,
    )
    .sort();

beforeAll(async () => {
  cfg = ConfigDir.create('ads');
  cfg.write('a.yaml', serviceEntry('a', 8080, '127.0.0.2'));
  cfg.write('b.yaml', serviceEntry('b', 9090, '127.0.0.3'));
  meshplane = await MeshplaneProcess.start(cfg.dir);
  client = adsClient(meshplane.xdsPort);
}, 30_000);

afterAll(() => stopAll(client, meshplane, cfg));

describe('meshplane over raw ADS', () => {
  it('answers wildcard CDS and LDS from a proxyless node with everything it may see', async () => {
    const s = new RawStream(client, 'StreamAggregatedResources');
    s.send({ node: NODE, type_url: CLUSTER_TYPE, resource_names: [] });
    const cds = await s.next();
    expect(cds['type_url']).toBe(CLUSTER_TYPE);
    expect(decodedNames(cds)).toEqual([A, B]);
    s.send({ type_url: CLUSTER_TYPE, version_info: cds['version_info'], response_nonce: cds['nonce'] });
    s.send({ type_url: LISTENER_TYPE, resource_names: ['*'] });
    const lds = await s.next();
    expect(decodedNames(lds)).toEqual([
      'a.default.svc.cluster.local:8080',
      'b.default.svc.cluster.local:9090',
    ]);
    // SotW requests carry the full subscription every time: an ACK without '*' would unsubscribe.
    s.send({
      type_url: LISTENER_TYPE,
      resource_names: ['*'],
      version_info: lds['version_info'],
      response_nonce: lds['nonce'],
    });
    await s.expectNone(300);
    s.end();
  });

  it('sends a delta client the removals that happened while it was disconnected', async () => {
    const first = new RawStream(client, 'DeltaAggregatedResources');
    first.send({ node: NODE, type_url: ENDPOINT_TYPE, resource_names_subscribe: [A, B] });
    const initial = await first.next();
    const versions: Record<string, string> = {};
    for (const r of initial['resources'] as Msg[]) versions[r['name'] as string] = r['version'] as string;
    expect(Object.keys(versions).sort()).toEqual([A, B]);
    first.send({ type_url: ENDPOINT_TYPE, response_nonce: initial['nonce'] });
    first.end();

    cfg.remove('b.yaml');
    // Wait until meshplane has applied the removal (its wildcard CDS no longer lists B).
    const probe = new RawStream(client, 'StreamAggregatedResources');
    for (let i = 0; i < 100; i++) {
      probe.send({ node: NODE, type_url: CLUSTER_TYPE, resource_names: [] });
      const names = decodedNames(await probe.next());
      if (!names.includes(B)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    probe.end();

    const again = new RawStream(client, 'DeltaAggregatedResources');
    again.send({
      node: NODE,
      type_url: ENDPOINT_TYPE,
      resource_names_subscribe: [A, B],
      initial_resource_versions: versions,
    });
    const resync = await again.next();
    expect(resync['removed_resources']).toEqual([B]);
    // A did not change: nothing to resend for it.
    expect(((resync['resources'] ?? []) as Msg[]).map((r) => r['name'])).toEqual([]);
    again.end();
  });
});
