/**
 * A real MOSN sidecar (mosn.io/mosn v1.6.1, built by test/e2e/peers/build-mosn.sh) on loopback,
 * configured by meshplane over ADS the way istiod would configure it: a Sidecar resource binds an
 * HTTP egress listener to 127.0.0.1:PORT (`captureMode: NONE`; node metadata
 * `INTERCEPTION_MODE: NONE`, so no iptables and no 15001/15006 virtual listeners), and plain HTTP
 * requests sent to that port with a service's Host header follow the VirtualService and
 * DestinationRule in meshplane's config directory to real node:http backends.
 *
 * MOSN never NACKs (../shared/research/peers.md §2): a resource it cannot convert is only logged.
 * So the proof is traffic, plus a scan of its log for conversion failures.
 * Run `npm run build` and `test/e2e/peers/build-mosn.sh` first.
 */
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  destinationRule,
  serviceEntry as seYaml,
  share,
  virtualService as vsYaml,
  writeAtomic,
} from '../integration/support/fixtures.js';
import { freePort, MeshplaneProcess, waitFor } from '../integration/support/harness.js';
import { findMosn, MosnProcess } from './support/mosn-peer.js';

const HOST = 'echo.default.svc.cluster.local';
const NODE_ID = 'sidecar~127.0.0.1~mosn-test.default~default.svc.cluster.local';

let dir: string;
let configDir: string;
let egressPort: number;
let meshplane: MeshplaneProcess | undefined;
let mosn: MosnProcess | undefined;
const backends: http.Server[] = [];
const ports: Record<string, number> = {};
// One keep-alive pool for all requests, as an application behind a sidecar would have.
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

interface Reply {
  status: number;
  backend?: string;
  headers?: Record<string, string>;
}

/** An HTTP backend answering with its name and the request headers it received. */
async function startBackend(name: string): Promise<void> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ backend: name, url: req.url, headers: req.headers }));
  });
  // Node closes idle keep-alive connections after 5 s by default; MOSN may then reuse one just as
  // it closes and answer 502. Applications behind Istio tune this for the same reason.
  server.keepAliveTimeout = 120_000;
  ports[name] = await freePort();
  await new Promise<void>((resolve) => server.listen(ports[name], '127.0.0.1', resolve));
  backends.push(server);
}

