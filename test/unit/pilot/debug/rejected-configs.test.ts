import { describe, expect, it } from 'vitest';
import {
  buildRejectedConfigs,
  pushContextLookup,
  rejectedNames,
  rejectionMessage,
} from '../../../../src/pilot/debug/rejected-configs.js';
import { CLUSTER_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../../../src/xds/type-urls.js';
import { connection, mesh, nackingSidecar, SIDECAR_ID, typeInfo } from './world.js';

describe('rejectedNames', () => {
  it('takes the names the error mentions, else every candidate', () => {
    expect(rejectedNames('cluster outbound|80||a: bad', ['outbound|80||a', 'outbound|80||b'])).toEqual([
      'outbound|80||a',
    ]);
    expect(rejectedNames('something broke', ['b', 'a', 'a'])).toEqual(['a', 'b']);
    expect(rejectedNames('route 8080 bad', ['80', '8080'])).toEqual(['8080']);
  });
});

describe('buildRejectedConfigs', () => {
  it('maps a NACKed sidecar route config to the VirtualService routing that port', () => {
    const { push } = mesh();
    const out = buildRejectedConfigs([nackingSidecar()], pushContextLookup(push));
    expect(out).toEqual([
      {
        kind: 'VirtualService',
        namespace: 'default',
        name: 'reviews-route',
        source: 'mesh.yaml',
        proxies: [
          { proxy: SIDECAR_ID, type: 'RDS', resources: ['9080'], error: 'route config 9080: invalid regex' },
        ],
      },
    ]);
    expect(rejectionMessage(out[0]!)).toBe(
      `${SIDECAR_ID} rejected RDS 9080: route config 9080: invalid regex`,
    );
  });

  it('maps a NACKed cluster to its DestinationRule, using generated names for wildcard CDS', () => {
    const { push } = mesh();
    const conn = connection(SIDECAR_ID, [
      typeInfo(CLUSTER_TYPE, {
        sentNonce: '7',
        lastNackNonce: '7',
        lastNackError: 'cluster outbound|9080|v1|reviews.default.svc.cluster.local: bad lb policy',
      }),
    ]);
    const generated = () => [
      'outbound|9080||reviews.default.svc.cluster.local',
      'outbound|9080|v1|reviews.default.svc.cluster.local',
      'outbound|5432||db.default.svc.cluster.local',
    ];
    const out = buildRejectedConfigs([conn], pushContextLookup(push), generated);
    expect(out.map((r) => `${r.kind}/${r.name}`)).toEqual(['DestinationRule/reviews-dr']);
    expect(out[0]!.proxies[0]!.resources).toEqual(['outbound|9080|v1|reviews.default.svc.cluster.local']);
  });

  it('reports nothing once ACKed, for unattributed types, for other ports, and for bad node ids', () => {
    const { push } = mesh();
    const lookup = pushContextLookup(push);
    const acked = connection(SIDECAR_ID, [
      typeInfo(ROUTE_TYPE, { names: ['9080'], sentNonce: '5', ackedNonce: '5' }),
    ]);
    const lds = connection(SIDECAR_ID, [typeInfo(LISTENER_TYPE, { lastNackNonce: '1', lastNackError: 'x' })]);
    const otherPort = connection(SIDECAR_ID, [
      typeInfo(ROUTE_TYPE, { names: ['5432'], lastNackNonce: '1', lastNackError: 'x' }),
    ]);
    const badId = connection('bogus~1~a.b~c', [
      typeInfo(ROUTE_TYPE, { names: ['9080'], lastNackError: 'x' }),
    ]);
    expect(buildRejectedConfigs([acked, lds, otherPort, badId], lookup)).toEqual([]);
  });

  it('merges several proxies rejecting the same config, sorted', () => {
    const { push } = mesh();
    const a = nackingSidecar('boom');
    const b = {
      ...nackingSidecar('boom'),
      proxyId: 'sidecar~10.0.9.8~app-0.default~default.svc.cluster.local',
    };
    const proxyless = connection('grpc-client', [
      typeInfo(ROUTE_TYPE, {
        names: ['outbound|9080||reviews.default.svc.cluster.local'],
        lastNackNonce: '1',
        lastNackError: 'bad',
      }),
    ]);
    const out = buildRejectedConfigs([a, proxyless, b], pushContextLookup(push));
    expect(out).toHaveLength(1);
    expect(out[0]!.proxies.map((p) => p.proxy)).toEqual(['grpc-client', b.proxyId, a.proxyId]);
  });
});
