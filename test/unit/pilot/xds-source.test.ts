import { describe, expect, it } from 'vitest';
import { buildPushContext, type PushContext } from '../../../src/model/push-context.js';
import { fullPush } from '../../../src/model/push-request.js';
import { buildGeneratorMap } from '../../../src/pilot/generators/index.js';
import { XdsResourceSource } from '../../../src/pilot/xds-source.js';
import {
  CLUSTER_TYPE,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  ROUTE_TYPE,
  SECRET_TYPE,
} from '../../../src/xds/type-urls.js';
import { contentHash } from '../../../src/util/hash.js';
import {
  buildWorld,
  decodeResource,
  DEFAULT_NODE,
  parseIstioYaml,
  proxyFromNode,
  TestConfigStore,
} from '../../golden/pilot-harness.js';

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

const request = fullPush('full', 0);
const eds = (names: string[]) => ({ typeUrl: ENDPOINT_TYPE, wildcard: false, names: new Set(names) });
const GREETER = 'outbound|50051||greeter.default.svc.cluster.local';
const OTHER = 'outbound|50051||other.default.svc.cluster.local';

function setup() {
  const configs = parseIstioYaml(INPUT, 'test');
  const world = buildWorld(configs);
  let push: PushContext = world.push;
  const source = new XdsResourceSource({ generators: buildGeneratorMap(), pushContext: () => push });
  const rebuild = () => {
    push = buildPushContext({
      configs: new TestConfigStore(configs),
      services: world.services,
      endpoints: world.endpoints,
      version: `${push.version}x`,
    });
  };
  return { source, world, rebuild };
}

