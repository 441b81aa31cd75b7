/**
 * Encode once, share across streams (design §5), end to end on loopback with the real
 * XdsResourceSource: streams of one group receive the very same prepared response object (one
 * encoding, one Buffer) on a push; a SotW endpoint push carries only the changed
 * ClusterLoadAssignment while LDS/CDS stay whole; a push that changes nothing for a type writes
 * nothing; delta streams of a group share their diff.
 */
import type * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PushContext } from '../../src/model/push-context.js';
import { buildPushContext } from '../../src/model/push-context.js';
import { fullPush, type PushRequest } from '../../src/model/push-request.js';
import { buildGeneratorMap } from '../../src/pilot/generators/index.js';
import { XdsResourceSource } from '../../src/pilot/xds-source.js';
import { messageType } from '../../src/xds/proto.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, ROUTE_TYPE } from '../../src/xds/type-urls.js';
import type { XdsServer } from '../../src/xds/xds-server.js';
import { buildWorld, parseIstioYaml, TestConfigStore, type World } from '../golden/pilot-harness.js';
import { RawStream, type Msg, serveXds, type ServedXds } from './support/raw-ads.js';

const INPUT = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: greeter, namespace: default }
spec:
  hosts: [greeter.default.svc.cluster.local, other.default.svc.cluster.local]
  resolution: STATIC
  ports: [{ number: 50051, name: grpc, protocol: GRPC }]
  endpoints: [{ address: 10.0.0.1 }]
