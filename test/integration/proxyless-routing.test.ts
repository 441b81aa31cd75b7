/**
 * A real @grpc/grpc-js-xds client, in its own process, routed by meshplane (`node dist/main.js
 * discovery --config-dir`) to real gRPC backends on 127.0.0.1, exactly as the Istio YAML in the
 * config directory says. Run `npm run build` first (npm test does).
 */
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../examples/echo-service.js';
import { freePort, MeshplaneProcess, waitFor, XdsClientProcess } from './support/harness.js';

const HOST = 'helloworld.default.svc.cluster.local';
const TARGET = `xds:///${HOST}:50051`;

let dir: string;
let meshplane: MeshplaneProcess;
let client: XdsClientProcess;
const servers: grpc.Server[] = [];
const ports: Record<string, number> = {};

function write(file: string, text: string): void {
  // Write then rename, as editors and `kubectl cp` do, so the source never reads half a file.
  const tmp = path.join(dir, `.${file}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path.join(dir, file));
}

function serviceEntry(backends: string[]): string {
  const endpoints = backends
    .map(
      (b) => `    - address: 127.0.0.1
      ports: { grpc: ${ports[b]} }
      labels: { version: ${b.split('-')[0]} }`,
    )
    .join('\n');
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: helloworld, namespace: default }
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
    - { number: 50051, name: grpc, protocol: GRPC }
  endpoints:
${endpoints}
`;
}

const DESTINATION_RULE = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: helloworld, namespace: default }
spec:
  host: ${HOST}
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
`;

function virtualService(http: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: helloworld, namespace: default }
spec:
  hosts: [${HOST}]
  http:
${http}
`;
}

const ALL_TO_V2 = virtualService(`    - route:
        - destination: { host: ${HOST}, subset: v2 }`);

function share(counts: Record<string, number>, prefix: string): number {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const hits = Object.entries(counts)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((a, [, n]) => a + n, 0);
  return total === 0 ? 0 : hits / total;
}

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
  dir = mkdtempSync(path.join(tmpdir(), 'meshplane-it-'));
  for (const name of ['v1-0', 'v1-1', 'v2-0']) {
    ports[name] = await freePort();
    servers.push(await startBackend(name, ports[name]!));
  }
  write('helloworld-se.yaml', serviceEntry(['v1-0', 'v1-1', 'v2-0']));
  meshplane = await MeshplaneProcess.start(dir);
  client = await XdsClientProcess.start(meshplane.xdsPort);
}, 60_000);

afterAll(async () => {
  await client?.stop();
  await meshplane?.stop();
  for (const s of servers) s.forceShutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('proxyless gRPC routing by Istio config', () => {
  it('reaches every endpoint when no VirtualService exists', async () => {
    const counts = await client.call(TARGET, 300);
    expect(Object.keys(counts).sort()).toEqual(['v1-0', 'v1-1', 'v2-0']);
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(30);
  });

  it('converges on a VirtualService written to the config directory', async () => {
    write('helloworld-dr.yaml', DESTINATION_RULE);
    write('helloworld-vs.yaml', ALL_TO_V2);
    const ms = await converge('all traffic on v2', (c) => share(c, 'v2') === 1);
    console.log(`[measure] VirtualService file write -> client converged: ${ms} ms`);
    expect(ms).toBeLessThan(5_000);
  });

  it('splits 80/20 within ±5 points over 1,000 RPCs', async () => {
    write(
      'helloworld-vs.yaml',
      virtualService(`    - route:
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
    write(
      'helloworld-vs.yaml',
      virtualService(`    - match:
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
    write(
      'helloworld-vs.yaml',
      virtualService(`    - match:
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
    write(
      'helloworld-vs.yaml',
      virtualService(`    - route:\n        - destination: { host: ${HOST}, subset: v1 }`),
    );
    await converge('traffic on v1 only', (c) => share(c, 'v1') === 1);
    write('helloworld-se.yaml', serviceEntry(['v1-0', 'v2-0']));
    const ms = await converge(
      'v1-1 no longer reached',
      (c) => c['v1-1'] === undefined && share(c, 'v1-0') === 1,
    );
    console.log(`[measure] endpoint removal -> client converged: ${ms} ms`);
    const counts = await client.call(TARGET, 200);
    expect(counts).toEqual({ 'v1-0': 200 });
  });
});
