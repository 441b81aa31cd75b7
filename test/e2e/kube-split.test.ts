/**
 * e2e (issue 5): `meshplane galley --kubeconfig` and `meshplane pilot --registries kubernetes`
 * as separate processes on a real kube-apiserver. Pilot never talks to Kubernetes: Services,
 * EndpointSlices, Pods and Nodes reach its Kubernetes registry over MCP (`core/v1/Service`,
 * `discovery.k8s.io/v1/EndpointSlice`, ...), and it serves their endpoints over EDS.
 * Fails, never skips, when the peers are missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageType } from '../../src/xds/proto.js';
import { ENDPOINT_TYPE } from '../../src/xds/type-urls.js';
import { freePort, waitFor } from '../integration/support/harness.js';
import { PlaneProcess } from '../integration/support/plane-process.js';
import { adsClient, RawStream, type Msg } from '../integration/support/raw-ads.js';
import { ClusterSlot, createObjects, patchJson, WEB_WORKLOAD_OBJECTS } from './support/kube-fixtures.js';

const HOST = 'web.shop.svc.cluster.local';
const CLUSTER = `outbound|50051||${HOST}`;

const OBJECTS = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
  ...WEB_WORKLOAD_OBJECTS,
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
  const kube = new ClusterSlot();
  let galley: PlaneProcess | undefined;
  let pilot: PlaneProcess | undefined;
  let xdsPort = 0;
  const c = kube.get;

  beforeAll(async () => {
    if (!(await kube.start({ crds: true }))) return;
    const cluster = c();
    await createObjects(cluster, OBJECTS);
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
    await kube.stop();
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

      await patchJson(c(), 'endpointslice', 'web-1', 'shop', [
        { op: 'replace', path: '/endpoints/0/addresses/0', value: '192.0.2.20' },
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
