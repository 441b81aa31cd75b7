/**
 * Graceful shutdown of the real process (`node dist/main.js discovery`), as Kubernetes does it:
 * SIGTERM, then /ready must turn 503 at once, no new stream is taken, the open ADS streams end
 * with UNAVAILABLE spread over the drain window (so proxies reconnect elsewhere without a
 * stampede), and the process exits 0 within --drain-duration. A second signal exits at once.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { CLUSTER_TYPE } from '../../src/xds/type-urls.js';
import { ConfigDir, staticServiceEntry } from './support/fixtures.js';
import { MeshplaneProcess, waitFor } from './support/harness.js';
import { adsClient, AdsClient, RawStream } from './support/raw-ads.js';

const NODE = {
  id: 'sidecar~127.0.0.1~drain-client.default~default.svc.cluster.local',
  metadata: { fields: { GENERATOR: { stringValue: 'grpc' }, NAMESPACE: { stringValue: 'default' } } },
  locality: {},
};

let cfg: ConfigDir;
const procs: MeshplaneProcess[] = [];
const clients: grpc.Client[] = [];

beforeAll(() => {
  cfg = ConfigDir.create('drain');
  cfg.write('a.yaml', staticServiceEntry({ name: 'a', port: 8080, addresses: ['127.0.0.2'] }));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const p of procs.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
});

afterAll(() => cfg?.stop());

async function start(drain: string): Promise<MeshplaneProcess> {
  const mp = await MeshplaneProcess.start(cfg.dir, ['--drain-duration', drain]);
  procs.push(mp);
  return mp;
}

/** `n` ADS streams (each on its own connection, as proxies have), each past its first CDS response. */
async function openStreams(port: number, n: number): Promise<RawStream[]> {
  const streams: RawStream[] = [];
  for (let i = 0; i < n; i++) {
    // A distinct channel option makes grpc-js open a separate connection per client.
    const client = new AdsClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
      'grpc.test_connection_index': i,
    });
    clients.push(client);
    const s = new RawStream(client, i % 2 === 0 ? 'StreamAggregatedResources' : 'DeltaAggregatedResources');
    if (i % 2 === 0) s.send({ node: NODE, type_url: CLUSTER_TYPE, resource_names: [] });
    else s.send({ node: NODE, type_url: CLUSTER_TYPE, resource_names_subscribe: ['*'] });
    expect((await s.next(5000))['type_url']).toBe(CLUSTER_TYPE);
    streams.push(s);
  }
  return streams;
}

function exited(mp: MeshplaneProcess): Promise<{ code: number | null; at: number }> {
  return new Promise((resolve) => {
    if (mp.child.exitCode !== null) resolve({ code: mp.child.exitCode, at: Date.now() });
    else mp.child.once('exit', (code) => resolve({ code, at: Date.now() }));
  });
}

const ready = (mp: MeshplaneProcess): Promise<Response> => fetch(`http://127.0.0.1:${mp.httpPort}/ready`);

describe('graceful shutdown on SIGTERM', () => {
  it('turns /ready 503 at once, ends every stream with UNAVAILABLE spread over the drain, exits 0', async () => {
    const mp = await start('3s');
    const streams = await openStreams(mp.xdsPort, 4);
    const ended: Array<{ code: number; at: number }> = [];
    for (const s of streams) void s.status.then((st) => ended.push({ code: st.code, at: Date.now() }));
    const exit = exited(mp);
    const t0 = Date.now();
    mp.child.kill('SIGTERM');

    const notReady = await waitFor(
      '/ready 503',
      async () => {
        const res = await ready(mp);
        return res.status === 503 ? { at: Date.now(), body: (await res.json()) as unknown } : undefined;
      },
      2000,
      10,
    );
    expect(notReady.at - t0).toBeLessThan(500);
    expect(notReady.body).toEqual({ status: 'draining' });
    // Liveness is not touched: a failing /healthz would get the pod killed mid-drain.
    const health = await fetch(`http://127.0.0.1:${mp.httpPort}/healthz`);
    expect(health.status).toBe(200);

    // A new stream during the drain is refused: the proxy must go to another replica.
    const lateClient = adsClient(mp.xdsPort);
    clients.push(lateClient);
    const late = new RawStream(lateClient, 'StreamAggregatedResources');
    late.send({ node: NODE, type_url: CLUSTER_TYPE, resource_names: [] });
    expect((await late.status).code).toBe(grpc.status.UNAVAILABLE);

    const { code, at } = await exit;
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(3000 + 1000);
    expect(ended).toHaveLength(4);
    for (const e of ended) expect(e.code).toBe(grpc.status.UNAVAILABLE);
    // Spread over the first half of the window (1.5 s here), not all in the same instant.
    const times = ended.map((e) => e.at).sort((a, b) => a - b);
    expect(times[3]! - times[0]!).toBeGreaterThan(800);
    expect(times[3]! - t0).toBeLessThan(3000);

    const msgs = mp.logs.map((l) => l.msg);
    const phases = [
      'shutting down',
      'shutdown: /ready answers 503, draining xDS streams',
      'xDS server draining',
      'shutdown: xDS drained, stopping galley',
      'shutdown: galley stopped, closing the HTTP server',
      'shutdown complete',
    ].map((m) => msgs.indexOf(m));
    expect(phases.every((i) => i >= 0)).toBe(true);
    expect([...phases].sort((a, b) => a - b)).toEqual(phases);
  }, 30_000);

  it('exits at once with no streams open', async () => {
    const mp = await start('10s');
    const exit = exited(mp);
    const t0 = Date.now();
    mp.child.kill('SIGTERM');
    const { code, at } = await exit;
    expect(code).toBe(0);
    expect(at - t0).toBeLessThan(2000);
  }, 30_000);

  it('exits at once, non-zero, on a second signal during the drain', async () => {
    const mp = await start('60s');
    // Three streams over a 60 s drain: the second ends only 15 s in, so the drain is still on.
    const streams = await openStreams(mp.xdsPort, 3);
    const exit = exited(mp);
    const t0 = Date.now();
    mp.child.kill('SIGTERM');
    await waitFor('draining', async () => (await ready(mp)).status === 503, 2000, 10);
    mp.child.kill('SIGTERM');
    const { code, at } = await exit;
    expect(code).toBe(1);
    expect(at - t0).toBeLessThan(3000);
    expect(mp.logs.some((l) => l.msg === 'second signal during shutdown: exiting now')).toBe(true);
    for (const s of streams) expect((await s.status).code).toBe(grpc.status.UNAVAILABLE);
  }, 30_000);
});
