import { describe, expect, it } from 'vitest';
import { fullPush, type PushRequest } from '../../../src/model/push-request.js';
import { grpcClusterGenerator } from '../../../src/pilot/generators/grpc-cds.js';
import { resolveListenerTarget } from '../../../src/pilot/generators/grpc-common.js';
import { grpcEndpointGenerator } from '../../../src/pilot/generators/grpc-eds.js';
import { grpcListenerGenerator } from '../../../src/pilot/generators/grpc-lds.js';
import { grpcRouteGenerator } from '../../../src/pilot/generators/grpc-rds.js';
import { buildGeneratorMap } from '../../../src/pilot/generators/index.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../../src/xds/type-urls.js';
import { buildWorld, DEFAULT_NODE, parseIstioYaml, proxyFromNode } from '../../golden/pilot-harness.js';

const INPUT = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: greeter, namespace: apps }
spec:
  hosts: [greeter.apps.svc.cluster.local]
  resolution: STATIC
  ports: [{ number: 50051, name: grpc, protocol: GRPC }]
  endpoints: [{ address: 10.0.0.1, labels: { v: "1" } }]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: multi, namespace: apps }
spec:
  hosts: [multi.example.com]
  resolution: STATIC
  ports: [{ number: 1, name: a }, { number: 2, name: b }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: greeter, namespace: apps }
spec:
  host: greeter.apps.svc.cluster.local
  subsets: [{ name: v1, labels: { v: "1" } }]
