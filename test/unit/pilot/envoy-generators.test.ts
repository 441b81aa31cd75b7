import { describe, expect, it } from 'vitest';
import { parseEgressHost, selectSidecar } from '../../../src/model/push-context/sidecar-scope.js';
import type { Config } from '../../../src/model/config.js';
import type { SidecarSpec } from '../../../src/model/istio/index.js';
import { buildPushContext } from '../../../src/model/push-context.js';
import { fullPush } from '../../../src/model/push-request.js';
import { envoyClusterGenerator } from '../../../src/pilot/generators/envoy-cds.js';
import { envoyEndpointGenerator } from '../../../src/pilot/generators/envoy-eds.js';
import { envoyListenerGenerator } from '../../../src/pilot/generators/envoy-lds.js';
import { envoyRouteGenerator } from '../../../src/pilot/generators/envoy-rds.js';
import {
  buildSidecarRouteConfig,
  parseSidecarRouteName,
} from '../../../src/pilot/generators/sidecar-routes.js';
import {
  applyLocalityLb,
  localityMatches,
} from '../../../src/pilot/networking/endpoint/apply-locality-lb.js';
import { buildEnvoyRetryPolicy } from '../../../src/pilot/networking/route/build-envoy-retry.js';
import { dedupeDomains } from '../../../src/pilot/networking/route/build-envoy-virtual-host.js';
import { LISTENER_TYPE } from '../../../src/xds/type-urls.js';
import { unknownFieldErrors } from '../../golden/envoy-lint.js';
import { buildWorld, parseIstioYaml, proxyFromNode, TestConfigStore } from '../../golden/pilot-harness.js';

function sidecar(name: string, ns: string, selector?: Record<string, string>): Config<SidecarSpec> {
  return {
    meta: {
      kind: 'Sidecar',
      apiVersion: 'networking.istio.io/v1',
      name,
      namespace: ns,
      labels: {},
      annotations: {},
      resourceVersion: '1',
    },
    spec: { ...(selector ? { workloadSelector: { labels: selector } } : {}), egress: [{ hosts: ['./*'] }] },
  };
}

const node = (ip: string, ns: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) =>
  proxyFromNode({
    id: `sidecar~${ip}~pod.${ns}~${ns}.svc.cluster.local`,
    metadata: { NAMESPACE: ns, LABELS: labels, ...extra },
  });

const WORLD = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: web, namespace: default }
spec:
  hosts: [web.default.svc.cluster.local]
  resolution: STATIC
  location: MESH_INTERNAL
  ports: [{ number: 80, name: http }]
  endpoints: [{ address: 10.0.0.1 }, { address: 10.0.0.2 }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: other, namespace: other }
spec:
  hosts: [other.other.svc.cluster.local]
  resolution: STATIC
  location: MESH_INTERNAL
  ports: [{ number: 80, name: http }]
  endpoints: [{ address: 10.0.1.1 }]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: scoped, namespace: default }
spec:
  workloadSelector: { labels: { scoped: "yes" } }
  egress: [{ hosts: ["./*"] }]
