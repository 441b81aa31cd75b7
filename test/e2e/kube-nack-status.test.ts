/**
 * e2e (issue 8): a config whose generated resources a proxy rejects says so in its own Kubernetes
 * status. meshplane (`dist/main.js discovery --kubeconfig`) against a real kube-apiserver; a raw
 * ADS client connects as a sidecar, NACKs the route config built from a VirtualService and the
 * cluster built from a DestinationRule, naming them in its error → both objects get
 * `Reconciled=False` naming the proxy and the error, next to the `Valid` condition, which stays;
 * the client ACKs → `Reconciled=True`; it NACKs again and disconnects → `True` again (only
 * connected proxies' current NACKs count, as istiod counts only connected proxies). Fails, never
 * skips, when the peers are missing.
 */
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_TYPE, ROUTE_TYPE } from '../../src/xds/type-urls.js';
import { stopAll } from '../integration/support/fixtures.js';
import { waitFor, type MeshplaneProcess } from '../integration/support/harness.js';
import { AckingSidecar, adsClient } from '../integration/support/raw-ads.js';
import { ClusterSlot } from './support/kube-fixtures.js';
import { pickPorts, startMeshplaneOnKube, type MeshplanePorts } from './support/meshplane-kube.js';

const PROXY = 'sidecar~10.0.9.9~productpage-1.default~default.svc.cluster.local';
const NODE = {
  id: PROXY,
  metadata: {
    fields: {
      NAMESPACE: { stringValue: 'default' },
      LABELS: { structValue: { fields: { app: { stringValue: 'productpage' } } } },
    },
  },
  locality: {},
};
const CLUSTER = 'outbound|9080|v1|reviews.default.svc.cluster.local';
const RDS_ERROR = 'route config 9080: unsupported retry policy in virtual host reviews';
const CDS_ERROR = `cluster ${CLUSTER}: unknown load balancing policy`;

const kube = new ClusterSlot();
let ports: MeshplanePorts;
let meshplane: MeshplaneProcess | undefined;
let client: grpc.Client | undefined;

const c = kube.get;

const SERVICE_ENTRY = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'reviews', namespace: 'default' },
  spec: {
    hosts: ['reviews.default.svc.cluster.local'],
    location: 'MESH_INTERNAL',
    resolution: 'STATIC',
    ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }],
    endpoints: [{ address: '10.0.0.1', labels: { version: 'v1' } }],
  },
};
const DESTINATION_RULE = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'reviews-dr', namespace: 'default' },
  spec: { host: 'reviews', subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
};
const virtualService = (regex: string): unknown => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews-route', namespace: 'default' },
  spec: {
    hosts: ['reviews'],
    http: [
      {
        match: [{ uri: { regex } }],
        route: [{ destination: { host: 'reviews', subset: 'v1' } }],
      },
    ],
  },
});

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

interface Stored {
  metadata: { generation: number };
  status?: { conditions?: Condition[] };
}

async function stored(kind: string, name: string): Promise<Stored> {
  return JSON.parse(await c().kubectlOk(['get', kind, name, '-n', 'default', '-o', 'json'])) as Stored;
}

async function condition(kind: string, name: string, type: string): Promise<Condition | undefined> {
  return (await stored(kind, name)).status?.conditions?.find((x) => x.type === type);
}

function waitCondition(kind: string, name: string, type: string, status: string): Promise<Condition> {
  return waitFor(
    `${kind} ${name} ${type}=${status}`,
    async () => {
      const cond = await condition(kind, name, type);
      return cond?.status === status && cond;
    },
    20_000,
    100,
  );
}

const apply = (obj: unknown): Promise<string> => c().kubectlOk(['apply', '-f', '-'], JSON.stringify(obj));

const statusWrites = (name: string): number =>
  meshplane!.logs.filter((l) => l.msg === 'status condition written' && l['name'] === name).length;

