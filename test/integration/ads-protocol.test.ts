/**
 * The ADS protocol rules (design §4, research/anchors.md §4) against the real XdsServer on
 * loopback, driven by a raw ADS client (@grpc/grpc-js + the same ads.proto), with an in-memory
 * ResourceSource whose resources the test changes before calling `server.push()`.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fullPush, type PushRequest } from '../../src/model/push-request.js';
import type { Proxy } from '../../src/model/proxy.js';
import { silentLogger } from '../../src/util/log.js';
import { adsServiceDefinition } from '../../src/xds/ads-service.js';
import { AdsClient, RawStream, type Msg, serveXds, type ServedXds } from './support/raw-ads.js';
import type {
  EncodedResource,
  GenerateResult,
  ResourceSource,
  WatchedResource,
} from '../../src/xds/source.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../src/xds/type-urls.js';
import { XdsServer } from '../../src/xds/xds-server.js';

class FakeSource implements ResourceSource {
  readonly store = new Map<string, Map<string, EncodedResource>>();
  encodes = 0;
  generates = 0;
  private rev = 0;

  set(typeUrl: string, name: string, content: string): EncodedResource {
    this.encodes++;
    const r: EncodedResource = {
      name,
      typeUrl,
      version: `${content}`,
      value: Buffer.from(`${name}=${content}`),
    };
    let m = this.store.get(typeUrl);
    if (!m) this.store.set(typeUrl, (m = new Map()));
    m.set(name, r);
    return r;
  }

  remove(typeUrl: string, name: string): void {
    this.store.get(typeUrl)?.delete(name);
  }

  supports(): boolean {
    return true;
  }

  needsPush(_proxy: Proxy, typeUrl: string, request: PushRequest): boolean {
    return request.full || typeUrl === ENDPOINT_TYPE;
  }

  generate(_proxy: Proxy, watched: WatchedResource, _request: PushRequest): GenerateResult {
    this.generates++;
    const all = [...(this.store.get(watched.typeUrl)?.values() ?? [])];
    return {
      resources: all.filter((r) => watched.wildcard || watched.names.has(r.name)),
      pushVersion: `p${++this.rev}`,
    };
  }
}

const NODE = {
  id: 'sidecar~10.0.0.1~app-1.default~default.svc.cluster.local',
  metadata: { fields: { NAMESPACE: { stringValue: 'default' } } },
  locality: {},
};

const names = (resp: Msg): string[] =>
  (resp.resources ?? []).map((a: Msg) => (a.name ?? Buffer.from(a.value).toString().split('=')[0]) as string);
const deltaNames = (resp: Msg): string[] => (resp.resources ?? []).map((r: Msg) => r.name as string);

describe('ADS protocol', () => {
  let source: FakeSource;
  let server: XdsServer;
  let served: ServedXds;
  let client: grpc.Client;
  let written: Array<{ stream: number; message: Msg }> = [];
  const streams: RawStream[] = [];

  function open(
    method: 'StreamAggregatedResources' | 'DeltaAggregatedResources' = 'StreamAggregatedResources',
  ) {
    const s = new RawStream(client, method);
    streams.push(s);
    return s;
  }

  beforeAll(async () => {
    source = new FakeSource();
    // Serve through register() on our own grpc.Server so the test sees every message the
    // server writes (to check the resource bytes are shared, never re-encoded per stream).
    served = await serveXds(source);
    ({ server, client, written } = served);
  });

  afterAll(() => served.stop());

  beforeEach(() => {
    source.store.clear();
    source.set(CLUSTER_TYPE, 'c1', 'v1');
    source.set(CLUSTER_TYPE, 'c2', 'v1');
    source.set(ENDPOINT_TYPE, 'c1', 'e1');
    source.set(ENDPOINT_TYPE, 'c2', 'e1');
    source.set(LISTENER_TYPE, 'l1', 'v1');
    source.set(ROUTE_TYPE, 'r1', 'v1');
  });

  afterEach(() => {
    for (const s of streams.splice(0)) s.end();
  });

  it('SotW: initial response, then an ACK gets no further response', async () => {
    const s = open();
    s.send({ node: NODE, type_url: CLUSTER_TYPE });
    const r = await s.next();
    expect(r.type_url).toBe(CLUSTER_TYPE);
    expect(names(r)).toEqual(['c1', 'c2']);
    expect(r.resources.every((a: Msg) => a.type_url === CLUSTER_TYPE)).toBe(true);
    expect(r.nonce).toBeTruthy();
    expect(r.version_info).toBeTruthy();
    s.send({ type_url: CLUSTER_TYPE, version_info: r.version_info, response_nonce: r.nonce });
    await s.expectNone();
    // A push that changes nothing for this stream is not sent.
    server.push(fullPush('config', Date.now()));
    await s.expectNone();
    const info = server.connections().find((c) => c.types.some((t) => t.sentNonce === r.nonce))!;
    expect(info.proxyId).toBe(NODE.id);
    expect(info.types[0]).toMatchObject({
      type: 'CDS',
      ackedVersion: r.version_info,
      sentVersion: r.version_info,
    });
  });

  it('SotW: a NACKed version is never resent; the stream stays up; the next change is sent', async () => {
    const s = open();
    s.send({ node: NODE, type_url: CLUSTER_TYPE });
    const r1 = await s.next();
    s.send({
      type_url: CLUSTER_TYPE,
      version_info: '',
      response_nonce: r1.nonce,
      error_detail: { code: 3, message: 'cluster c1: bad lb policy' },
    });
    await s.expectNone();
    server.push(fullPush('config', Date.now()));
    await s.expectNone();
    const info = server.connections().find((c) => c.types.some((t) => t.sentNonce === r1.nonce))!;
    expect(info.types[0]!.lastNackError).toBe('cluster c1: bad lb policy');
    source.set(CLUSTER_TYPE, 'c1', 'v2');
    server.push(fullPush('config', Date.now()));
    const r2 = await s.next();
    expect(r2.version_info).not.toBe(r1.version_info);
    expect(r2.nonce).not.toBe(r1.nonce);
    expect(names(r2)).toEqual(['c1', 'c2']);
  });

  it('SotW: a stale nonce is ignored; the current one is answered', async () => {
    const s = open();
    s.send({ node: NODE, type_url: ENDPOINT_TYPE, resource_names: ['c1'] });
    const r1 = await s.next();
    s.send({
      type_url: ENDPOINT_TYPE,
      resource_names: ['c1'],
      response_nonce: r1.nonce,
      version_info: r1.version_info,
    });
    source.set(ENDPOINT_TYPE, 'c1', 'e2');
    server.push({
      full: false,
      configsUpdated: [],
      endpointsUpdated: ['c1'],
      reasons: ['endpoint'],
      start: Date.now(),
    });
    const r2 = await s.next();
    expect(r2.nonce).not.toBe(r1.nonce);
    // Stale: names grow, but with the old nonce.
    s.send({ type_url: ENDPOINT_TYPE, resource_names: ['c1', 'c2'], response_nonce: r1.nonce });
    await s.expectNone();
    // The same with the current nonce is answered, and the new name is sent (only it: an EDS
    // response need not repeat what the client holds).
    s.send({ type_url: ENDPOINT_TYPE, resource_names: ['c1', 'c2'], response_nonce: r2.nonce });
    const r3 = await s.next();
    expect(names(r3)).toEqual(['c2']);
  });

  it('SotW: a newly added name is sent alone, unchanged ones are not repeated; RDS/EDS skip unknown names', async () => {
    const s = open();
    s.send({ node: NODE, type_url: ENDPOINT_TYPE, resource_names: ['c1', 'nope'] });
    const r1 = await s.next();
    expect(names(r1)).toEqual(['c1']);
    s.send({ type_url: ENDPOINT_TYPE, resource_names: ['c1', 'nope', 'c2'], response_nonce: r1.nonce });
    const r2 = await s.next();
    expect(names(r2)).toEqual(['c2']);
    expect(r2.version_info).not.toBe(r1.version_info);
    // A re-request with the same names and nonce gets nothing.
    s.send({ type_url: ENDPOINT_TYPE, resource_names: ['c1', 'nope', 'c2'], response_nonce: r2.nonce });
    s.send({ type_url: ENDPOINT_TYPE, resource_names: ['c1', 'nope', 'c2'], response_nonce: r2.nonce });
    await s.expectNone();
    // A name that did not exist is sent once it appears (alone).
    source.set(ENDPOINT_TYPE, 'nope', 'e1');
    server.push(fullPush('config', Date.now()));
    expect(names(await s.next())).toEqual(['nope']);
  });

  it('SotW: LDS and CDS carry the full state; a removal is an absence', async () => {
    const s = open();
    s.send({ node: NODE, type_url: LISTENER_TYPE, resource_names: [] });
    const r1 = await s.next();
    expect(names(r1)).toEqual(['l1']);
    s.send({ type_url: LISTENER_TYPE, response_nonce: r1.nonce, version_info: r1.version_info });
    source.set(LISTENER_TYPE, 'l2', 'v1');
    server.push(fullPush('config', Date.now()));
    const r2 = await s.next();
    expect(names(r2)).toEqual(['l1', 'l2']);
    s.send({ type_url: LISTENER_TYPE, response_nonce: r2.nonce, version_info: r2.version_info });
    source.set(LISTENER_TYPE, 'l2', 'v2');
    server.push(fullPush('config', Date.now()));
    expect(names(await s.next())).toEqual(['l1', 'l2']); // unchanged l1 included
    source.remove(LISTENER_TYPE, 'l1');
    source.remove(LISTENER_TYPE, 'l2');
    server.push(fullPush('config', Date.now()));
    const r4 = await s.next();
    expect(r4.resources ?? []).toEqual([]); // empty LDS = delete all
  });

  it('SotW: pushes are written CDS → EDS → LDS → RDS; merged pushes send once', async () => {
    const s = open();
    s.send({ node: NODE, type_url: ROUTE_TYPE, resource_names: ['r1'] });
    s.send({ type_url: LISTENER_TYPE });
    s.send({ type_url: ENDPOINT_TYPE, resource_names: ['c1'] });
    s.send({ type_url: CLUSTER_TYPE });
    const initial = [await s.next(), await s.next(), await s.next(), await s.next()];
    for (const r of initial)
      s.send({
        type_url: r.type_url,
        response_nonce: r.nonce,
        version_info: r.version_info,
        resource_names: r.type_url === ROUTE_TYPE ? ['r1'] : r.type_url === ENDPOINT_TYPE ? ['c1'] : [],
      });
    await s.expectNone();
    source.set(ROUTE_TYPE, 'r1', 'v2');
    source.set(LISTENER_TYPE, 'l1', 'v2');
    source.set(ENDPOINT_TYPE, 'c1', 'e2');
    source.set(CLUSTER_TYPE, 'c1', 'v2');
    for (let i = 0; i < 5; i++) server.push(fullPush('config', Date.now()));
    const order = [await s.next(), await s.next(), await s.next(), await s.next()].map((r) => r.type_url);
    expect(order).toEqual([CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE]);
    await s.expectNone();
  });

  it('SotW: after a cluster change, EDS is answered even if unchanged (warming)', async () => {
    const s = open();
    s.send({ node: NODE, type_url: CLUSTER_TYPE });
    const c = await s.next();
    s.send({ type_url: CLUSTER_TYPE, response_nonce: c.nonce, version_info: c.version_info });
    s.send({ type_url: ENDPOINT_TYPE, resource_names: ['c1'] });
    const e = await s.next();
    s.send({
      type_url: ENDPOINT_TYPE,
      resource_names: ['c1'],
      response_nonce: e.nonce,
      version_info: e.version_info,
    });
    await s.expectNone();
    source.set(CLUSTER_TYPE, 'c1', 'v9');
    server.push(fullPush('config', Date.now()));
    expect((await s.next()).type_url).toBe(CLUSTER_TYPE);
    const e2 = await s.next();
    expect(e2.type_url).toBe(ENDPOINT_TYPE);
    expect(e2.version_info).toBe(e.version_info);
  });

  it('SotW: warming resends the EDS of the clusters the CDS push changed, not the others', async () => {
    source.set(CLUSTER_TYPE, 'c2', 'v1');
    const s = open();
    s.send({ node: NODE, type_url: CLUSTER_TYPE });
    const c = await s.next();
    s.send({ type_url: CLUSTER_TYPE, response_nonce: c.nonce, version_info: c.version_info });
    s.send({ type_url: ENDPOINT_TYPE, resource_names: ['c1', 'c2'] });
    const e = await s.next();
    expect(names(e)).toEqual(['c1', 'c2']);
    s.send({
      type_url: ENDPOINT_TYPE,
      resource_names: ['c1', 'c2'],
      response_nonce: e.nonce,
      version_info: e.version_info,
    });
    source.set(CLUSTER_TYPE, 'c2', 'v2');
    server.push(fullPush('config', Date.now()));
    expect((await s.next()).type_url).toBe(CLUSTER_TYPE);
    const e2 = await s.next();
    expect(e2.type_url).toBe(ENDPOINT_TYPE);
    expect(names(e2)).toEqual(['c2']);
    expect(e2.version_info).toBe(e.version_info);
  });

  it('SotW: a proxyless client is not sent unchanged EDS after a cluster change (no warming)', async () => {
    const s = open();
    const grpcNode = {
      ...NODE,
      id: 'sidecar~10.0.0.7~grpc-1.default~default.svc.cluster.local',
      metadata: { fields: { ...NODE.metadata.fields, GENERATOR: { stringValue: 'grpc' } } },
    };
    s.send({ node: grpcNode, type_url: CLUSTER_TYPE });
    const c = await s.next();
    s.send({ type_url: CLUSTER_TYPE, response_nonce: c.nonce, version_info: c.version_info });
    s.send({ type_url: ENDPOINT_TYPE, resource_names: ['c1'] });
    const e = await s.next();
    s.send({
      type_url: ENDPOINT_TYPE,
      resource_names: ['c1'],
      response_nonce: e.nonce,
      version_info: e.version_info,
    });
    source.set(CLUSTER_TYPE, 'c1', 'v8');
    server.push(fullPush('config', Date.now()));
    expect((await s.next()).type_url).toBe(CLUSTER_TYPE);
    await s.expectNone();
  });

  it('encodes once: two streams receive the very same resource bytes', async () => {
    const before = source.encodes;
    const a = open();
    const b = open();
    a.send({ node: NODE, type_url: CLUSTER_TYPE });
    b.send({
      node: { ...NODE, id: 'sidecar~10.0.0.2~app-2.default~default.svc.cluster.local' },
      type_url: CLUSTER_TYPE,
    });
    await a.next();
    await b.next();
    expect(source.encodes).toBe(before);
    const cds = written.filter((w) => w.message.type_url === CLUSTER_TYPE).slice(-2);
    expect(cds[0]!.stream).not.toBe(cds[1]!.stream);
    const c1 = source.store.get(CLUSTER_TYPE)!.get('c1')!;
    expect(cds[0]!.message.resources[0].value).toBe(c1.value);
    expect(cds[1]!.message.resources[0].value).toBe(c1.value);
  });

  it('a first request without a node id is rejected with INVALID_ARGUMENT', async () => {
    const s = open();
    s.send({ type_url: CLUSTER_TYPE });
    const st = await s.status;
    expect(st.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(st.details).toMatch(/node\.id is required/);
  });

  it('Delta: subscribe, missing names, unsubscribe and removal', async () => {
    const s = open('DeltaAggregatedResources');
    s.send({ node: NODE, type_url: ENDPOINT_TYPE, resource_names_subscribe: ['c1', 'c2'] });
    const r1 = await s.next();
    expect(deltaNames(r1)).toEqual(['c1', 'c2']);
    expect(r1.resources[0].version).toBe('e1');
    expect(r1.resources[0].resource.type_url).toBe(ENDPOINT_TYPE);
    expect(r1.nonce).toBeTruthy();
    s.send({ type_url: ENDPOINT_TYPE, response_nonce: r1.nonce });
    await s.expectNone();
    // A subscribed name that does not exist is answered with removed_resources.
    s.send({ type_url: ENDPOINT_TYPE, resource_names_subscribe: ['c3'] });
    const r2 = await s.next();
    expect(r2.resources ?? []).toEqual([]);
    expect(r2.removed_resources).toEqual(['c3']);
    // Unsubscribing needs no answer, and the name is no longer pushed.
    s.send({ type_url: ENDPOINT_TYPE, response_nonce: r2.nonce, resource_names_unsubscribe: ['c2'] });
    await s.expectNone();
    source.set(ENDPOINT_TYPE, 'c2', 'e2');
    server.push(fullPush('config', Date.now()));
    await s.expectNone();
    // Only what changed is sent; a removal is a removed_resources entry.
    source.set(ENDPOINT_TYPE, 'c1', 'e2');
    server.push(fullPush('config', Date.now()));
    const r3 = await s.next();
    expect(deltaNames(r3)).toEqual(['c1']);
    source.remove(ENDPOINT_TYPE, 'c1');
    server.push(fullPush('config', Date.now()));
    const r4 = await s.next();
    expect(r4.removed_resources).toEqual(['c1']);
    // Subscribing to a name again resends it even if the client might hold it; stale nonce or not.
    s.send({ type_url: ENDPOINT_TYPE, response_nonce: 'stale', resource_names_subscribe: ['c2'] });
    expect(deltaNames(await s.next())).toEqual(['c2']);
  });

  it('Delta: a reconnect with initial_resource_versions gets changes and missed removals only', async () => {
    source.set(CLUSTER_TYPE, 'c3', 'v1');
    const s = open('DeltaAggregatedResources');
    s.send({
      node: NODE,
      type_url: CLUSTER_TYPE,
      initial_resource_versions: { c1: 'v1', c2: 'old', gone: 'v1' },
    });
    const r = await s.next();
    expect(deltaNames(r)).toEqual(['c2', 'c3']);
    expect(r.removed_resources).toEqual(['gone']);
  });

  it('Delta: wildcard CDS removals come after listener updates in a push', async () => {
    const s = open('DeltaAggregatedResources');
    s.send({ node: NODE, type_url: CLUSTER_TYPE });
    s.send({ type_url: LISTENER_TYPE });
    const a = await s.next();
    const b = await s.next();
    for (const r of [a, b]) s.send({ type_url: r.type_url, response_nonce: r.nonce });
    source.remove(CLUSTER_TYPE, 'c2');
    source.set(LISTENER_TYPE, 'l1', 'v2');
    server.push(fullPush('config', Date.now()));
    const first = await s.next();
    const second = await s.next();
    expect(first.type_url).toBe(LISTENER_TYPE);
    expect(second).toMatchObject({ type_url: CLUSTER_TYPE, removed_resources: ['c2'] });
  });

  it('stop() ends streams with UNAVAILABLE', async () => {
    const local = new XdsServer({ source, logger: silentLogger() });
    const port = await local.start('127.0.0.1:0');
    expect(local.isServing()).toBe(true);
    const c = new AdsClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const s = new RawStream(c, 'StreamAggregatedResources');
    s.send({ node: NODE, type_url: CLUSTER_TYPE });
    await s.next();
    expect(local.connections()).toHaveLength(1);
    await local.stop();
    expect((await s.status).code).toBe(grpc.status.UNAVAILABLE);
    expect(local.isServing()).toBe(false);
    c.close();
  });
});

// Keep the definition import used (the service definition is what register() adds).
void adsServiceDefinition;
