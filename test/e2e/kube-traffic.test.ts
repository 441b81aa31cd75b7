/**
 * e2e: meshplane driven by a real kube-apiserver + etcd (loopback), serving a real proxyless
 * gRPC client (@grpc/grpc-js-xds, own process) that calls real gRPC backends on 127.0.0.1.
 * Config is written with kubectl only: ServiceEntry (127.0.0.1 endpoints; EndpointSlices refuse
 * loopback addresses), DestinationRule and VirtualService route the client; an invalid
 * VirtualService is denied by meshplane's webhook; a delete reaches the client; an API server
 * outage keeps traffic flowing and the first change after it is applied; a restarted meshplane
 * serves the config the API server holds. Fails, never skips, when the peers are missing.
 * Needs `npm run build` (dist/main.js) and `npm run peers`.
 */
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { share, startGrpcBackends } from '../integration/support/fixtures.js';
import { type MeshplaneProcess, waitFor, XdsClientProcess } from '../integration/support/harness.js';
import { ClusterSlot } from './support/kube-fixtures.js';
import {
  kubectlRetry,
  loopbackWebhookConfig,
  pickPorts,
  startMeshplaneOnKube,
  waitForWebhook,
  type MeshplanePorts,
} from './support/meshplane-kube.js';

const NS = 'default';
const HOST = 'helloworld.default.svc.cluster.local';
const TARGET = `xds:///${HOST}:50051`;
const BACKENDS = ['v1-0', 'v1-1', 'v2-0'];

const backendPorts: Record<string, number> = {};
const servers: grpc.Server[] = [];
const kube = new ClusterSlot();
let ports: MeshplanePorts;
let meshplane: MeshplaneProcess | undefined;
let client: XdsClientProcess | undefined;

const c = kube.get;
const xds = (): XdsClientProcess => {
  if (!client) throw new Error('xDS client not started (see the first failure)');
  return client;
};

function serviceEntry(): string {
  return JSON.stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name: 'helloworld', namespace: NS },
    spec: {
      hosts: [HOST],
      location: 'MESH_INTERNAL',
      resolution: 'STATIC',
      ports: [{ number: 50051, name: 'grpc', protocol: 'GRPC' }],
      endpoints: BACKENDS.map((b) => ({
        address: '127.0.0.1',
        ports: { grpc: backendPorts[b] },
        labels: { version: b.split('-')[0] },
      })),
    },
  });
}

const DESTINATION_RULE = JSON.stringify({
  apiVersion: 'networking.istio.io/v1beta1',
  kind: 'DestinationRule',
  metadata: { name: 'helloworld', namespace: NS },
  spec: {
    host: HOST,
    subsets: [
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
    ],
  },
});

/** A VirtualService splitting by subset weight (weights as given, no normalisation). */
function virtualService(split: Record<string, number>, apiVersion = 'networking.istio.io/v1'): string {
  return JSON.stringify({
    apiVersion,
    kind: 'VirtualService',
    metadata: { name: 'helloworld', namespace: NS },
    spec: {
      hosts: [HOST],
      http: [
        {
          route: Object.entries(split).map(([subset, weight]) => ({
            destination: { host: HOST, subset },
            weight,
          })),
        },
      ],
    },
  });
}

const errors = (counts: Record<string, number>): number =>
  Object.entries(counts)
    .filter(([k]) => k.startsWith('error:'))
    .reduce((a, [, n]) => a + n, 0);

/** Small batches until one satisfies `ok`; returns the elapsed ms. */
async function converge(
  what: string,
  ok: (counts: Record<string, number>) => boolean,
  cl: XdsClientProcess = xds(),
  timeoutMs = 20_000,
): Promise<number> {
  const t0 = Date.now();
  await waitFor(what, async () => ok(await cl.call(TARGET, 20)), timeoutMs, 0);
  return Date.now() - t0;
}

const allOn = (prefix: string) => (counts: Record<string, number>) => share(counts, prefix) === 1;

beforeAll(async () => {
  if (!(await kube.start({ crds: true }))) return;
  await startGrpcBackends(BACKENDS, backendPorts, servers);
  ports = await pickPorts();
  // Registered before meshplane runs, as `kubectl apply -f deploy/` does: Ignore, no caBundle.
  await c().kubectlOk(['apply', '-f', '-'], loopbackWebhookConfig(ports.webhook));
  meshplane = await startMeshplaneOnKube(c(), ports);
  client = await XdsClientProcess.start(ports.xds);
}, 240_000);

afterAll(async () => {
  await client?.stop();
  await meshplane?.stop();
  for (const s of servers) s.forceShutdown();
  await kube.stop();
}, 60_000);