`;

describe('Sidecar scope', () => {
  it('prefers a selecting Sidecar, then the namespace default, then the root default', () => {
    const all = [
      sidecar('root', 'istio-system'),
      sidecar('ns-default', 'app'),
      sidecar('selected', 'app', { app: 'a' }),
    ];
    expect(selectSidecar(all, 'app', { app: 'a' }, 'istio-system')?.meta.name).toBe('selected');
    expect(selectSidecar(all, 'app', { app: 'b' }, 'istio-system')?.meta.name).toBe('ns-default');
    expect(selectSidecar(all, 'elsewhere', {}, 'istio-system')?.meta.name).toBe('root');
    expect(selectSidecar(all.slice(1), 'elsewhere', {}, 'istio-system')).toBeUndefined();
  });

  it('parses egress hosts, resolving `.` to the proxy namespace', () => {
    expect(parseEgressHost('./*', 'shop')).toEqual({ namespace: 'shop', host: '*' });
    expect(parseEgressHost('*/api.example.com', 'shop')).toEqual({ namespace: '*', host: 'api.example.com' });
    expect(parseEgressHost('~/*', 'shop')).toEqual({ namespace: '~', host: '*' });
  });

  it('limits a scoped proxy to what it imports', () => {
    const { push } = buildWorld(parseIstioYaml(WORLD, 'test'));
    const scoped = node('10.9.0.1', 'default', { scoped: 'yes' });
    const open = node('10.9.0.2', 'default', {});
    expect(push.sidecarScope(scoped).services.map((s) => s.hostname)).toEqual([
      'web.default.svc.cluster.local',
    ]);
    expect(push.sidecarScope(open).services.map((s) => s.hostname)).toEqual([
      'other.other.svc.cluster.local',
      'web.default.svc.cluster.local',
    ]);
    const watched = { typeUrl: 'x', wildcard: true, names: new Set<string>() };
    const names = (p: typeof scoped) =>
      envoyClusterGenerator
        .generate({ push, proxy: p, watched, request: fullPush('full', 0) })
        .map((r) => r.name)
        .filter((n) => n.startsWith('outbound'));
    expect(names(scoped)).toEqual(['outbound|80||web.default.svc.cluster.local']);
    expect(names(open)).toHaveLength(2);
  });
});

describe('Envoy generators', () => {
  it('keys encodings by what each type depends on', () => {
    const a = node('10.9.0.1', 'default', { app: 'x' });
    const b = node('10.9.0.2', 'default', { app: 'x' });
    const c = node('10.9.0.1', 'other', { app: 'x' });
    expect(envoyRouteGenerator.scopeKey(a)).toBe(envoyRouteGenerator.scopeKey(b));
    expect(envoyListenerGenerator.scopeKey(a)).not.toBe(envoyListenerGenerator.scopeKey(b));
    expect(envoyClusterGenerator.scopeKey(a)).not.toBe(envoyClusterGenerator.scopeKey(b));
    expect(envoyRouteGenerator.scopeKey(a)).not.toBe(envoyRouteGenerator.scopeKey(c));
    const located = proxyFromNode({
      id: 'sidecar~10.9.0.1~pod.default~default.svc.cluster.local',
      metadata: { NAMESPACE: 'default', LABELS: { app: 'x' } },
      locality: { region: 'r1' },
    });
    expect(envoyEndpointGenerator.scopeKey(a)).not.toBe(envoyEndpointGenerator.scopeKey(located));
    expect(envoyRouteGenerator.scopeKey(a)).not.toBe(
      envoyRouteGenerator.scopeKey(node('10.9.0.1', 'default', { app: 'x' }, { INTERCEPTION_MODE: 'NONE' })),
    );
  });

  it('shares CDS and LDS between sidecars of one workload shape, whatever their IPs', () => {
    const { push } = buildWorld(
      parseIstioYaml(
        `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: web, namespace: default }
spec:
  hosts: [web.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP, targetPort: 8080 }]
  endpoints: [{ address: 10.9.0.11 }, { address: 10.9.0.12 }]
