/**
 * e2e (issue 8, several replicas): two `meshplane discovery` processes against one real
 * kube-apiserver agree on the `Reconciled` condition instead of overwriting each other. Each
 * publishes what its own proxies reject (ConfigMap meshplane-rejections-<replica-id>) and the
 * holder of the Lease meshplane-status-leader merges the reports into the status:
 * - P1 on replica A NACKs the VirtualService's route config while P2 on replica B ACKs it →
 *   Reconciled=False naming P1, and it stays False (no flapping) while P2 keeps ACKing;
 * - P1 ACKs → True;
 * - P1 NACKs again, A is killed with SIGKILL (no cleanup) → once A's report expires the
 *   condition is True again; if A held the Lease, B takes it over.
 * Timings are shortened by flags (report TTL 6 s, lease 4 s). Fails, never skips, when the peers
 * are missing.
 */
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_TYPE } from '../../src/xds/type-urls.js';
import { freePort, MeshplaneProcess, waitFor } from '../integration/support/harness.js';
import { PlaneProcess } from '../integration/support/plane-process.js';
import { AckingSidecar, adsClient } from '../integration/support/raw-ads.js';
import { KubeCluster } from './support/kube-cluster.js';
import { REPO_ROOT } from './support/kube-peers.js';

const NS = 'meshplane-system';
const CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';
const RDS_ERROR = 'route config 9080: unsupported retry policy in virtual host reviews';
const proxyId = (pod: string, ip: string): string => `sidecar~${ip}~${pod}.default~default.svc.cluster.local`;
const P1 = proxyId('productpage-1', '10.0.9.1');
const P2 = proxyId('productpage-2', '10.0.9.2');

let started: KubeCluster | undefined;
let startError: unknown;
const c = (): KubeCluster => {
  if (!started) throw startError instanceof Error ? startError : new Error(String(startError));
  return started;
};

interface Replica {
  readonly id: string;
  readonly process: MeshplaneProcess;
  readonly client: grpc.Client;
}
const replicas: Replica[] = [];

const SERVICE_ENTRY = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'reviews', namespace: 'default' },
  spec: {
    hosts: ['reviews.default.svc.cluster.local'],
    location: 'MESH_INTERNAL',
    resolution: 'STATIC',
    ports: [{ number: 9080, name: 'http', protocol: 'HTTP' }],
    endpoints: [{ address: '10.0.0.1' }],
  },
};
const VIRTUAL_SERVICE = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'reviews-route', namespace: 'default' },
  spec: {
    hosts: ['reviews'],
    http: [{ match: [{ uri: { prefix: '/api' } }], route: [{ destination: { host: 'reviews' } }] }],
  },
};

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

async function reconciled(): Promise<Condition | undefined> {
  const vs = JSON.parse(
    await c().kubectlOk(['get', 'virtualservice', 'reviews-route', '-n', 'default', '-o', 'json']),
  ) as { status?: { conditions?: Condition[] } };
  return vs.status?.conditions?.find((x) => x.type === 'Reconciled');
}

const waitReconciled = (status: string, timeoutMs = 30_000): Promise<Condition> =>
  waitFor(
    `Reconciled=${status}`,
    async () => {
      const cond = await reconciled();
      return cond?.status === status && cond;
    },
    timeoutMs,
    100,
  );

async function reportNames(): Promise<string> {
  return c().kubectlOk(['get', 'configmaps', '-n', NS, '-l', 'meshplane.io/rejections=true', '-o', 'name']);
}

async function leaseHolder(): Promise<string> {
  const lease = JSON.parse(
    await c().kubectlOk(['get', 'lease', 'meshplane-status-leader', '-n', NS, '-o', 'json']),
  ) as { spec?: { holderIdentity?: string } };
  return lease.spec?.holderIdentity ?? '';
}

