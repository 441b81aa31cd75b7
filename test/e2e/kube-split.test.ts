/**
 * e2e (issue 5): `meshplane galley --kubeconfig` and `meshplane pilot --registries kubernetes`
 * as separate processes on a real kube-apiserver. Pilot never talks to Kubernetes: Services,
 * EndpointSlices, Pods and Nodes reach its Kubernetes registry over MCP (`core/v1/Service`,
 * `discovery.k8s.io/v1/EndpointSlice`, ...), and it serves their endpoints over EDS.
 * Fails, never skips, when the peers are missing.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageType } from '../../src/xds/proto.js';
import { ENDPOINT_TYPE } from '../../src/xds/type-urls.js';
import { freePort, waitFor } from '../integration/support/harness.js';
import { PlaneProcess } from '../integration/support/plane-process.js';
import { adsClient, RawStream, type Msg } from '../integration/support/raw-ads.js';
import { KubeCluster } from './support/kube-cluster.js';
import { REPO_ROOT } from './support/kube-peers.js';

const HOST = 'web.shop.svc.cluster.local';
const CLUSTER = `outbound|50051||${HOST}`;

const OBJECTS = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
  {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'node-a',
      labels: { 'topology.kubernetes.io/region': 'r1', 'topology.kubernetes.io/zone': 'z1' },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-v1', namespace: 'shop', labels: { app: 'web', version: 'v1' } },
    spec: { nodeName: 'node-a', containers: [{ name: 'web', image: 'none' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'grpc', port: 50051, targetPort: 'grpc' }] },
  },
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'grpc', port: 50061 }],
    endpoints: [
      {
        // TEST-NET-1 (RFC 5737): data only, never dialled (the EndpointSlice API refuses loopback).
        addresses: ['192.0.2.10'],
        conditions: { ready: true },
        nodeName: 'node-a',
        targetRef: { kind: 'Pod', name: 'web-v1', namespace: 'shop' },
      },
    ],
  },
];

interface Lb {
  endpoints?: {
    locality?: { region?: string; zone?: string };
    lb_endpoints?: {
      health_status?: number;
      endpoint?: { address?: { socket_address?: { address?: string } } };
    }[];
  }[];
}

function decodeLb(res: Msg): Lb | undefined {
  const r = (res['resources'] as Msg[]).find((x) => x['name'] === CLUSTER);
  if (!r) return undefined;
  const T = messageType(ENDPOINT_TYPE);
  return T.toObject(T.decode(r['resource']['value'] as Uint8Array), { defaults: false }) as Lb;
}

describe('Galley on Kubernetes, Pilot fed over MCP only', () => {
  let cluster: KubeCluster | undefined;
  let startError: unknown;
  let galley: PlaneProcess | undefined;
  let pilot: PlaneProcess | undefined;
  let xdsPort = 0;
  const c = (): KubeCluster => {
    if (!cluster) throw startError instanceof Error ? startError : new Error(String(startError));
    return cluster;
  };

  beforeAll(async () => {
    try {
      cluster = await KubeCluster.start();
    } catch (err) {
      startError = err;
      return;
    }
    await cluster.kubectlOk(['apply', '-f', path.join(REPO_ROOT, 'deploy/crds.yaml')]);
    await cluster.kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    for (const o of OBJECTS) await cluster.kubectlOk(['create', '-f', '-'], JSON.stringify(o));
    const mcp = await freePort();
    galley = await PlaneProcess.start(
      'galley',
      [
        '--kubeconfig',
        cluster.kubeconfigPath,
        '--mcp-address',
        `127.0.0.1:${mcp}`,
        '--webhook-address',
        `127.0.0.1:${await freePort()}`,
      ],
      { readyTimeoutMs: 60_000 },
    );
    xdsPort = await freePort();
    pilot = await PlaneProcess.start('pilot', [
      '--mcp-server',
      `127.0.0.1:${mcp}`,
      '--registries',
      'kubernetes',
      '--xds-address',
      `127.0.0.1:${xdsPort}`,
    ]);
  }, 120_000);

  afterAll(async () => {
    await pilot?.stop();
    await galley?.stop();
    await cluster?.stop();
  });

  it('serves the endpoints of a Kubernetes Service it only heard of over MCP, and follows changes', async () => {
    c();
    const served = await galley!.get<{ served: Record<string, number> }>('/debug/mcpz');
    expect(served.served['core/v1/Service']).toBeGreaterThanOrEqual(1);
    expect(served.served['discovery.k8s.io/v1/EndpointSlice']).toBeGreaterThanOrEqual(1);

    const client = adsClient(xdsPort);
    const stream = new RawStream(client, 'DeltaAggregatedResources');
    try {
      stream.send({
        node: {
          id: 'sidecar~127.0.0.1~client.shop~shop.svc.cluster.local',
          metadata: { fields: { GENERATOR: { stringValue: 'grpc' } } },
        },
        type_url: ENDPOINT_TYPE,
        resource_names_subscribe: [CLUSTER],
      });
      const first = decodeLb(await stream.next(5000));
      expect(first?.endpoints?.[0]?.locality).toMatchObject({ region: 'r1', zone: 'z1' });
      expect(first?.endpoints?.[0]?.lb_endpoints?.[0]?.endpoint?.address?.socket_address?.address).toBe(
        '192.0.2.10',
      );
      stream.send({ type_url: ENDPOINT_TYPE, response_nonce: 'ack' });

      await c().kubectlOk([
        'patch',
        'endpointslice',
        'web-1',
        '-n',
        'shop',
        '--type=json',
        '-p',
        '[{"op":"replace","path":"/endpoints/0/addresses/0","value":"192.0.2.20"}]',
      ]);
      const moved = await waitFor('EDS update with the new address', async () => {
        const lb = decodeLb(await stream.next(5000));
        const addr = lb?.endpoints?.[0]?.lb_endpoints?.[0]?.endpoint?.address?.socket_address?.address;
        return addr === '192.0.2.20' && addr;
      });
      expect(moved).toBe('192.0.2.20');
    } finally {
      stream.end();
      client.close();
    }

    await c().kubectlOk(['delete', 'service', 'web', '-n', 'shop']);
    await waitFor('service gone from Pilot', async () => {
      const services = await pilot!.get<{ hostname: string }[]>('/debug/registryz');
      return !services.some((s) => s.hostname === HOST);
    });
  });
});