`,
        'test',
      ),
    );
    const pod1 = node('10.9.0.11', 'default', { app: 'x' });
    const pod2 = node('10.9.0.12', 'default', { app: 'x' });
    const client1 = node('10.9.0.21', 'default', { app: 'x' });
    const client2 = node('10.9.0.22', 'default', { app: 'x' });
    for (const g of [envoyClusterGenerator, envoyListenerGenerator]) {
      expect(g.scopeUsesPush).toBe(true);
      // Two pods behind the same service port: same inbound, same key.
      expect(g.scopeKey(pod1, push)).toBe(g.scopeKey(pod2, push));
      // Two workloads no service selects: nothing inbound, same key.
      expect(g.scopeKey(client1, push)).toBe(g.scopeKey(client2, push));
      expect(g.scopeKey(pod1, push)).not.toBe(g.scopeKey(client1, push));
    }
    // Equal keys must mean equal output.
    const watched = { typeUrl: 'x', wildcard: true, names: new Set<string>() };
    const gen = (p: typeof pod1) =>
      JSON.stringify(
        envoyClusterGenerator.generate({ push, proxy: p, watched, request: fullPush('full', 0) }),
      );
    expect(gen(pod1)).toBe(gen(pod2));
    expect(gen(client1)).toBe(gen(client2));
    expect(gen(pod1)).not.toBe(gen(client1));
    const lds = (p: typeof pod1) =>
      JSON.stringify(
        envoyListenerGenerator.generate({ push, proxy: p, watched, request: fullPush('full', 0) }),
      );
    expect(lds(pod1)).toBe(lds(pod2));
    expect(lds(client1)).toBe(lds(client2));
  });

  it('filters pushes by the kinds each type reads', () => {
    const drOnly = fullPush('config', 0, [{ kind: 'DestinationRule', namespace: 'default', name: 'x' }]);
    const proxy = node('10.9.0.1', 'default', {});
    expect(envoyListenerGenerator.needsPush(drOnly, proxy)).toBe(false);
    expect(envoyClusterGenerator.needsPush(drOnly, proxy)).toBe(true);
    const incremental = { ...drOnly, full: false, configsUpdated: [], endpointsUpdated: ['web'] };
    expect(envoyEndpointGenerator.needsPush(incremental, proxy)).toBe(true);
    expect(envoyListenerGenerator.needsPush(incremental, proxy)).toBe(false);
    expect(envoyListenerGenerator.typeUrl).toBe(LISTENER_TYPE);
  });

  it('builds sidecar route configs only for port names', () => {
    const { push } = buildWorld(parseIstioYaml(WORLD, 'test'));
    const proxy = node('10.9.0.2', 'default', {});
    expect(parseSidecarRouteName('80')).toBe(80);
    expect(parseSidecarRouteName('http.80')).toBeUndefined();
    expect(parseSidecarRouteName('70000')).toBeUndefined();
    expect(
      buildSidecarRouteConfig('outbound|80||web.default.svc.cluster.local', push, proxy),
    ).toBeUndefined();
    const rc = buildSidecarRouteConfig('80', push, proxy)!;
    const names = (rc['virtual_hosts'] as { name: string }[]).map((v) => v.name);
    expect(names).toEqual([
      'allow_any',
      'other.other.svc.cluster.local:80',
      'web.default.svc.cluster.local:80',
    ]);
  });

  it('takes the outbound traffic policy from the mesh config unless a Sidecar sets it', () => {
    const configs = parseIstioYaml(WORLD, 'test');
    const world = buildWorld(configs);
    const push = buildPushContext({
      configs: new TestConfigStore(configs),
      services: world.services,
      endpoints: world.endpoints,
      meshConfig: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
    });
    expect(push.meshConfig.proxyListenPort).toBe(15001);
    expect(world.push.meshConfig.outboundTrafficPolicy.mode).toBe('ALLOW_ANY');
    expect(push.version).not.toBe(world.push.version);
    const watched = { typeUrl: LISTENER_TYPE, wildcard: true, names: new Set<string>() };
    const outbound = (p: typeof world.push) =>
      JSON.stringify(
        envoyListenerGenerator
          .generate({
            push: p,
            proxy: node('10.9.0.2', 'default', {}),
            watched,
            request: fullPush('full', 0),
          })
          .find((r) => r.name === 'virtualOutbound')!.message,
      );
    expect(outbound(push)).toContain('BlackHoleCluster');
    expect(outbound(world.push)).toContain('PassthroughCluster');
  });

  it('gives gateways no listeners when no Gateway selects them', () => {
    const { push } = buildWorld(parseIstioYaml(WORLD, 'test'));
    const router = proxyFromNode({
      id: 'router~10.9.0.3~gw.istio-system~istio-system.svc.cluster.local',
      metadata: { NAMESPACE: 'istio-system', LABELS: { istio: 'ingressgateway' } },
    });
    const watched = { typeUrl: LISTENER_TYPE, wildcard: true, names: new Set<string>() };
    expect(
      envoyListenerGenerator.generate({ push, proxy: router, watched, request: fullPush('full', 0) }),
    ).toEqual([]);
  });
});

describe('Envoy builders', () => {
  it('converts retries as Istio does', () => {
    expect(buildEnvoyRetryPolicy({ attempts: 0 })).toBeUndefined();
    const p = buildEnvoyRetryPolicy({
      attempts: 4,
      retryOn: 'gateway-error,503',
      retryIgnorePreviousHosts: false,
    })!;
    expect(p['retry_on']).toBe('gateway-error,retriable-status-codes');
    expect(p['retriable_status_codes']).toEqual([503]);
    expect(p['retry_host_predicate']).toBeUndefined();
    expect(buildEnvoyRetryPolicy(undefined)!['retriable_status_codes']).toEqual([503]);
  });

  it('drops domains an earlier virtual host took, case-insensitively', () => {
    const taken = new Set<string>();
    expect(dedupeDomains(['a', 'B'], taken)).toEqual(['a', 'B']);
    expect(dedupeDomains(['b', 'c'], taken)).toEqual(['c']);
  });

  it('matches locality patterns and orders failover priorities', () => {
    const l = { region: 'r1', zone: 'z1', subzone: 's1' };
    expect(localityMatches(l, 'r1/*')).toBe(true);
    expect(localityMatches(l, 'r1/z2/*')).toBe(false);
    expect(localityMatches(l, 'r1')).toBe(true);
    const group = (region: string, zone: string) => ({
      locality: { region, zone },
      lb_endpoints: [{}],
      load_balancing_weight: { value: 1 },
    });
    const cla: Record<string, unknown> = {
      endpoints: [group('r1', 'z1'), group('r2', 'z9'), group('r1', 'z2')],
    };
    applyLocalityLb(cla, {
      proxyLocality: { region: 'r1', zone: 'z1', subzone: '' },
      setting: undefined,
      meshEnabled: true,
      outlierDetection: true,
    });
    expect((cla['endpoints'] as { priority?: number }[]).map((e) => e.priority ?? 0)).toEqual([0, 2, 1]);
  });

  it('flags fields and enum values Envoy does not define', () => {
    const cluster = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
    expect(unknownFieldErrors(cluster, 'c', { name: 'c', type: 'EDS' })).toEqual([]);
    expect(unknownFieldErrors(cluster, 'c', { name: 'c', bogus: 1 })).toHaveLength(1);
    expect(unknownFieldErrors(cluster, 'c', { name: 'c', lb_policy: 'NOPE' })).toHaveLength(1);
    expect(
      unknownFieldErrors(cluster, 'c', {
        transport_socket: { name: 't', typed_config: { '@type': 'type.googleapis.com/x.Nope' } },
      }),
    ).toHaveLength(1);
  });
});