`;
const GREETER = 'outbound|50051||greeter.default.svc.cluster.local';
const OTHER = 'outbound|50051||other.default.svc.cluster.local';

const node = (i: number) => ({
  id: `sidecar~10.0.0.${i}~client-${i}.default~default.svc.cluster.local`,
  metadata: { fields: { GENERATOR: { stringValue: 'grpc' }, NAMESPACE: { stringValue: 'default' } } },
});

const endpointChange = (hostname: string): PushRequest => ({
  full: false,
  configsUpdated: [],
  endpointsUpdated: [hostname],
  reasons: ['endpoint'],
  start: Date.now(),
});

function anyName(any: Msg): string {
  const decoded = messageType(any['type_url']).decode(any['value']) as unknown as {
    name?: string;
    cluster_name?: string;
  };
  return decoded.name ?? decoded.cluster_name ?? '';
}

describe('ADS sharing across streams', () => {
  let world: World;
  let push: PushContext;
  let server: XdsServer;
  let served: ServedXds;
  let client: grpc.Client;
  let written: Array<{ stream: number; message: Msg }> = [];
  const streams: RawStream[] = [];

  beforeAll(async () => {
    world = buildWorld(parseIstioYaml(INPUT, 'test'));
    push = world.push;
    const source = new XdsResourceSource({ generators: buildGeneratorMap(), pushContext: () => push });
    served = await serveXds(source);
    ({ server, client, written } = served);
  });

  afterAll(() => served.stop());

  afterEach(() => {
    for (const s of streams.splice(0)) s.end();
  });

  function open(
    method: 'StreamAggregatedResources' | 'DeltaAggregatedResources' = 'StreamAggregatedResources',
  ) {
    const s = new RawStream(client, method);
    streams.push(s);
    return s;
  }

  async function sotwClient(i: number): Promise<RawStream> {
    const s = open();
    s.send({ node: node(i), type_url: CLUSTER_TYPE });
    const cds = await s.next();
    s.send({ type_url: CLUSTER_TYPE, version_info: cds.version_info, response_nonce: cds.nonce });
    s.send({ type_url: ENDPOINT_TYPE, resource_names: [GREETER, OTHER] });
    const eds = await s.next();
    expect(eds.resources.map(anyName).sort()).toEqual([GREETER, OTHER]);
    s.send({
      type_url: ENDPOINT_TYPE,
      resource_names: [GREETER, OTHER],
      version_info: eds.version_info,
      response_nonce: eds.nonce,
    });
    return s;
  }

  function moveGreeter(address: string): void {
    world.endpoints.setServiceEndpoints(
      { hostname: 'greeter.default.svc.cluster.local', namespace: 'default' },
      [
        {
          address,
          port: 50051,
          servicePortName: 'grpc',
          labels: {},
          locality: { region: '', zone: '', subzone: '' },
          weight: 1,
          healthy: true,
        },
      ],
    );
  }

  it('SotW: an endpoint push is one shared response carrying only the changed assignment', async () => {
    const a = await sotwClient(1);
    const b = await sotwClient(2);
    await a.expectNone(100);
    const before = written.length;
    moveGreeter('10.0.0.2');
    server.push(endpointChange('greeter.default.svc.cluster.local'));
    const ra = await a.next();
    const rb = await b.next();
    for (const r of [ra, rb]) {
      expect(r.type_url).toBe(ENDPOINT_TYPE);
      expect(r.resources.map(anyName)).toEqual([GREETER]);
    }
    expect(ra.nonce).toBe(rb.nonce); // one prepared response, written twice
    const pushed = written.slice(before);
    expect(pushed).toHaveLength(2);
    expect(pushed[0]!.message).toBe(pushed[1]!.message);
    await a.expectNone(100); // CDS did not change: not resent
    // An ACK is not answered; a full push that changes nothing writes nothing.
    a.send({
      type_url: ENDPOINT_TYPE,
      resource_names: [GREETER, OTHER],
      version_info: ra.version_info,
      response_nonce: ra.nonce,
    });
    push = buildPushContext({
      configs: new TestConfigStore(parseIstioYaml(INPUT, 'test')),
      services: world.services,
      endpoints: world.endpoints,
      version: `${push.version}-next`,
    });
    server.push(
      fullPush('config', Date.now(), [{ kind: 'VirtualService', namespace: 'default', name: 'x' }]),
    );
    await a.expectNone(150);
    await b.expectNone(50);
    // A client that NACKed its last EDS response is out of step: the next push's shared outcome
    // is not applied to it; it gets the whole subscribed set again, the others only the change.
    b.send({
      type_url: ENDPOINT_TYPE,
      resource_names: [GREETER, OTHER],
      version_info: 'rejected',
      response_nonce: rb.nonce,
      error_detail: { code: 3, message: 'rejected by the test' },
    });
    await b.expectNone(100);
    moveGreeter('10.0.0.5');
    server.push(endpointChange('greeter.default.svc.cluster.local'));
    const [na, nb] = [await a.next(), await b.next()];
    expect(na.resources.map(anyName)).toEqual([GREETER]);
    expect(nb.resources.map(anyName).sort()).toEqual([GREETER, OTHER]);
    expect(na.nonce).not.toBe(nb.nonce);
  });

  it('SotW: a new subscription gets the whole subscribed set', async () => {
    const a = await sotwClient(3);
    a.send({ type_url: ROUTE_TYPE, resource_names: [GREETER] });
    const rds = await a.next();
    expect(rds.resources.map(anyName)).toEqual([GREETER]);
  });

  it('delta: streams of a group share the diff', async () => {
    const subscribe = async (i: number) => {
      const s = open('DeltaAggregatedResources');
      s.send({ node: node(10 + i), type_url: ENDPOINT_TYPE, resource_names_subscribe: [GREETER, OTHER] });
      const r = await s.next();
      expect(r.resources.map((x: Msg) => x.name).sort()).toEqual([GREETER, OTHER]);
      s.send({ type_url: ENDPOINT_TYPE, response_nonce: r.nonce });
      return { s, first: r };
    };
    const a = await subscribe(1);
    const b = await subscribe(2);
    expect(a.first.nonce).toBe(b.first.nonce); // the same whole-content response
    const before = written.length;
    moveGreeter('10.0.0.3');
    server.push(endpointChange('greeter.default.svc.cluster.local'));
    const ra = await a.s.next();
    const rb = await b.s.next();
    expect(ra.resources.map((x: Msg) => x.name)).toEqual([GREETER]);
    expect(rb.nonce).toBe(ra.nonce);
    const pushed = written.slice(before);
    expect(pushed[0]!.message).toBe(pushed[1]!.message);
    // One client unsubscribes: it holds its own state now and no longer gets OTHER.
    a.s.send({ type_url: ENDPOINT_TYPE, response_nonce: ra.nonce, resource_names_unsubscribe: [OTHER] });
    await a.s.expectNone(100);
    b.s.send({ type_url: ENDPOINT_TYPE, response_nonce: rb.nonce });
    // The next push: the group's outcome is not applied to the client that left it.
    moveGreeter('10.0.0.4');
    server.push(endpointChange('greeter.default.svc.cluster.local'));
    const [na, nb] = [await a.s.next(), await b.s.next()];
    expect(na.resources.map((x: Msg) => x.name)).toEqual([GREETER]);
    expect(nb.resources.map((x: Msg) => x.name)).toEqual([GREETER]);
    expect(na.nonce).not.toBe(nb.nonce);
    // Removing OTHER's endpoints: only the client still subscribed to it hears of it.
    a.s.send({ type_url: ENDPOINT_TYPE, response_nonce: na.nonce });
    b.s.send({ type_url: ENDPOINT_TYPE, response_nonce: nb.nonce });
    world.endpoints.setServiceEndpoints(
      { hostname: 'other.default.svc.cluster.local', namespace: 'default' },
      [],
    );
    server.push(endpointChange('other.default.svc.cluster.local'));
    expect((await b.s.next()).resources.map((x: Msg) => x.name)).toEqual([OTHER]);
    await a.s.expectNone(100);
  });
});
