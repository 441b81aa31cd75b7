import { describe, expect, it } from 'vitest';
import { EndpointIndex } from '../../../src/model/endpoint-index.js';
import { buildPushContext, formatWarning } from '../../../src/model/push-context.js';
import { buildWorld, parseIstioYaml, TestConfigStore } from '../../golden/pilot-harness.js';

function se(name: string, ns: string, host: string, extra = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: ${ns} }
spec:
  hosts: [${host}]
  resolution: STATIC
  ports: [{ number: 80, name: grpc, protocol: GRPC }]
  endpoints: [{ address: 10.0.0.1 }]
${extra}`;
}

function dr(name: string, ns: string, host: string, subsets: string[], extra = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${name}, namespace: ${ns} }
spec:
  host: "${host}"
  subsets: [${subsets.map((s) => `{ name: ${s}, labels: { v: ${s} } }`).join(', ')}]
${extra}`;
}

function vs(name: string, ns: string, hosts: string[], extra = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: ${ns} }
spec:
  hosts: [${hosts.map((h) => `"${h}"`).join(', ')}]
  http: [{ route: [{ destination: { host: ${hosts[0]!.replace('*', 'x')} } }] }]
${extra}`;
}

function world(...docs: string[]) {
  return buildWorld(parseIstioYaml(docs.join('\n---\n'), 'test'));
}

describe('PushContext', () => {
  it('resolves VirtualService short hosts relative to their namespace', () => {
    const { push } = world(
      se('r', 'default', 'reviews.default.svc.cluster.local'),
      vs('r', 'default', ['reviews']),
    );
    expect(push.virtualServiceForHost('reviews.default.svc.cluster.local', 'default')?.config.meta.name).toBe(
      'r',
    );
    expect(push.virtualServiceForHost('reviews.other.svc.cluster.local', 'default')).toBeUndefined();
    expect(push.resolveHost('reviews', 'x')).toBe('reviews.x.svc.cluster.local');
    expect(push.resolveHost('reviews.default', 'x')).toBe('reviews.default');
  });

  it('matches wildcard hosts, the most specific one winning', () => {
    const { push } = world(
      se('a', 'default', 'api.example.com'),
      vs('any', 'default', ['*.example.com']),
      vs('exact', 'default', ['api.example.com']),
    );
    expect(push.virtualServiceForHost('api.example.com', 'default')?.config.meta.name).toBe('exact');
    expect(push.virtualServiceForHost('web.example.com', 'default')?.config.meta.name).toBe('any');
    expect(push.virtualServiceForHost('example.com', 'default')).toBeUndefined();
  });

  it('applies VirtualService exportTo and gateway binding', () => {
    const { push } = world(
      se('a', 'default', 'api.example.com'),
      vs('private', 'team', ['api.example.com'], '  exportTo: ["."]'),
      vs('gw', 'default', ['web.example.com'], '  gateways: [my-gateway]'),
    );
    expect(push.virtualServiceForHost('api.example.com', 'team')?.config.meta.name).toBe('private');
    expect(push.virtualServiceForHost('api.example.com', 'default')).toBeUndefined();
    expect(push.virtualServiceForHost('web.example.com', 'default')).toBeUndefined();
    expect(push.virtualServices).toHaveLength(2);
  });

  it('applies service exportTo', () => {
    const { push } = world(
      se('p', 'team', 'p.team.svc.cluster.local', '  exportTo: ["."]'),
      se('q', 'team', 'q.team.svc.cluster.local', '  exportTo: [default]'),
      se('r', 'team', 'r.team.svc.cluster.local'),
    );
    expect(push.servicesVisibleTo('default').map((s) => s.hostname)).toEqual([
      'q.team.svc.cluster.local',
      'r.team.svc.cluster.local',
    ]);
    // Literal exportTo, as Istio: a list without "." or the own namespace hides it there too.
    expect(push.servicesVisibleTo('team')).toHaveLength(2);
    expect(push.servicesVisibleTo('other').map((s) => s.hostname)).toEqual(['r.team.svc.cluster.local']);
    expect(push.serviceForHostname('p.team.svc.cluster.local', 'default')).toBeUndefined();
  });

  it('prefers the proxy namespace service for a shared hostname', () => {
    const { push } = world(se('a', 'ns1', 'api.example.com'), se('b', 'ns2', 'api.example.com'));
    expect(push.serviceForHostname('api.example.com', 'ns2')?.namespace).toBe('ns2');
    expect(push.serviceForHostname('api.example.com', 'ns3')?.namespace).toBe('ns1');
  });

  it('looks DestinationRules up in proxy, service, then root namespace', () => {
    const host = 's.svc-ns.svc.cluster.local';
    const { push } = world(
      se('s', 'svc-ns', host),
      dr('root', 'istio-system', '*.svc.cluster.local', ['root']),
      dr('owner', 'svc-ns', host, ['owner']),
      dr('client', 'client-ns', host, ['client'], '  exportTo: ["."]'),
      dr('hidden', 'svc-ns', 'hidden.svc-ns.svc.cluster.local', ['x'], '  exportTo: ["."]'),
    );
    expect(push.destinationRule(host, 'client-ns')?.sources[0]!.meta.name).toBe('client');
    expect(push.destinationRule(host, 'elsewhere')?.sources[0]!.meta.name).toBe('owner');
    expect(push.destinationRule('z.other.svc.cluster.local', 'elsewhere')?.sources[0]!.meta.name).toBe(
      'root',
    );
    expect(push.destinationRule('hidden.svc-ns.svc.cluster.local', 'elsewhere')?.sources[0]!.meta.name).toBe(
      'root',
    );
    expect(push.subset(host, 'client', 'client-ns')?.labels).toEqual({ v: 'client' });
    expect(push.subset(host, 'client', 'elsewhere')).toBeUndefined();
  });

  it('prefers an exact DestinationRule host over a wildcard in the same namespace', () => {
    const { push } = world(
      se('s', 'default', 'api.example.com'),
      dr('wild', 'default', '*.example.com', ['w']),
      dr('exact', 'default', 'api.example.com', ['e']),
    );
    expect(push.destinationRule('api.example.com', 'default')?.sources.map((c) => c.meta.name)).toEqual([
      'exact',
    ]);
  });

  it('merges DestinationRules for the same host in one namespace', () => {
    const { push } = world(
      se('s', 'default', 'api.example.com'),
      dr('a', 'default', 'api.example.com', ['v1', 'v2']),
      dr(
        'b',
        'default',
        'api.example.com',
        ['v2', 'v3'],
        '  trafficPolicy: { loadBalancer: { simple: RANDOM } }',
      ),
    );
    const rule = push.destinationRule('api.example.com', 'default')!;
    expect(rule.spec.subsets?.map((s) => s.name)).toEqual(['v1', 'v2', 'v3']);
    expect(rule.spec.subsets?.[1]!.labels).toEqual({ v: 'v2' });
    expect(rule.spec.trafficPolicy?.loadBalancer?.simple).toBe('RANDOM');
  });

  it('has a deterministic content version that follows config changes only', () => {
    const docs = [se('s', 'default', 'api.example.com'), vs('v', 'default', ['api.example.com'])];
    const a = world(...docs).push.version;
    const b = world(...[...docs].reverse()).push.version;
    const c = world(docs[0]!, vs('v', 'default', ['api.example.com'], '  exportTo: ["."]')).push.version;
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    const explicit = buildPushContext({
      configs: new TestConfigStore([]),
      services: [],
      endpoints: new EndpointIndex(),
      version: 'v42',
    });
    expect(explicit.version).toBe('v42');
  });

  it('warns about missing hosts, subsets and ports, and shadowed VirtualServices', () => {
    const { push } = world(
      se('s', 'default', 'api.example.com'),
      dr('d', 'default', 'api.example.com', ['v1']),
      dr('ghost', 'default', 'ghost.example.com', ['v1']),
      `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: v, namespace: default }
spec:
  hosts: [api.example.com]
  http:
    - route:
        - destination: { host: api.example.com, subset: v1 }
          weight: 25
        - destination: { host: api.example.com, subset: v9 }
          weight: 25
        - destination: { host: nowhere.example.com }
          weight: 25
        - destination: { host: api.example.com, port: { number: 81 } }
          weight: 25`,
      vs('zlate', 'default', ['api.example.com']),
    );
    expect(push.warnings.map(formatWarning)).toEqual([
      'DestinationRule default/ghost: spec.host: host "ghost.example.com" not found',
      'VirtualService default/v: spec.http[0].route[1].destination.subset: subset "v9" not found in DestinationRule for host "api.example.com"',
      'VirtualService default/v: spec.http[0].route[2].destination.host: host "nowhere.example.com" not found',
      'VirtualService default/v: spec.http[0].route[3].destination.port.number: port 81 not found on host "api.example.com"',
      'VirtualService default/zlate: spec.hosts[0]: host "api.example.com" is also routed by VirtualService default/v, which takes precedence',
    ]);
    expect(push.warnings.every((w) => w.code.startsWith('IST'))).toBe(true);
  });
});