async function debug<T = any>(url: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${ports.http}${url}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Waits until Pilot serves the proxy the route built from the VirtualService (subset v1). */
async function connectedSidecar(): Promise<AckingSidecar> {
  const sidecar = new AckingSidecar(client!, NODE, { routes: ['9080'], endpoints: [CLUSTER] });
  await waitFor(
    'the route config built from the VirtualService',
    async () => {
      const res = await fetch(
        `http://127.0.0.1:${ports.http}/debug/config_dump?proxyID=${encodeURIComponent(PROXY)}`,
      );
      return res.status === 200 && (await res.text()).includes(CLUSTER) && sidecar.latest.has(ROUTE_TYPE);
    },
    20_000,
    100,
  );
  // Let the pushes that carried it settle, so the nonces held are the current ones.
  await new Promise((r) => setTimeout(r, 500));
  return sidecar;
}

beforeAll(async () => {
  if (!(await kube.start({ crds: true }))) return;
  ports = await pickPorts();
  // No ValidatingWebhookConfiguration: an invalid VirtualService is stored (and gets Valid=False).
  meshplane = await startMeshplaneOnKube(c(), ports);
  client = adsClient(ports.xds);
}, 240_000);

afterAll(() => stopAll(client, meshplane, kube), 60_000);

describe('proxy NACKs written back to the Kubernetes objects (Reconciled condition)', () => {
  it('a VirtualService carries a Valid condition first (invalid, then fixed)', async () => {
    await apply(SERVICE_ENTRY);
    await apply(DESTINATION_RULE);
    await apply(virtualService('('));
    await waitCondition('virtualservice', 'reviews-route', 'Valid', 'False');
    await apply(virtualService('/api/v[0-9]+'));
    await waitCondition('virtualservice', 'reviews-route', 'Valid', 'True');
  }, 60_000);

  it('NACKed route config and cluster → Reconciled=False on the VirtualService and DestinationRule', async () => {
    const sidecar = await connectedSidecar();
    // The connection view carries the node's metadata.
    const syncz = await debug<Array<Record<string, any>>>('/debug/syncz');
    expect(syncz.find((e) => e['proxy'] === PROXY)).toMatchObject({
      namespace: 'default',
      labels: { app: 'productpage' },
    });
    const writesBefore = statusWrites('reviews-route');

    sidecar.nack(ROUTE_TYPE, RDS_ERROR);
    sidecar.nack(CLUSTER_TYPE, CDS_ERROR);

    const vs = await waitCondition('virtualservice', 'reviews-route', 'Reconciled', 'False');
    expect(vs.reason).toBe('RejectedByProxy');
    expect(vs.message).toContain(PROXY);
    expect(vs.message).toContain('RDS 9080');
    expect(vs.message).toContain(RDS_ERROR);
    const vsObj = await stored('virtualservice', 'reviews-route');
    expect(vs.observedGeneration).toBe(vsObj.metadata.generation);
    // The validation verdict is still there, untouched.
    expect(await condition('virtualservice', 'reviews-route', 'Valid')).toMatchObject({
      status: 'True',
      reason: 'ValidationPassed',
    });

    const dr = await waitCondition('destinationrule', 'reviews-dr', 'Reconciled', 'False');
    expect(dr.message).toContain(PROXY);
    expect(dr.message).toContain(CDS_ERROR);
    expect(await condition('destinationrule', 'reviews-dr', 'Valid')).toBeUndefined();

    // One write for the rejection; our own write coming back as a watch event writes nothing.
    await new Promise((r) => setTimeout(r, 1500));
    expect(statusWrites('reviews-route')).toBe(writesBefore + 1);
    expect((await condition('serviceentry', 'reviews', 'Reconciled')) ?? null).toBeNull();

    // The proxy ACKs (what a fixed config would bring): the rejection is over.
    sidecar.ack(ROUTE_TYPE);
    sidecar.ack(CLUSTER_TYPE);
    const fixed = await waitCondition('virtualservice', 'reviews-route', 'Reconciled', 'True');
    expect(fixed.reason).toBe('Accepted');
    await waitCondition('destinationrule', 'reviews-dr', 'Reconciled', 'True');
    expect(await condition('virtualservice', 'reviews-route', 'Valid')).toMatchObject({ status: 'True' });
    sidecar.close();
  }, 60_000);

  it('a proxy that disconnects while NACKing no longer counts', async () => {
    const sidecar = await connectedSidecar();
    sidecar.nack(ROUTE_TYPE, RDS_ERROR);
    await waitCondition('virtualservice', 'reviews-route', 'Reconciled', 'False');
    sidecar.close();
    const cond = await waitCondition('virtualservice', 'reviews-route', 'Reconciled', 'True');
    expect(cond.reason).toBe('Accepted');
    const status = await debug<{ rejected: unknown[] }>('/debug/push_status');
    expect(status.rejected).toEqual([]);
  }, 60_000);
});
