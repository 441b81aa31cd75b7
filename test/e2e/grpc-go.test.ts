/**
 * grpc-go's xDS client (google.golang.org/grpc v1.83.1, our small program in
 * test/e2e/peers/grpc-go built by test/e2e/peers/build-grpc-go.sh), the strictest proxyless peer
 * (../shared/research/peers.md §7), routed by meshplane to real grpc-js backends on 127.0.0.1:
 * the same scenarios as the @grpc/grpc-js-xds test (test/integration/proxyless-routing.test.ts).
 * grpc-go NACKs what it does not accept; the client reports every NACK it logged, and each test
 * requires none. Run `npm run build` and `test/e2e/peers/build-grpc-go.sh` first.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigDir, meshService, share, stopAll } from '../integration/support/fixtures.js';
import { MeshplaneProcess, waitFor } from '../integration/support/harness.js';
import { findGrpcGoClient, GrpcGoClient } from './support/grpc-go-peer.js';

const SVC = meshService('helloworld');
const HOST = SVC.host;
const TARGET = SVC.target;
const NODE_ID = 'sidecar~127.0.0.1~grpc-go-client.default~default.svc.cluster.local';

let cfg: ConfigDir;
let meshplane: MeshplaneProcess | undefined;
let client: GrpcGoClient | undefined;

async function calls(n: number, md?: Record<string, string>): Promise<Record<string, number>> {
  const answer = await client!.call(TARGET, n, md);
  expect(answer.error).toBeUndefined();
  return answer.counts;
}

/** Polls with small batches until a batch satisfies `ok`; returns the elapsed ms. */
async function converge(
  what: string,
  ok: (c: Record<string, number>) => boolean,
  md?: Record<string, string>,
) {
  const t0 = Date.now();
  await waitFor(what, async () => ok(await calls(20, md)), 20_000, 0);
  return Date.now() - t0;
}

beforeAll(async () => {
  const bin = findGrpcGoClient(); // throws with the build command when missing or stale
  cfg = ConfigDir.create('grpc-go');
  await cfg.startBackends(['v1-0', 'v1-1', 'v2-0']);
  cfg.write('helloworld-se.yaml', SVC.serviceEntry(cfg.ports));
  cfg.write('helloworld-dr.yaml', SVC.destinationRule());
  meshplane = await MeshplaneProcess.start(cfg.dir);
  client = GrpcGoClient.start(bin, meshplane.xdsPort, NODE_ID);
}, 60_000);

afterEach(async () => {
  // grpc-go NACKs anything it does not accept; meshplane must never be NACKed.
  const answer = await client!.call(TARGET, 0);
  expect(answer.nacks).toEqual([]);
});

afterAll(() => stopAll(client, meshplane, cfg));

describe('grpc-go xDS client routed by meshplane', () => {
  it('reaches every endpoint when no VirtualService exists', async () => {
    const counts = await calls(300);
    expect(Object.keys(counts).sort()).toEqual(['v1-0', 'v1-1', 'v2-0']);
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(30);
  });

  it('splits 80/20 between subsets within ±5 points over 1,000 RPCs', async () => {
    // All to v2 first, so the split's arrival is visible: the first v1 reply proves it is in force.
    cfg.write(
      'helloworld-vs.yaml',
      SVC.virtualService(`    - route:\n        - destination: { host: ${HOST}, subset: v2 }`),
    );
    const toV2 = await converge('all traffic on v2', (c) => share(c, 'v2') === 1);
    console.log(`[measure] grpc-go: VirtualService file write -> converged: ${toV2} ms`);
    cfg.write(
      'helloworld-vs.yaml',
      SVC.virtualService(`    - route:
        - destination: { host: ${HOST}, subset: v1 }
          weight: 80
        - destination: { host: ${HOST}, subset: v2 }
          weight: 20`),
    );
    await converge('some traffic on v1', (c) => share(c, 'v1') > 0);
    const counts = await calls(1000);
    const v1 = share(counts, 'v1') * 100;
    console.log(`[measure] grpc-go 80/20 split over 1000 RPCs: v1 ${v1.toFixed(1)}%`, counts);
    expect(v1).toBeGreaterThanOrEqual(75);
    expect(v1).toBeLessThanOrEqual(85);
    expect(Object.keys(counts).filter((k) => k.startsWith('error:'))).toEqual([]);
  });

  it('routes a header match to a subset', async () => {
    cfg.write(
      'helloworld-vs.yaml',
      SVC.virtualService(`    - match:
        - headers: { x-canary: { exact: "true" } }
      route:
        - destination: { host: ${HOST}, subset: v2 }
    - route:
        - destination: { host: ${HOST}, subset: v1 }`),
    );
    // Under the previous 80/20 split, a batch of 20 all on v2 is practically impossible (0.2^20).
    const ms = await converge('canary traffic on v2', (c) => share(c, 'v2') === 1, { 'x-canary': 'true' });
    console.log(`[measure] grpc-go: VirtualService file write -> header route converged: ${ms} ms`);
    expect(await calls(100, { 'x-canary': 'true' })).toEqual({ 'v2-0': 100 });
    expect(share(await calls(100, { 'x-canary': 'false' }), 'v1')).toBe(1);
    expect(share(await calls(100), 'v1')).toBe(1);
  });

  it('fails matching RPCs with the configured fault status and leaves the others alone', async () => {
    cfg.write(
      'helloworld-vs.yaml',
      SVC.virtualService(`    - match:
        - headers: { x-fault: { exact: grpc } }
      fault:
        abort: { grpcStatus: PERMISSION_DENIED, percentage: { value: 100 } }
      route:
        - destination: { host: ${HOST}, subset: v1 }
    - route:
        - destination: { host: ${HOST}, subset: v2 }`),
    );
    await converge('unmatched traffic on v2', (c) => share(c, 'v2') === 1);
    expect(await calls(50, { 'x-fault': 'grpc' })).toEqual({ 'error:PERMISSION_DENIED': 50 });
    expect(await calls(50)).toEqual({ 'v2-0': 50 });
  });
});