describe('proxyless gRPC routed by Istio config from kubectl', () => {
  it('a ServiceEntry applied with kubectl reaches every 127.0.0.1 endpoint', async () => {
    const t0 = Date.now();
    await c().kubectlOk(['apply', '-f', '-'], serviceEntry());
    await waitFor('all three backends', async () => {
      const counts = await xds().call(TARGET, 60);
      return BACKENDS.every((b) => (counts[b] ?? 0) > 0) && errors(counts) === 0;
    });
    console.log(`[measure] kubectl apply ServiceEntry -> all endpoints reached: ${Date.now() - t0} ms`);
  });

  it('DestinationRule subsets and a VirtualService route all traffic to v2', async () => {
    await c().kubectlOk(['apply', '-f', '-'], DESTINATION_RULE);
    const t0 = Date.now();
    await c().kubectlOk(['apply', '-f', '-'], virtualService({ v2: 100 }));
    const ms = await converge('all traffic on v2', allOn('v2'));
    console.log(`[measure] kubectl apply VirtualService -> client converged: ${Date.now() - t0} ms`);
    expect(ms).toBeLessThan(10_000);
  });

  it('splits 80/20 by weight within ±5 points over 1,000 RPCs (written as v1alpha3)', async () => {
    await c().kubectlOk(
      ['apply', '-f', '-'],
      virtualService({ v1: 80, v2: 20 }, 'networking.istio.io/v1alpha3'),
    );
    await converge('some traffic on v1', (counts) => share(counts, 'v1') > 0);
    const counts = await xds().call(TARGET, 1000);
    const v1 = share(counts, 'v1') * 100;
    console.log(`[measure] 80/20 split over 1000 RPCs: v1 ${v1.toFixed(1)}%`, counts);
    expect(errors(counts)).toBe(0);
    expect(v1).toBeGreaterThan(75);
    expect(v1).toBeLessThan(85);
  });

  it("denies an invalid VirtualService at the API server with the validator's message", async () => {
    await waitForWebhook(c());
    const bad = virtualService({ v1: -15, v2: 115 });
    const r = await c().kubectl(['apply', '-f', '-'], bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('admission webhook "validation.networking.meshplane.io" denied the request');
    expect(r.stderr).toContain('configuration is invalid: spec.http[0].route[0].weight');
    // The stored object is still the 80/20 split, and the client still routes by it.
    const stored = JSON.parse(
      await c().kubectlOk(['get', 'virtualservice', 'helloworld', '-n', NS, '-o', 'json']),
    ) as { spec: { http: Array<{ route: Array<{ weight: number }> }> } };
    expect(stored.spec.http[0]!.route.map((x) => x.weight)).toEqual([80, 20]);
    const counts = await xds().call(TARGET, 200);
    expect(share(counts, 'v1')).toBeGreaterThan(0.6);
    expect(share(counts, 'v2')).toBeGreaterThan(0.05);
  });

  it('kubectl delete of the VirtualService reaches the client (default routing again)', async () => {
    await c().kubectlOk(['apply', '-f', '-'], virtualService({ v2: 100 }));
    await converge('all traffic on v2', allOn('v2'));
    const t0 = Date.now();
    await c().kubectlOk(['delete', 'virtualservice', 'helloworld', '-n', NS]);
    await waitFor('traffic on every backend', async () => {
      const counts = await xds().call(TARGET, 60);
      return BACKENDS.every((b) => (counts[b] ?? 0) > 0);
    });
    console.log(
      `[measure] kubectl delete VirtualService -> client back to all endpoints: ${Date.now() - t0} ms`,
    );
  });

  it('keeps traffic flowing while kube-apiserver is down, and applies the next change after it returns', async () => {
    await c().kubectlOk(['apply', '-f', '-'], virtualService({ v1: 100 }));
    await converge('all traffic on v1', allOn('v1'));
    await c().stopApiServer();
    const outageStart = Date.now();
    let calls = 0;
    // Several seconds of traffic with the API server gone: every RPC succeeds, still on v1.
    while (Date.now() - outageStart < 5_000) {
      const counts = await xds().call(TARGET, 50);
      calls += 50;
      expect(errors(counts)).toBe(0);
      expect(share(counts, 'v1')).toBe(1);
    }
    expect(meshplane!.child.exitCode).toBeNull();
    const t0 = Date.now();
    await c().startApiServer();
    console.log(
      `[measure] kube-apiserver down ${t0 - outageStart} ms, ${calls} RPCs ok; restart took ${Date.now() - t0} ms`,
    );
    const t1 = Date.now();
    await kubectlRetry(c(), ['apply', '-f', '-'], virtualService({ v2: 100 }));
    const ms = await converge('all traffic on v2 after the API server returned', allOn('v2'), xds(), 60_000);
    console.log(
      `[measure] first change after API server restart -> client converged: ${Date.now() - t1} ms (after apply ${ms} ms)`,
    );
  }, 180_000);

  it('a restarted meshplane serves the config the API server holds', async () => {
    await meshplane!.stop();
    // With the control plane gone, the client keeps its last config.
    const during = await xds().call(TARGET, 100);
    expect(errors(during)).toBe(0);
    expect(share(during, 'v2')).toBe(1);
    const t0 = Date.now();
    meshplane = await startMeshplaneOnKube(c(), ports);
    console.log(`[measure] meshplane restart -> /ready: ${Date.now() - t0} ms`);
    // A client that never saw the old process gets the same routing from the new one.
    const fresh = await XdsClientProcess.start(ports.xds);
    try {
      await converge('a new client routed to v2 by the restarted meshplane', allOn('v2'), fresh);
      const counts = await fresh.call(TARGET, 200);
      expect(errors(counts)).toBe(0);
      expect(share(counts, 'v2')).toBe(1);
    } finally {
      await fresh.stop();
    }
    // The old client reconnected too: the next change reaches it.
    await kubectlRetry(c(), ['apply', '-f', '-'], virtualService({ v1: 100 }));
    await converge('old client follows a change made after the restart', allOn('v1'), xds(), 30_000);
    // And the restarted meshplane re-patched the webhook with its new CA.
    await waitForWebhook(c());
  }, 180_000);
});
