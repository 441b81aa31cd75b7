/** A small mesh and fake connections shared by the debug view tests. */
import type { ConnectionInfo, TypeInfo } from '../../../../src/xds/connection-types.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../../../src/xds/type-urls.js';
import { buildWorld, parseIstioYaml, type World } from '../../../golden/pilot-harness.js';

export const MESH = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews.default.svc.cluster.local]
  resolution: STATIC
  location: MESH_INTERNAL
  ports: [{ number: 9080, name: http }]
  endpoints:
  - { address: 10.0.0.2, labels: { version: v2 } }
  - { address: 10.0.0.1, labels: { version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: db, namespace: default }
spec:
  hosts: [db.default.svc.cluster.local]
  resolution: STATIC
  location: MESH_INTERNAL
  ports: [{ number: 5432, name: tcp, protocol: TCP }]
  endpoints: [{ address: 10.0.1.1 }]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews-route, namespace: default }
spec:
  hosts: [reviews]
  http: [{ route: [{ destination: { host: reviews, subset: v1 } }] }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews-dr, namespace: default }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }]
`;

export function mesh(): World {
  return buildWorld(parseIstioYaml(MESH, 'mesh.yaml'));
}

export const SIDECAR_ID = 'sidecar~10.0.9.9~app-1.default~default.svc.cluster.local';

export function typeInfo(typeUrl: string, extra: Partial<TypeInfo> = {}): TypeInfo {
  return {
    typeUrl,
    type: typeUrl.split('.').pop()!,
    wildcard: typeUrl === CLUSTER_TYPE || typeUrl === LISTENER_TYPE,
    names: [],
    resourceCount: 0,
    ...extra,
  };
}

export function connection(proxyId: string, types: readonly TypeInfo[], id = 'c1'): ConnectionInfo {
  return { connectionId: id, proxyId, peer: 'ipv4:127.0.0.1:5000', mode: 'sotw', connectedAt: 0, types };
}

/** A sidecar in sync on CDS/LDS, NACKing RDS `9080`, with EDS sent and not yet ACKed. */
export function nackingSidecar(error = 'route config 9080: invalid regex'): ConnectionInfo {
  return connection(SIDECAR_ID, [
    typeInfo(CLUSTER_TYPE, { sentNonce: '1', sentVersion: 'v1', ackedNonce: '1', ackedVersion: 'v1' }),
    typeInfo(LISTENER_TYPE, { sentNonce: '2', sentVersion: 'v1', ackedNonce: '2', ackedVersion: 'v1' }),
    typeInfo(ROUTE_TYPE, {
      names: ['9080'],
      sentNonce: '4',
      sentVersion: 'v1',
      lastNackNonce: '4',
      lastNackError: error,
    }),
    typeInfo(ENDPOINT_TYPE, {
      names: ['outbound|9080|v1|reviews.default.svc.cluster.local'],
      sentNonce: '3',
      sentVersion: 'v1',
    }),
  ]);
}
