/**
 * A real @grpc/grpc-js-xds client, in its own process, routed by meshplane (`node dist/main.js
 * discovery --config-dir`) to real gRPC backends on 127.0.0.1, exactly as the Istio YAML in the
 * config directory says. Run `npm run build` first (npm test does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigDir, meshService, share, stopAll } from './support/fixtures.js';
import { MeshplaneProcess, waitFor, XdsClientProcess } from './support/harness.js';

const SVC = meshService('helloworld');
const HOST = SVC.host;
const TARGET = SVC.target;

let cfg: ConfigDir;
let meshplane: MeshplaneProcess;
let client: XdsClientProcess;

function serviceEntry(backends: string[]): string {
  const live = Object.fromEntries(backends.map((b) => [b, cfg.ports[b]!]));
  return SVC.serviceEntry(live);
}

const ALL_TO_V2 = SVC.routeAllTo('v2');

/** Polls with small batches until every RPC of a batch satisfies `ok`; returns the elapsed ms. */
async function converge(
  what: string,
  ok: (counts: Record<string, number>) => boolean,
  md?: Record<string, string>,
) {
  const t0 = Date.now();
  await waitFor(what, async () => ok(await client.call(TARGET, 20, md)), 20_000, 0);
  return Date.now() - t0;
}

beforeAll(async () => {
  cfg = ConfigDir.create('it');
  await cfg.startBackends(['v1-0', 'v1-1', 'v2-0']);
  cfg.write('helloworld-se.yaml', serviceEntry(['v1-0', 'v1-1', 'v2-0']));
  meshplane = await MeshplaneProcess.start(cfg.dir);
  client = await XdsClientProcess.start(meshplane.xdsPort);
}, 60_000);

afterAll(() => stopAll(client, meshplane, cfg));

describe('proxyless gRPC routing by Istio config', () => {
  it('reaches every endpoint when no VirtualService exists', async () => {
    const counts = await client.call(TARGET, 300);
    expect(Object.keys(counts).sort()).toEqual(['v1-0', 'v1-1', 'v2-0']);
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(30);
  });

  it('converges on a VirtualService written to the config directory', async () => {
    cfg.write('helloworld-dr.yaml', SVC.destinationRule());
    cfg.write('helloworld-vs.yaml', ALL_TO_V2);
    const ms = await converge('all traffic on v2', (c) => share(c, 'v2') === 1);
    console.log(`[measure] VirtualService file write -> client converged: ${ms} ms`);
    expect(ms).toBeLessThan(5_000);
  });

  it('splits 80/20 within ±5 points over 1,000 RPCs', async () => {
    cfg.write(
      'helloworld-vs.yaml',
      SVC.virtualService(`    - route:
        - destination: { host: ${HOST}, subset: v1 }
          weight: 80
        - destination: { host: ${HOST}, subset: v2 }
          weight: 20`),
    );
    await converge('some traffic on v1', (c) => share(c, 'v1') > 0);
    const counts = await client.call(TARGET, 1000);
    const v1 = share(counts, 'v1') * 100;
    console.log(`[measure] 80/20 split over 1000 RPCs: v1 ${v1.toFixed(1)}%`, counts);
    expect(v1).toBeGreaterThanOrEqual(75);
    expect(v1).toBeLessThanOrEqual(85);
    expect(counts['error:UNAVAILABLE'] ?? 0).toBe(0);
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
    await converge('canary traffic on v2', (c) => share(c, 'v2') === 1, { 'x-canary': 'true' });
    const canary = await client.call(TARGET, 100, { 'x-canary': 'true' });
    expect(canary).toEqual({ 'v2-0': 100 });
    const plain = await client.call(TARGET, 100, { 'x-canary': 'false' });
    expect(share(plain, 'v1')).toBe(1);
  });

  it('fails matching RPCs with the configured fault status and leaves the others alone', async () => {
    cfg.write(
      'helloworld-vs.yaml',
      SVC.virtualService(`    - match:
        - headers: { x-fault: { exact: abort } }
      fault:
        abort: { httpStatus: 503, percentage: { value: 100 } }
      route:
        - destination: { host: ${HOST}, subset: v1 }
    - match:
        - headers: { x-fault: { exact: grpc } }
      fault:
        abort: { grpcStatus: PERMISSION_DENIED, percentage: { value: 100 } }
      route:
        - destination: { host: ${HOST}, subset: v1 }
    - route:
        - destination: { host: ${HOST}, subset: v2 }`),
    );
    await converge('unmatched traffic on v2', (c) => share(c, 'v2') === 1);
    expect(await client.call(TARGET, 50, { 'x-fault': 'abort' })).toEqual({ 'error:UNAVAILABLE': 50 });
    expect(await client.call(TARGET, 50, { 'x-fault': 'grpc' })).toEqual({ 'error:PERMISSION_DENIED': 50 });
    expect(await client.call(TARGET, 50)).toEqual({ 'v2-0': 50 });
  });

  it('stops sending traffic to a removed endpoint', async () => {
    cfg.write(
      'helloworld-vs.yaml',
      SVC.virtualService(`    - route:\n        - destination: { host: ${HOST}, subset: v1 }`),
    );
    await converge('traffic on v1 only', (c) => share(c, 'v1') === 1);
    cfg.write('helloworld-se.yaml', serviceEntry(['v1-0', 'v2-0']));
    const ms = await converge(
      'v1-1 no longer reached',
      (c) => c['v1-1'] === undefined && share(c, 'v1-0') === 1,
    );
    console.log(`[measure] endpoint removal -> client converged: ${ms} ms`);
    const counts = await client.call(TARGET, 200);
    expect(counts).toEqual({ 'v1-0': 200 });
  });
});
