/**
 * The EDS fast path through Pilot (design §5, issue 3): a ServiceEntry change confined to its
 * endpoints reaches EDS watchers without a PushContext rebuild and without waiting for the
 * debounce quiet period, as istiod treats it; a change to the service itself is a full push.
 */
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../src/galley/config-store.js';
import { Pilot } from '../../src/pilot/pilot.js';
import { ServiceEntryRegistry } from '../../src/registry/serviceentry/controller.js';
import { silentLogger } from '../../src/util/log.js';
import { messageType } from '../../src/xds/proto.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE } from '../../src/xds/type-urls.js';
import { parseIstioYaml } from '../golden/pilot-harness.js';
import { adsClient, RawStream, type Msg } from './support/raw-ads.js';

const serviceEntry = (address: string, port = 8080): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: a, namespace: default }
spec:
  hosts: [a.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: ${port}, name: grpc, protocol: GRPC }]
  endpoints: [{ address: ${address} }]
`;
const NODE = {
  id: 'sidecar~127.0.0.1~fast.default~default.svc.cluster.local',
  metadata: { fields: { GENERATOR: { stringValue: 'grpc' }, NAMESPACE: { stringValue: 'default' } } },
};
const A = 'outbound|8080||a.default.svc.cluster.local';
/** A quiet period long enough that a debounced push could not be mistaken for the fast path. */
const QUIET_MS = 1500;

function address(any: Msg): string {
  const cla = messageType(any['type_url']).decode(any['value']) as unknown as {
    endpoints: Array<{
      lb_endpoints: Array<{ endpoint: { address: { socket_address: { address: string } } } }>;
    }>;
  };
  return cla.endpoints[0]!.lb_endpoints[0]!.endpoint.address.socket_address.address;
}

describe('Pilot EDS fast path', () => {
  const store = new ConfigStore(silentLogger());
  let pilot: Pilot;
  let client: grpc.Client;

  beforeAll(async () => {
    store.apply(parseIstioYaml(serviceEntry('10.0.0.1'), 'a.yaml')[0]!);
    pilot = new Pilot({
      store,
      registries: [new ServiceEntryRegistry(store, { logger: silentLogger() })],
      xdsAddress: '127.0.0.1:0',
      debounceAfterMs: QUIET_MS,
      debounceMaxMs: 10_000,
      domainSuffix: 'cluster.local',
      logger: silentLogger(),
    });
    client = adsClient(await pilot.start());
  });

  afterAll(async () => {
    client?.close();
    await pilot?.stop();
  });

  it('sends an endpoint-only ServiceEntry change at once, without rebuilding the PushContext', async () => {
    const s = new RawStream(client, 'StreamAggregatedResources');
    s.send({ node: NODE, type_url: CLUSTER_TYPE });
    const cds = await s.next();
    s.send({ type_url: CLUSTER_TYPE, version_info: cds.version_info, response_nonce: cds.nonce });
    s.send({ type_url: ENDPOINT_TYPE, resource_names: [A] });
    const eds = await s.next();
    expect(address(eds.resources[0])).toBe('10.0.0.1');
    s.send({
      type_url: ENDPOINT_TYPE,
      resource_names: [A],
      version_info: eds.version_info,
      response_nonce: eds.nonce,
    });
    const context = pilot.pushContext();

    const started = Date.now();
    store.apply(parseIstioYaml(serviceEntry('10.0.0.2'), 'a.yaml')[0]!);
    const moved = await s.next();
    expect(Date.now() - started).toBeLessThan(QUIET_MS / 2);
    expect(moved.type_url).toBe(ENDPOINT_TYPE);
    expect(address(moved.resources[0])).toBe('10.0.0.2');
    s.send({
      type_url: ENDPOINT_TYPE,
      resource_names: [A],
      version_info: moved.version_info,
      response_nonce: moved.nonce,
    });
    // No full push follows: the PushContext is the same object, CDS is not resent.
    await s.expectNone(QUIET_MS + 300);
    expect(pilot.pushContext()).toBe(context);

    // A change to the service itself (its port) is a full push, after the quiet period.
    store.apply(parseIstioYaml(serviceEntry('10.0.0.2', 9090), 'a.yaml')[0]!);
    const full = await s.next(QUIET_MS + 3000);
    expect(full.type_url).toBe(CLUSTER_TYPE);
    expect(pilot.pushContext()).not.toBe(context);
    s.end();
  }, 15_000);

  it('rebuilds on an endpoint change of a DNS-resolved service (its endpoints live in the Cluster)', async () => {
    const dns = (host: string): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ext, namespace: default }
spec:
  hosts: [ext.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{ number: 443, name: tls, protocol: TLS }]
  endpoints: [{ address: ${host} }]
`;
    store.apply(parseIstioYaml(dns('a.example.net'), 'ext.yaml')[0]!);
    await new Promise((r) => setTimeout(r, QUIET_MS + 500));
    const before = pilot.pushContext();
    store.apply(parseIstioYaml(dns('b.example.net'), 'ext.yaml')[0]!);
    await new Promise((r) => setTimeout(r, QUIET_MS + 500));
    expect(pilot.pushContext()).not.toBe(before);
  }, 15_000);

  it('gives a sidecar the inbound cluster of a service its workload joins through an endpoint-only change', async () => {
    const sidecar = {
      id: 'sidecar~10.0.0.9~app-9.default~default.svc.cluster.local',
      metadata: { fields: { NAMESPACE: { stringValue: 'default' } } },
    };
    const inbound = (cds: Msg): string[] =>
      (cds['resources'] as Msg[])
        .map((any) => (messageType(any['type_url']).decode(any['value']) as unknown as { name: string }).name)
        .filter((n) => n.startsWith('inbound|'));
    store.apply(parseIstioYaml(serviceEntry('10.0.0.1', 9080), 'a.yaml')[0]!);
    await new Promise((r) => setTimeout(r, QUIET_MS + 500));
    const s = new RawStream(client, 'StreamAggregatedResources');
    s.send({ node: sidecar, type_url: CLUSTER_TYPE });
    const first = await s.next();
    expect(inbound(first)).toEqual([]);
    s.send({ type_url: CLUSTER_TYPE, version_info: first['version_info'], response_nonce: first['nonce'] });
    const context = pilot.pushContext();

    // The workload at 10.0.0.9 becomes an endpoint of `a`: no service changed, so no full push,
    // yet its sidecar now serves port 9080 and must get the inbound cluster at once.
    const started = Date.now();
    store.apply(parseIstioYaml(serviceEntry('10.0.0.9', 9080), 'a.yaml')[0]!);
    const next = await s.next();
    expect(Date.now() - started).toBeLessThan(QUIET_MS / 2);
    expect(pilot.pushContext()).toBe(context);
    expect(inbound(next)).toEqual(['inbound|9080||']);
    s.end();
  }, 15_000);
});
