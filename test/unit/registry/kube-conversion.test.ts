import { describe, expect, it } from 'vitest';
import {
  convertEndpoints,
  convertService,
  endpointLocality,
  kubePortProtocol,
  type K8sEndpointSlice,
  type K8sNode,
  type K8sPod,
  type K8sService,
} from '../../../src/registry/kube/conversion.js';

const svc: K8sService = {
  metadata: {
    name: 'reviews',
    namespace: 'bookinfo',
    labels: { app: 'reviews' },
    annotations: { 'networking.istio.io/exportTo': '., istio-system' },
  },
  spec: {
    clusterIP: '10.96.0.20',
    ports: [
      { name: 'http', port: 9080, targetPort: 'http' },
      { name: 'grpc-api', port: 50051, targetPort: 8443, appProtocol: 'grpc' },
    ],
  },
};

const pods: Record<string, K8sPod> = {
  'bookinfo/reviews-v1': {
    metadata: { name: 'reviews-v1', namespace: 'bookinfo', labels: { app: 'reviews', version: 'v1' } },
    spec: { serviceAccountName: 'bookinfo-reviews', nodeName: 'node-a' },
  },
  'bookinfo/reviews-v2': {
    metadata: {
      name: 'reviews-v2',
      namespace: 'bookinfo',
      labels: { app: 'reviews', version: 'v2', 'istio-locality': 'eu.eu-b.rack1' },
    },
    spec: { nodeName: 'node-a' },
  },
};
const nodes: Record<string, K8sNode> = {
  'node-a': {
    metadata: {
      name: 'node-a',
      labels: { 'topology.kubernetes.io/region': 'us', 'topology.kubernetes.io/zone': 'us-a' },
    },
  },
};
const ctx = { pod: (ns: string, n: string) => pods[`${ns}/${n}`], node: (n: string) => nodes[n] };

const slice: K8sEndpointSlice = {
  metadata: {
    name: 'reviews-abc',
    namespace: 'bookinfo',
    labels: { 'kubernetes.io/service-name': 'reviews' },
  },
  addressType: 'IPv4',
  ports: [
    { name: 'http', port: 9081 },
    { name: 'grpc-api', port: 8443 },
    { name: 'unknown', port: 1 },
  ],
  endpoints: [
    { addresses: ['127.0.0.2'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'reviews-v2' } },
    {
      addresses: ['127.0.0.1'],
      conditions: {},
      targetRef: { kind: 'Pod', name: 'reviews-v1' },
      nodeName: 'node-a',
    },
    { addresses: ['127.0.0.3'], conditions: { ready: false }, zone: 'z9' },
  ],
};

describe('kube conversion', () => {
  it('converts a ClusterIP Service: FQDN, sorted ports, protocols, numeric targetPort, exportTo', () => {
    const s = convertService(svc, 'cluster.local');
    expect(s).toMatchObject({
      hostname: 'reviews.bookinfo.svc.cluster.local',
      namespace: 'bookinfo',
      registry: 'kubernetes',
      addresses: ['10.96.0.20'],
      resolution: 'STATIC',
      meshExternal: false,
      exportTo: ['bookinfo', 'istio-system'],
      labels: { app: 'reviews' },
      sourceKey: 'Service/bookinfo/reviews',
    });
    expect(s.ports).toEqual([
      { name: 'http', port: 9080, protocol: 'HTTP' },
      { name: 'grpc-api', port: 50051, protocol: 'GRPC', targetPort: 8443 },
    ]);
  });

  it('treats headless as NONE without addresses and ExternalName as an external DNS service', () => {
    const headless = convertService(
      { ...svc, spec: { ...svc.spec, clusterIP: 'None', clusterIPs: ['None'] } },
      'x.y',
    );
    expect(headless).toMatchObject({
      hostname: 'reviews.bookinfo.svc.x.y',
      resolution: 'NONE',
      addresses: [],
    });
    const ext: K8sService = {
      metadata: { name: 'db', namespace: 'ns' },
      spec: { type: 'ExternalName', externalName: 'db.example.com', ports: [{ name: 'tcp', port: 5432 }] },
    };
    const s = convertService(ext, 'cluster.local');
    expect(s).toMatchObject({ resolution: 'DNS', meshExternal: true, addresses: [], exportTo: ['*'] });
    expect(convertEndpoints(s, ext, [], ctx)).toEqual([
      expect.objectContaining({
        address: 'db.example.com',
        port: 5432,
        servicePortName: 'tcp',
        healthy: true,
      }),
    ]);
  });

  it('picks protocols from appProtocol, then the name, and UDP from the transport', () => {
    expect(kubePortProtocol({ port: 1, appProtocol: 'kubernetes.io/h2c' })).toBe('HTTP2');
    expect(kubePortProtocol({ port: 1, name: 'http-web' })).toBe('HTTP');
    expect(kubePortProtocol({ port: 1, name: 'grpc', protocol: 'UDP' })).toBe('UDP');
    expect(kubePortProtocol({ port: 1, name: 'foo' })).toBe('UNSUPPORTED');
  });

  it('builds endpoints per address and matching port with pod labels, readiness, locality, identity', () => {
    const s = convertService(svc, 'cluster.local');
    const eps = convertEndpoints(s, svc, [slice], ctx);
    expect(eps.map((e) => [e.address, e.port, e.servicePortName, e.healthy])).toEqual([
      ['127.0.0.1', 8443, 'grpc-api', true],
      ['127.0.0.1', 9081, 'http', true],
      ['127.0.0.2', 8443, 'grpc-api', true],
      ['127.0.0.2', 9081, 'http', true],
      ['127.0.0.3', 8443, 'grpc-api', false],
      ['127.0.0.3', 9081, 'http', false],
    ]);
    const v1 = eps.find((e) => e.address === '127.0.0.1')!;
    expect(v1.labels).toEqual({ app: 'reviews', version: 'v1' });
    expect(v1.locality).toEqual({ region: 'us', zone: 'us-a', subzone: '' });
    expect(v1.serviceAccount).toBe('spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews');
    const v2 = eps.find((e) => e.address === '127.0.0.2')!;
    expect(v2.locality).toEqual({ region: 'eu', zone: 'eu-b', subzone: 'rack1' });
    expect(v2.serviceAccount).toBeUndefined();
    expect(eps.find((e) => e.address === '127.0.0.3')!.locality).toEqual({
      region: '',
      zone: 'z9',
      subzone: '',
    });
  });

  it('prefers a ready copy of an address that two slices list', () => {
    const s = convertService(svc, 'cluster.local');
    const a: K8sEndpointSlice = {
      ...slice,
      endpoints: [{ addresses: ['127.0.0.9'], conditions: { ready: false } }],
    };
    const b: K8sEndpointSlice = {
      ...slice,
      endpoints: [{ addresses: ['127.0.0.9'], conditions: { ready: true } }],
    };
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const eps = convertEndpoints(s, svc, order, ctx);
      expect(eps.every((e) => e.healthy)).toBe(true);
      expect(eps).toHaveLength(2);
    }
  });

  it('falls back to no locality', () => {
    expect(endpointLocality(undefined, undefined)).toEqual({ region: '', zone: '', subzone: '' });
  });
});