/** A sidecar `id` in `default` watching the route config and the cluster the VirtualService makes. */
function sidecarOn(client: grpc.Client, id: string): AckingSidecar {
  const node = { id, metadata: { fields: { NAMESPACE: { stringValue: 'default' } } }, locality: {} };
  return new AckingSidecar(client, node, { routes: ['9080'], endpoints: [CLUSTER] });
}

/** Connects a sidecar to `replica` and waits until it holds the route built from the VirtualService. */
async function connect(replica: Replica, id: string): Promise<AckingSidecar> {
  const sidecar = sidecarOn(replica.client, id);
  await waitFor(
    `${id}: the route config built from the VirtualService`,
    async () => {
      const res = await fetch(
        `http://127.0.0.1:${replica.process.httpPort}/debug/config_dump?proxyID=${encodeURIComponent(id)}`,
      );
      return res.status === 200 && (await res.text()).includes('/api') && sidecar.latest.has(ROUTE_TYPE);
    },
    20_000,
    100,
  );
  await new Promise((r) => setTimeout(r, 500));
  return sidecar;
}

async function startReplica(id: string): Promise<Replica> {
  const process = await MeshplaneProcess.startDiscovery(
    [
      '--kubeconfig',
      c().kubeconfigPath,
      '--webhook-address',
      `127.0.0.1:${await freePort()}`,
      '--replica-id',
      id,
      '--status-namespace',
      NS,
      '--status-report-ttl',
      '6s',
      '--leader-lease-duration',
      '4s',
    ],
    { readyTimeoutMs: 60_000 },
  );
  return { id, process, client: adsClient(process.xdsPort) };
}

beforeAll(async () => {
  try {
    started = await KubeCluster.start();
  } catch (err) {
    startError = err;
    return;
  }
  await c().kubectlOk(['apply', '-f', path.join(REPO_ROOT, 'deploy/crds.yaml')]);
  await c().kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
  await c().kubectl(['create', 'namespace', NS]);
  await c().kubectlOk(['apply', '-f', '-'], JSON.stringify(SERVICE_ENTRY));
  await c().kubectlOk(['apply', '-f', '-'], JSON.stringify(VIRTUAL_SERVICE));
  replicas.push(await startReplica('replica-a'), await startReplica('replica-b'));
}, 240_000);

afterAll(async () => {
  for (const r of replicas) {
    r.client.close();
    // A replica killed by a signal has a null exitCode: stop() would wait for an exit already seen.
    if (r.process.child.signalCode === null) await r.process.stop();
  }
  await started?.stop();
}, 60_000);

