/**
 * Maximum connection age with a real @grpc/grpc-js-xds client: meshplane sends GOAWAY when a
 * connection reaches `--keepalive-max-server-connection-age` and closes it after the grace, so
 * a proxy reconnects (behind a Service, possibly to another replica). The client must ride
 * through several such reconnections without a failed RPC and keep following config changes;
 * `/debug/syncz` shows each new connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigDir, meshService, stopAll } from './support/fixtures.js';
import { MeshplaneProcess, waitFor, XdsClientProcess } from './support/harness.js';

const SVC = meshService('echo');
const TARGET = SVC.target;
const AGE_MS = 1000;
const GRACE_MS = 250;

let cfg: ConfigDir;
let meshplane: MeshplaneProcess;
let client: XdsClientProcess;

interface SynczEntry {
  proxy: string;
  connection_id: string;
}

async function clientConnections(): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${meshplane.httpPort}/debug/syncz`);
  const entries = (await res.json()) as SynczEntry[];
  return entries.filter((e) => e.proxy.includes('~client-')).map((e) => e.connection_id);
}

beforeAll(async () => {
  cfg = ConfigDir.create('age');
  await cfg.startBackends(['v1-0', 'v2-0']);
  cfg.write('echo.yaml', SVC.twoVersionService(cfg.ports));
  cfg.write('echo-vs.yaml', SVC.routeAllTo('v1'));
  meshplane = await MeshplaneProcess.start(cfg.dir, [
    '--keepalive-max-server-connection-age',
    `${AGE_MS}ms`,
    '--keepalive-max-server-connection-age-grace',
    `${GRACE_MS}ms`,
    '--keepalive-interval',
    '1s',
    '--keepalive-timeout',
    '1s',
  ]);
  client = await XdsClientProcess.start(meshplane.xdsPort);
}, 60_000);

afterAll(() => stopAll(client, meshplane, cfg));

describe('maximum connection age', () => {
  it('moves a real xDS client to new connections without failing an RPC', async () => {
    // The first call makes the client connect and fetch LDS/RDS/CDS/EDS.
    expect(await client.call(TARGET, 20)).toEqual({ 'v1-0': 20 });
    const seen = new Set<string>();
    const totals: Record<string, number> = {};
    const until = Date.now() + 4 * (AGE_MS * 1.1 + GRACE_MS) + 500;
    while (Date.now() < until || seen.size < 4) {
      for (const id of await clientConnections()) seen.add(id);
      const counts = await client.call(TARGET, 10);
      for (const [k, n] of Object.entries(counts)) totals[k] = (totals[k] ?? 0) + n;
      if (Date.now() > until + 10_000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Every RPC went where the config says, across every reconnection.
    expect(Object.keys(totals)).toEqual(['v1-0']);
    expect(seen.size).toBeGreaterThanOrEqual(4);
    // The old connections are gone: one ADS stream at a time, never a pile of stale ones.
    const now = await clientConnections();
    expect(now.length).toBeLessThanOrEqual(1);
    const connected = meshplane.logs.filter(
      (l) => l.msg === 'ADS connected' && String(l['conn']).includes('~client-'),
    );
    expect(connected.length).toBeGreaterThanOrEqual(4);
  }, 40_000);

  it('keeps following config changes on the new connections', async () => {
    const before = new Set(await clientConnections());
    const w0 = Date.now();
    // Wait for a reconnection first, so the change reaches a connection opened after an age GOAWAY.
    await waitFor(
      'a new connection',
      async () => (await clientConnections()).some((id) => !before.has(id)),
      10_000,
      100,
    );
    console.log(`[measure] waited ${Date.now() - w0} ms for a new connection`);
    const t0 = Date.now();
    cfg.write('echo-vs.yaml', SVC.routeAllTo('v2'));
    await waitFor(
      'traffic on v2',
      async () => {
        const counts = await client.call(TARGET, 10);
        return counts['v2-0'] === 10;
      },
      10_000,
      50,
    );
    console.log(`[measure] config change across age reconnects -> client converged: ${Date.now() - t0} ms`);
    expect(await client.call(TARGET, 50)).toEqual({ 'v2-0': 50 });
  }, 30_000);
});