describe('XdsResourceSource', () => {
  const a = proxyFromNode(DEFAULT_NODE);
  const b = proxyFromNode({ ...DEFAULT_NODE, id: 'another-client' });
  const envoy = proxyFromNode({ id: 'sidecar~10.0.0.9~pod.default~default.svc.cluster.local', metadata: {} });

  it('serves proxyless clients from grpc/ generators and Envoy nodes from the bare ones', () => {
    const { source } = setup();
    expect(source.supports(a, LISTENER_TYPE)).toBe(true);
    expect(source.supports(a, SECRET_TYPE)).toBe(false);
    expect(source.supports(envoy, LISTENER_TYPE)).toBe(true);
    const proxyless = source.generate(
      a,
      { typeUrl: LISTENER_TYPE, wildcard: true, names: new Set() },
      request,
    );
    expect(proxyless.resources.map((r) => r.name)).toContain('greeter.default.svc.cluster.local:50051');
    const sidecar = source.generate(
      envoy,
      { typeUrl: LISTENER_TYPE, wildcard: true, names: new Set() },
      request,
    );
    expect(sidecar.resources.map((r) => r.name)).toEqual([
      '0.0.0.0_50051',
      'virtualInbound',
      'virtualOutbound',
    ]);
  });

  it('encodes once and shares bytes between clients of the same scope', () => {
    const { source } = setup();
    const r1 = source.generate(
      a,
      { typeUrl: CLUSTER_TYPE, wildcard: false, names: new Set([GREETER]) },
      request,
    );
    const r2 = source.generate(
      b,
      { typeUrl: CLUSTER_TYPE, wildcard: false, names: new Set([GREETER, OTHER]) },
      request,
    );
    expect(r2.resources.find((r) => r.name === GREETER)).toBe(r1.resources[0]);
    expect(r1.resources[0]!.version).toBe(contentHash(r1.resources[0]!.value));
    expect(decodeResource(r1.resources[0]!)['name']).toBe(GREETER);
    expect(source.stats()).toMatchObject({ encoded: 2, reused: 1 });
    source.generate(b, { typeUrl: CLUSTER_TYPE, wildcard: false, names: new Set([OTHER, GREETER]) }, request);
    expect(source.stats().responsesReused).toBe(1);
  });

  it('re-encodes only the changed hostname on an endpoint update, without a new PushContext', () => {
    const { source, world } = setup();
    const before = source.generate(a, eds([GREETER, OTHER]), request);
    world.endpoints.setServiceEndpoints(
      { hostname: 'greeter.default.svc.cluster.local', namespace: 'default' },
      [
        {
          address: '10.0.0.2',
          port: 50051,
          servicePortName: 'grpc',
          labels: {},
          locality: { region: '', zone: '', subzone: '' },
          weight: 1,
          healthy: true,
        },
      ],
    );
    const incremental = {
      full: false,
      configsUpdated: [],
      endpointsUpdated: ['greeter.default.svc.cluster.local'],
      reasons: ['endpoint' as const],
      start: 0,
    };
    expect(source.needsPush(a, ENDPOINT_TYPE, incremental)).toBe(true);
    expect(source.needsPush(a, CLUSTER_TYPE, incremental)).toBe(false);
    const after = source.generate(a, eds([GREETER, OTHER]), incremental);
    const byName = (r: typeof after, n: string) => r.resources.find((x) => x.name === n)!;
    expect(byName(after, GREETER).version).not.toBe(byName(before, GREETER).version);
    expect(byName(after, OTHER)).toBe(byName(before, OTHER));
    expect(after.pushVersion).not.toBe(before.pushVersion);
    const address = decodeResource(byName(after, GREETER))['endpoints'][0]['lb_endpoints'][0]['endpoint'][
      'address'
    ];
    expect(address.socket_address.address).toBe('10.0.0.2');
  });

  it('refreshes a group on the EDS fast path by regenerating only the changed hostname', () => {
    const { source, world } = setup();
    const names = new Set([GREETER, OTHER]);
    const before = source.generate(a, eds([...names]), request);
    const encoded = source.stats().encoded;
    world.endpoints.setServiceEndpoints(
      { hostname: 'other.default.svc.cluster.local', namespace: 'default' },
      [],
    );
    const incremental = { ...request, full: false, endpointsUpdated: ['other.default.svc.cluster.local'] };
    // Another client of the same group: the same result object, refreshed once.
    const after = source.generate(b, eds([OTHER, GREETER]), incremental);
    expect(source.generate(a, eds([GREETER, OTHER]), incremental)).toBe(after);
    expect(source.stats()).toMatchObject({ responsesRefreshed: 1, encoded: encoded + 1 });
    expect(after.resources.find((r) => r.name === GREETER)).toBe(
      before.resources.find((r) => r.name === GREETER),
    );
    expect(after.resources.map((r) => r.name)).toEqual(before.resources.map((r) => r.name));
  });

  it('answers through a binding as through the unbound methods, sharing the group memo', () => {
    const { source, world, rebuild } = setup();
    const bound = source.bind(b, ENDPOINT_TYPE);
    const before = source.generate(a, eds([GREETER, OTHER]), request);
    expect(bound.generate(eds([OTHER, GREETER]), request)).toBe(before);
    world.endpoints.setServiceEndpoints(
      { hostname: 'other.default.svc.cluster.local', namespace: 'default' },
      [],
    );
    const incremental = { ...request, full: false, endpointsUpdated: ['other.default.svc.cluster.local'] };
    expect(bound.needsPush(incremental)).toBe(source.needsPush(b, ENDPOINT_TYPE, incremental));
    expect(source.bind(b, CLUSTER_TYPE).needsPush(incremental)).toBe(false);
    const after = bound.generate(eds([GREETER, OTHER]), incremental);
    expect(after).not.toBe(before);
    expect(source.generate(a, eds([GREETER, OTHER]), incremental)).toBe(after);
    // A new PushContext: the binding follows it (no stale group or result).
    rebuild();
    const rebuilt = bound.generate(eds([GREETER, OTHER]), request);
    expect(rebuilt.pushVersion).not.toBe(after.pushVersion);
    expect(source.generate(a, eds([GREETER, OTHER]), request)).toBe(rebuilt);
    // An Envoy sidecar's CDS scope reads the PushContext (its inbound side): bound, it is read again.
    const sidecar = source.bind(envoy, CLUSTER_TYPE);
    const all = { typeUrl: CLUSTER_TYPE, wildcard: true, names: new Set<string>() };
    expect(sidecar.generate(all, request)).toBe(source.generate(envoy, all, request));
  });

  it('says which types a push concerns for no proxy at all, erring on "may"', () => {
    const { source } = setup();
    const incremental = { ...request, full: false, endpointsUpdated: ['greeter.default.svc.cluster.local'] };
    expect(source.concerns(ENDPOINT_TYPE, incremental)).toBe(true);
    // Routes: neither the Envoy nor the proxyless generator cares about endpoints.
    expect(source.concerns(ROUTE_TYPE, incremental)).toBe(false);
    expect(source.needsPush(a, ROUTE_TYPE, incremental)).toBe(false);
    // Clusters and listeners: an Envoy sidecar's inbound side may follow its own workload's endpoints.
    expect(source.concerns(CLUSTER_TYPE, incremental)).toBe(true);
    expect(source.concerns(LISTENER_TYPE, incremental)).toBe(true);
    expect(source.concerns(SECRET_TYPE, incremental)).toBe(false);
    const full = fullPush('config', 0);
    for (const t of [CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE])
      expect(source.concerns(t, full)).toBe(true);
  });

  it('keeps an unchanged resource (bytes, version, identity) across push versions', () => {
    const { source, rebuild } = setup();
    const names = { typeUrl: CLUSTER_TYPE, wildcard: false, names: new Set([GREETER]) };
    const first = source.generate(a, names, request).resources[0];
    const encoded = source.stats().encoded;
    rebuild();
    const second = source.generate(a, names, request);
    expect(second.resources[0]).toBe(first);
    expect(source.stats().encoded).toBe(encoded);
  });

  it('drops memo entries older than the previous push version', () => {
    const { source, rebuild } = setup();
    const names = { typeUrl: CLUSTER_TYPE, wildcard: false, names: new Set([GREETER]) };
    source.generate(a, names, request);
    rebuild();
    source.generate(a, names, request);
    expect(source.stats().entries).toBe(2);
    rebuild();
    source.generate(a, names, request);
    expect(source.stats().entries).toBe(2);
  });

  it('bounds the memo size', () => {
    const configs = parseIstioYaml(INPUT, 'test');
    const world = buildWorld(configs);
    const source = new XdsResourceSource({
      generators: buildGeneratorMap(),
      pushContext: () => world.push,
      maxEntries: 1,
    });
    source.generate(a, { typeUrl: CLUSTER_TYPE, wildcard: true, names: new Set() }, request);
    expect(source.stats().entries).toBe(1);
  });

  describe('a full push whose changes the generator can place (changedResources)', () => {
    const vs = (host: string, weight: number) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${host}, namespace: default }
spec:
  hosts: [${host}.default.svc.cluster.local]
  http: [{ timeout: ${weight}s, route: [{ destination: { host: ${host}.default.svc.cluster.local } }] }]
`;
    const routes = { typeUrl: ROUTE_TYPE, wildcard: false, names: new Set([GREETER, OTHER]) };
    const world = (greeterWeight: number, otherWeight: number) => {
      const configs = parseIstioYaml(
        INPUT + '---' + vs('greeter', greeterWeight) + '---' + vs('other', otherWeight),
        't',
      );
      return buildWorld(configs).push;
    };

    it('regenerates only the route configs of the changed VirtualService’s hosts', () => {
      let push = world(100, 100);
      const source = new XdsResourceSource({ generators: buildGeneratorMap(), pushContext: () => push });
      const before = source.generate(a, routes, request);
      const encoded = source.stats().encoded;
      const previous = push;
      push = world(100, 50);
      const change = fullPush('config', 0, [{ kind: 'VirtualService', namespace: 'default', name: 'other' }]);
      source.pushed(previous, push, change);
      const after = source.generate(a, routes, change);
      expect(source.stats()).toMatchObject({ responsesRefreshed: 1, encoded: encoded + 1 });
      expect(after.resources.find((r) => r.name === GREETER)).toBe(
        before.resources.find((r) => r.name === GREETER),
      );
      // The same content a full regeneration produces.
      const full = new XdsResourceSource({ generators: buildGeneratorMap(), pushContext: () => push });
      const expected = full.generate(a, routes, request);
      expect(after.resources.map((r) => [r.name, r.version])).toEqual(
        expected.resources.map((r) => [r.name, r.version]),
      );
    });

    it('regenerates everything when the push carries other changes or no transition is known', () => {
      let push = world(100, 100);
      const source = new XdsResourceSource({ generators: buildGeneratorMap(), pushContext: () => push });
      source.generate(a, routes, request);
      let previous = push;
      push = world(100, 50);
      const service = { ...fullPush('service', 0), configsUpdated: [] };
      source.pushed(previous, push, service);
      source.generate(a, routes, service);
      expect(source.stats().responsesRefreshed).toBe(0);
      previous = push;
      push = world(90, 50);
      // No `pushed` call: the source cannot know what changed.
      source.generate(a, routes, request);
      expect(source.stats().responsesRefreshed).toBe(0);
      expect(source.generate(a, routes, request).pushVersion).toBe(push.version);
      expect(previous.version).not.toBe(push.version);
    });
  });
});