`;

const { push } = buildWorld(parseIstioYaml(INPUT, 'test'));
const client = proxyFromNode({ ...DEFAULT_NODE, metadata: { GENERATOR: 'grpc', NAMESPACE: 'apps' } });
const request = fullPush('full', 0);
const watch = (typeUrl: string, names: string[], wildcard = false) => ({
  typeUrl,
  wildcard,
  names: new Set(names),
});

describe('proxyless generators', () => {
  it('resolves listener names: full, short, namespace-relative, and port-less single-port', () => {
    for (const name of [
      'greeter.apps.svc.cluster.local:50051',
      'greeter:50051',
      'greeter.apps:50051',
      'greeter.apps.svc:50051',
      'greeter',
    ]) {
      expect(resolveListenerTarget(name, push, client)?.port.port, name).toBe(50051);
    }
    expect(resolveListenerTarget('greeter:1', push, client)).toBeUndefined();
    expect(resolveListenerTarget('multi.example.com', push, client)).toBeUndefined();
    expect(resolveListenerTarget('greeter.other:50051', push, client)).toBeUndefined();
  });

  it('LDS names listeners as subscribed and omits unknown names', () => {
    const out = grpcListenerGenerator.generate({
      push,
      proxy: client,
      request,
      watched: watch(LISTENER_TYPE, ['greeter:50051', 'nope:1']),
    });
    expect(out.map((r) => r.name)).toEqual(['greeter:50051']);
    const wildcard = grpcListenerGenerator.generate({
      push,
      proxy: client,
      request,
      watched: watch(LISTENER_TYPE, [], true),
    });
    expect(wildcard.map((r) => r.name)).toEqual([
      'greeter.apps.svc.cluster.local:50051',
      'multi.example.com:1',
      'multi.example.com:2',
    ]);
  });

  it('RDS builds only route configs of visible service ports', () => {
    const out = grpcRouteGenerator.generate({
      push,
      proxy: client,
      request,
      watched: watch(ROUTE_TYPE, [
        'outbound|50051||greeter.apps.svc.cluster.local',
        'outbound|9||greeter.apps.svc.cluster.local',
        'x',
      ]),
    });
    expect(out.map((r) => r.name)).toEqual(['outbound|50051||greeter.apps.svc.cluster.local']);
  });

  it('serves a subset no DestinationRule defines as a cluster without endpoints', () => {
    const names = [
      'outbound|50051|v1|greeter.apps.svc.cluster.local',
      'outbound|50051|v9|greeter.apps.svc.cluster.local',
      'outbound|9|v1|greeter.apps.svc.cluster.local',
    ];
    const cds = grpcClusterGenerator.generate({
      push,
      proxy: client,
      request,
      watched: watch(CLUSTER_TYPE, names),
    });
    const eds = grpcEndpointGenerator.generate({
      push,
      proxy: client,
      request,
      watched: watch(ENDPOINT_TYPE, names),
    });
    expect(cds.map((r) => r.name)).toEqual([names[0], names[1]]);
    expect(eds.map((r) => r.name)).toEqual([names[0], names[1]]);
    expect((eds[0]!.message['endpoints'] as unknown[]).length).toBe(1);
    expect(eds[1]!.message['endpoints']).toEqual([]);
    const all = grpcClusterGenerator.generate({
      push,
      proxy: client,
      request,
      watched: watch(CLUSTER_TYPE, [], true),
    });
    expect(all.map((r) => r.name)).toEqual([
      'outbound|1||multi.example.com',
      'outbound|2||multi.example.com',
      'outbound|50051|v1|greeter.apps.svc.cluster.local',
      'outbound|50051||greeter.apps.svc.cluster.local',
    ]);
  });

  it('filters pushes by what each type reads', () => {
    const vsOnly: PushRequest = fullPush('config', 0, [
      { kind: 'VirtualService', namespace: 'a', name: 'b' },
    ]);
    const drOnly: PushRequest = fullPush('config', 0, [
      { kind: 'DestinationRule', namespace: 'a', name: 'b' },
    ]);
    const eds: PushRequest = {
      full: false,
      configsUpdated: [],
      endpointsUpdated: ['h'],
      reasons: ['endpoint'],
      start: 0,
    };
    expect(grpcListenerGenerator.needsPush(vsOnly, client)).toBe(false);
    expect(grpcListenerGenerator.needsPush(drOnly, client)).toBe(false);
    expect(grpcRouteGenerator.needsPush(vsOnly, client)).toBe(true);
    expect(grpcClusterGenerator.needsPush(vsOnly, client)).toBe(false);
    expect(grpcClusterGenerator.needsPush(drOnly, client)).toBe(true);
    expect(grpcEndpointGenerator.needsPush(drOnly, client)).toBe(true);
    expect(grpcEndpointGenerator.needsPush(eds, client)).toBe(true);
    expect(grpcEndpointGenerator.needsPush({ ...eds, endpointsUpdated: [] }, client)).toBe(false);
    for (const g of [grpcListenerGenerator, grpcRouteGenerator, grpcClusterGenerator]) {
      expect(g.needsPush(eds, client)).toBe(false);
      expect(g.needsPush(request, client)).toBe(true);
    }
  });

  it('scopes by namespace (and labels for routes)', () => {
    const other = proxyFromNode({ ...DEFAULT_NODE, metadata: { GENERATOR: 'grpc', NAMESPACE: 'other' } });
    const labelled = proxyFromNode({
      ...DEFAULT_NODE,
      metadata: { GENERATOR: 'grpc', NAMESPACE: 'apps', LABELS: { a: 'b' } },
    });
    expect(grpcClusterGenerator.scopeKey(client)).not.toBe(grpcClusterGenerator.scopeKey(other));
    expect(grpcClusterGenerator.scopeKey(client)).toBe(grpcClusterGenerator.scopeKey(labelled));
    expect(grpcRouteGenerator.scopeKey(client)).not.toBe(grpcRouteGenerator.scopeKey(labelled));
  });

  it('keys the map by grpc/ + type URL (Envoy generators bare) and accepts extra generators', () => {
    const map = buildGeneratorMap(new Map([[LISTENER_TYPE, grpcListenerGenerator]]));
    expect([...map.keys()].sort()).toEqual(
      [
        `grpc/${CLUSTER_TYPE}`,
        `grpc/${ENDPOINT_TYPE}`,
        `grpc/${LISTENER_TYPE}`,
        `grpc/${ROUTE_TYPE}`,
        CLUSTER_TYPE,
        ENDPOINT_TYPE,
        LISTENER_TYPE,
        ROUTE_TYPE,
      ].sort(),
    );
    expect(map.get(LISTENER_TYPE)).toBe(grpcListenerGenerator);
    expect(buildGeneratorMap().get(LISTENER_TYPE)).not.toBe(grpcListenerGenerator);
  });
});