/** One request to MOSN's egress listener, addressed to `host` by its Host header. */
function send(urlPath: string, headers: Record<string, string> = {}, host = HOST): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: egressPort, path: urlPath, agent, headers: { host, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          const reply: Reply = { status: res.statusCode ?? 0 };
          if (res.statusCode === 200) {
            const parsed = JSON.parse(body) as { backend: string; headers: Record<string, string> };
            reply.backend = parsed.backend;
            reply.headers = parsed.headers;
          }
          resolve(reply);
        });
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** `n` sequential requests; counts by backend name, or `status:<code>` for non-200 answers. */
async function count(n: number, urlPath = '/', headers: Record<string, string> = {}) {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await send(urlPath, headers);
    const key = r.backend ?? `status:${r.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

// Write then rename, so meshplane's directory source never reads half a file.
const write = (file: string, text: string): void => writeAtomic(configDir, file, text);

function serviceEntry(): string {
  // The service port is the egress listener's port: the Sidecar's HTTP egress listener on PORT
  // serves route config "PORT", whose virtual hosts are the services with port PORT.
  return seYaml({
    name: 'echo',
    host: HOST,
    backends: ports,
    port: egressPort,
    portName: 'http',
    protocol: 'HTTP',
  });
}

const DESTINATION_RULE = destinationRule({ name: 'echo', host: HOST });

function sidecar(): string {
  return `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: { name: default, namespace: default }
spec:
  egress:
    - port: { number: ${egressPort}, protocol: HTTP, name: http-egress }
      bind: 127.0.0.1
      captureMode: NONE
      hosts: ["./*"]
`;
}

function virtualService(http: string): string {
  return vsYaml({ name: 'echo', host: HOST, http });
}

/** Header match first, then a fault on /fail, then the 80/20 split for everything else. */
const MAIN_ROUTES = virtualService(`    - match:
        - headers: { x-version: { exact: v2 } }
      route:
        - destination: { host: ${HOST}, subset: v2 }
    - match:
        - uri: { prefix: /fail }
      fault:
        abort: { httpStatus: 418, percentage: { value: 100 } }
      route:
        - destination: { host: ${HOST}, subset: v1 }
    - route:
        - destination: { host: ${HOST}, subset: v1 }
          weight: 80
        - destination: { host: ${HOST}, subset: v2 }
          weight: 20`);

beforeAll(async () => {
  const bin = findMosn(); // throws with the build command when missing or stale: the suite fails
  dir = mkdtempSync(path.join(tmpdir(), 'meshplane-mosn-'));
  configDir = path.join(dir, 'config');
  for (const name of ['v1-0', 'v1-1', 'v2-0']) await startBackend(name);
  egressPort = await freePort();
  mkdirSync(configDir);
  write('echo-se.yaml', serviceEntry());
  write('echo-dr.yaml', DESTINATION_RULE);
  write('sidecar.yaml', sidecar());
  write('echo-vs.yaml', MAIN_ROUTES);
  meshplane = await MeshplaneProcess.start(configDir);
  mosn = MosnProcess.start(bin, {
    dir: path.join(dir, 'mosn'),
    xdsPort: meshplane.xdsPort,
    adminPort: await freePort(),
    nodeId: NODE_ID,
    cluster: 'mosn-test.default',
    // MOSN v1.6.1 is Istio 1.10's data plane: ISTIO_VERSION makes meshplane send the header
    // matcher fields MOSN reads; INTERCEPTION_MODE NONE: no iptables, so no virtual listeners.
    metadata: {
      NAMESPACE: 'default',
      ISTIO_VERSION: '1.10.6',
      CLUSTER_ID: 'Kubernetes',
      INTERCEPTION_MODE: 'NONE',
    },
  });
  const t0 = Date.now();
  await waitFor(
    'MOSN serving the egress listener from meshplane',
    async () => {
      if (mosn!.child.exitCode !== null)
        throw new Error(`MOSN exited:\n${mosn!.lines.slice(-30).join('\n')}`);
      return (await send('/')).status === 200;
    },
    30_000,
    100,
  );
  console.log(`[measure] MOSN start -> egress listener routing: ${Date.now() - t0} ms`);
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await mosn?.stop();
  await meshplane?.stop();
  for (const s of backends) s.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('MOSN sidecar configured by meshplane over ADS', () => {
  it('binds only the captureMode NONE egress listener and routes by the Host header', async () => {
    const dump = await mosn!.configDump();
    expect(dump).toContain(`127.0.0.1_${egressPort}`);
    // INTERCEPTION_MODE NONE: the capture-based virtual listeners are not sent.
    expect(dump).not.toContain('virtualOutbound');
    expect(dump).not.toContain('virtualInbound');
    for (const host of [HOST, `${HOST}:${egressPort}`, 'echo', `echo.default:${egressPort}`]) {
      const r = await send('/hello', {}, host);
      expect(r.status, host).toBe(200);
      expect(r.headers?.host).toBe(host);
    }
    // A host no service answers to matches only the allow_any virtual host (PassthroughCluster, an
    // ORIGINAL_DST cluster with nothing to pass through to here): no backend sees it.
    const nowhere = await send('/', {}, 'nowhere.example');
    expect(nowhere.status).toBe(502);
  });

  it('splits traffic 80/20 between subsets within ±5 points over 1,000 requests', async () => {
    const counts = await count(1000);
    const v1 = share(counts, 'v1') * 100;
    console.log(`[measure] MOSN 80/20 split over 1000 requests: v1 ${v1.toFixed(1)}%`, counts);
    expect(v1).toBeGreaterThanOrEqual(75);
    expect(v1).toBeLessThanOrEqual(85);
    // Subset v1 has two endpoints, both used; every request was answered by a backend.
    expect(counts['v1-0']).toBeGreaterThan(200);
    expect(counts['v1-1']).toBeGreaterThan(200);
    expect(Object.keys(counts).sort()).toEqual(['v1-0', 'v1-1', 'v2-0']);
  });

  it('sends a header match to its subset, with the header passed through', async () => {
    const matched = await count(100, '/', { 'x-version': 'v2' });
    expect(matched).toEqual({ 'v2-0': 100 });
    const r = await send('/', { 'x-version': 'v2' });
    expect(r.headers?.['x-version']).toBe('v2');
    // Another value does not match: the split applies again.
    const other = await count(100, '/', { 'x-version': 'v1' });
    expect(share(other, 'v1')).toBeGreaterThan(0.5);
  });

  it('aborts with the configured HTTP status and leaves other paths alone', async () => {
    expect(await count(50, '/fail/now')).toEqual({ 'status:418': 50 });
    const ok = await count(50, '/fine');
    expect(Object.keys(ok).every((k) => !k.startsWith('status:'))).toBe(true);
  });

  it('follows a VirtualService rewrite without restarting', async () => {
    const pid = mosn!.child.pid;
    write(
      'echo-vs.yaml',
      virtualService(`    - match:
        - headers: { x-version: { exact: v1 } }
      route:
        - destination: { host: ${HOST}, subset: v1 }
    - route:
        - destination: { host: ${HOST}, subset: v2 }`),
    );
    const t0 = Date.now();
    await waitFor('all unmatched traffic on v2', async () => share(await count(20), 'v2') === 1, 20_000, 0);
    console.log(`[measure] VirtualService file write -> MOSN converged: ${Date.now() - t0} ms`);
    expect(await count(100)).toEqual({ 'v2-0': 100 });
    expect(share(await count(100, '/', { 'x-version': 'v1' }), 'v1')).toBe(1);
    // The old fault route is gone.
    expect(await count(10, '/fail')).toEqual({ 'v2-0': 10 });
    expect(mosn!.child.pid).toBe(pid);
    expect(mosn!.child.exitCode).toBeNull();
  });

  it('converted everything meshplane sent (MOSN logs what it cannot convert instead of NACKing)', () => {
    const failures = mosn!.grep(
      /convert.*(error|fail)|unsupported route|unknown per route|AddOrUpdateRouters error|Invalid|not support/i,
    );
    expect(failures).toEqual([]);
    // MOSN skips HTTP filters it has no stream filter for (it routes without envoy.filters.http.router);
    // the fault filter must not be among them.
    const skipped = mosn!
      .grep(/unsupported filter config/)
      .map((l) => /name: ([^,]+)/.exec(l)?.[1] ?? l)
      .filter((v, i, a) => a.indexOf(v) === i)
      .sort();
    console.log('[measure] HTTP filters MOSN skipped:', skipped);
    expect(skipped).not.toContain('envoy.filters.http.fault');
    expect(mosn!.grep(/get \d+ routes from RDS/).length).toBeGreaterThanOrEqual(2);
  });
});