describe('Reconciled status with two replicas (reports merged by the status leader)', () => {
  let p1: AckingSidecar;
  let p2: AckingSidecar;

  it('each replica publishes a report and one of them holds the leader Lease', async () => {
    await waitFor(
      'both reports',
      async () => {
        const out = await reportNames();
        return (
          out.includes('meshplane-rejections-replica-a') && out.includes('meshplane-rejections-replica-b')
        );
      },
      20_000,
      200,
    );
    const holder = await waitFor('a lease holder', async () => (await leaseHolder()) || false, 20_000, 200);
    // A started first and created the Lease; B waits for it to expire or be released.
    expect(holder).toBe('replica-a');
  }, 60_000);

  it('P1 NACKs on A while P2 ACKs on B → False naming P1, and it does not flap to True', async () => {
    p1 = await connect(replicas[0]!, P1);
    p2 = await connect(replicas[1]!, P2);
    p1.nack(ROUTE_TYPE, RDS_ERROR);
    const cond = await waitReconciled('False');
    expect(cond.reason).toBe('RejectedByProxy');
    expect(cond.message).toContain(P1);
    expect(cond.message).toContain(RDS_ERROR);
    expect(cond.message).not.toContain(P2);
    // B sees no rejection from its own proxy; with two writers it would write True now.
    for (let i = 0; i < 10; i++) {
      p2.ack(ROUTE_TYPE);
      await new Promise((r) => setTimeout(r, 500));
      expect((await reconciled())?.status).toBe('False');
    }
    p1.ack(ROUTE_TYPE);
    const fixed = await waitReconciled('True');
    expect(fixed.reason).toBe('Accepted');
  }, 90_000);

  it('A is killed while P1 NACKs → True after its report expires; B leads', async () => {
    p1.nack(ROUTE_TYPE, RDS_ERROR);
    await waitReconciled('False');
    expect(await leaseHolder()).toBe('replica-a');
    const a = replicas[0]!;
    a.process.child.kill('SIGKILL');
    await new Promise((r) => a.process.child.once('exit', r));
    p1.close();
    const killedAt = Date.now();
    const cond = await waitReconciled('True', 40_000);
    expect(cond.reason).toBe('Accepted');
    // Not before A's report (heartbeat at most 2 s old when killed) was past its 6 s TTL.
    expect(Date.now() - killedAt).toBeGreaterThan(3_000);
    await waitFor('B to take the lease', async () => (await leaseHolder()) === 'replica-b', 20_000, 200);
    // The new leader deletes the dead replica's report once it is long expired (twice the TTL).
    await waitFor(
      "A's abandoned report deleted",
      async () => !(await reportNames()).includes('meshplane-rejections-replica-a'),
      30_000,
      200,
    );
    p2.close();
  }, 90_000);

  it('a graceful stop withdraws the report and releases the lease', async () => {
    const b = replicas[1]!;
    await b.process.stop();
    expect(await reportNames()).not.toContain('meshplane-rejections-replica-b');
    expect(await leaseHolder()).toBe('');
  }, 30_000);
});

describe('Reconciled status with Galley and Pilot apart (`meshplane galley` + `meshplane pilot`)', () => {
  let galley: PlaneProcess | undefined;
  let pilot: PlaneProcess | undefined;
  let client: grpc.Client | undefined;

  afterAll(async () => {
    client?.close();
    await pilot?.stop();
    await galley?.stop();
  }, 30_000);

  it('a proxy of a separate Pilot NACKs → Galley (the status leader) writes False naming it; ACK → True', async () => {
    const mcp = await freePort();
    const status = ['--status-namespace', NS, '--status-report-ttl', '6s', '--leader-lease-duration', '4s'];
    galley = await PlaneProcess.start(
      'galley',
      [
        '--kubeconfig',
        c().kubeconfigPath,
        '--mcp-address',
        `127.0.0.1:${mcp}`,
        '--webhook-address',
        `127.0.0.1:${await freePort()}`,
        '--replica-id',
        'galley-0',
        ...status,
      ],
      { readyTimeoutMs: 60_000 },
    );
    const xdsPort = await freePort();
    pilot = await PlaneProcess.start('pilot', [
      '--mcp-server',
      `127.0.0.1:${mcp}`,
      '--xds-address',
      `127.0.0.1:${xdsPort}`,
      '--kubeconfig',
      c().kubeconfigPath,
      '--replica-id',
      'pilot-0',
      ...status,
    ]);
    await waitFor('Galley to hold the lease', async () => (await leaseHolder()) === 'galley-0', 20_000, 200);
    await waitFor(
      "the Pilot's report",
      async () => (await reportNames()).includes('meshplane-rejections-pilot-0'),
      20_000,
      200,
    );
    client = adsClient(xdsPort);
    const p3 = sidecarOn(client, proxyId('productpage-3', '10.0.9.3'));
    await waitFor('the route config', async () => p3.latest.has(ROUTE_TYPE), 20_000, 100);
    p3.nack(ROUTE_TYPE, RDS_ERROR);
    const cond = await waitReconciled('False');
    expect(cond.reason).toBe('RejectedByProxy');
    expect(cond.message).toContain('productpage-3');
    expect(cond.message).toContain('unsupported retry policy');
    p3.ack(ROUTE_TYPE);
    expect((await waitReconciled('True')).reason).toBe('Accepted');
    p3.close();
  }, 120_000);
});
