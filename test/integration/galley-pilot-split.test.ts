/**
 * Issue 5: Galley and Pilot as separate processes (`node dist/main.js galley` and
 * `node dist/main.js pilot`), real proxyless gRPC clients (@grpc/grpc-js-xds) routed by the
 * Pilots to real gRPC backends. Config changes are written to Galley's config directory; Pilot
 * only ever hears of them over MCP. Run `npm run build` first (npm test does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigDir, meshService, share } from './support/fixtures.js';
import { freePort, waitFor, XdsClientProcess } from './support/harness.js';
import { PlaneProcess } from './support/plane-process.js';

const SVC = meshService('helloworld');
const TARGET = SVC.target;
const VS_TYPE = 'networking.istio.io/v1alpha3/VirtualService';

let cfg: ConfigDir;
let mcpPort: number;
let galleyHttp: number;
let galley: PlaneProcess;
const pilots: Record<'a' | 'b', { proc?: PlaneProcess; xds: number; http: number }> = {
  a: { xds: 0, http: 0 },
  b: { xds: 0, http: 0 },
};
const clients: Partial<Record<'a' | 'b', XdsClientProcess>> = {};

async function converge(which: 'a' | 'b', what: string, prefix: string, timeoutMs = 20_000): Promise<number> {
  const t0 = Date.now();
  await waitFor(
    `${which}: ${what}`,
    async () => share(await clients[which]!.call(TARGET, 20), prefix) === 1,
    timeoutMs,
    0,
  );
  return Date.now() - t0;
}

async function startGalley(): Promise<PlaneProcess> {
  return PlaneProcess.start('galley', ['--config-dir', cfg.dir, '--mcp-address', `127.0.0.1:${mcpPort}`], {
    httpPort: galleyHttp,
  });
}

async function startPilot(which: 'a' | 'b'): Promise<PlaneProcess> {
  const p = pilots[which];
  p.proc = await PlaneProcess.start(
    'pilot',
    ['--mcp-server', `127.0.0.1:${mcpPort}`, '--xds-address', `127.0.0.1:${p.xds}`],
    { httpPort: p.http },
  );
  return p.proc;
}

interface McpClientStatus {
  connected: boolean;
  connections: number;
  synced: boolean;
  stream?: { synced: boolean; changes: number };
}
interface Mcpz {
  pilots: {
    node: string;
    collections: {
      collection: string;
      synced: boolean;
      ackedVersion?: string;
      sentVersion?: string;
      resources: number;
    }[];
  }[];
}
interface Configz {
  configs: {
    meta: { kind: string; namespace: string; name: string; resourceVersion: string };
    spec: unknown;
  }[];
}

async function pushes(p: PlaneProcess): Promise<number> {
  const text = await p.get<string>('/metrics');
  return text
    .split('\n')
    .filter((l) => l.startsWith('pilot_xds_pushes{'))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const configSet = (c: Configz): string[] =>
  c.configs.map((x) => `${x.meta.kind}/${x.meta.namespace}/${x.meta.name}@${x.meta.resourceVersion}`).sort();

beforeAll(async () => {
  cfg = ConfigDir.create('split');
  await cfg.startBackends(['v1-0', 'v1-1', 'v2-0']);
  cfg.write('helloworld.yaml', SVC.twoVersionService(cfg.ports));
  mcpPort = await freePort();
  galleyHttp = await freePort();
  for (const w of ['a', 'b'] as const) {
    pilots[w].xds = await freePort();
    pilots[w].http = await freePort();
  }
  galley = await startGalley();
  await startPilot('a');
  clients.a = await XdsClientProcess.start(pilots.a.xds);
}, 60_000);

afterAll(async () => {
  for (const c of Object.values(clients)) await c?.stop();
  for (const p of Object.values(pilots)) await p.proc?.stop();
  await galley?.stop();
  cfg?.stop();
});

describe('Galley and Pilot as separate processes', () => {
  it('routes by config that reached Pilot over MCP, and follows a change made in Galley’s source', async () => {
    const counts = await clients.a!.call(TARGET, 150);
    expect(Object.keys(counts).sort()).toEqual(['v1-0', 'v1-1', 'v2-0']);
    cfg.write('helloworld-vs.yaml', SVC.routeAllTo('v2'));
    const ms = await converge('a', 'all traffic on v2', 'v2');
    console.log(`[measure] split: VirtualService file write -> client converged: ${ms} ms`);
    expect(ms).toBeLessThan(5_000);
  });

  it('serves the same config from two Pilots; Galley lists both and what each acknowledged', async () => {
    await startPilot('b');
    clients.b = await XdsClientProcess.start(pilots.b.xds);
    await converge('b', 'all traffic on v2', 'v2');
    const mcpz = await waitFor('both pilots acked everything', async () => {
      const m = await galley.get<Mcpz>('/debug/mcpz');
      return m.pilots.length === 2 && m.pilots.every((p) => p.collections.every((c) => c.synced)) && m;
    });
    const vs = mcpz.pilots.map((p) => p.collections.find((c) => c.collection === VS_TYPE)!);
    expect(vs.map((c) => c.resources)).toEqual([1, 1]);
    expect(vs[0]!.ackedVersion).toBe(vs[0]!.sentVersion);
    expect(vs[0]!.ackedVersion).toBe(vs[1]!.ackedVersion);
    const galleyConfigs = configSet(await galley.get<Configz>('/debug/configz'));
    expect(galleyConfigs).toHaveLength(3);
    expect(configSet(await pilots.a.proc!.get<Configz>('/debug/configz'))).toEqual(galleyConfigs);
    expect(configSet(await pilots.b.proc!.get<Configz>('/debug/configz'))).toEqual(galleyConfigs);
  });

  it('keeps routing on the last config when Galley is killed; a restart with no change pushes nothing', async () => {
    const before = await pushes(pilots.a.proc!);
    await galley.kill9();
    await waitFor(
      'pilot noticed',
      async () => !(await pilots.a.proc!.get<McpClientStatus>('/debug/mcp')).connected,
    );
    expect(await clients.a!.call(TARGET, 100)).toEqual({ 'v2-0': 100 });
    expect((await fetch(`http://127.0.0.1:${pilots.a.http}/ready`)).status).toBe(200);
    galley = await startGalley();
    const status = await waitFor('pilot a back in sync', async () => {
      const s = await pilots.a.proc!.get<McpClientStatus>('/debug/mcp');
      return s.connections === 2 && s.stream?.synced && s;
    });
    // Every collection answered on the new stream, and none of it was a change.
    expect(status.stream).toEqual({ synced: true, changes: 0 });
    expect(pilots.a.proc!.logged('MCP synced').at(-1)).toMatchObject({ connection: 2, changes: 0 });
    await new Promise((r) => setTimeout(r, 500)); // longer than the debounce quiet period
    expect(await pushes(pilots.a.proc!)).toBe(before);
  });

  it('delivers changes made while Galley was down once it is back', async () => {
    await galley.kill9();
    cfg.write('helloworld-vs.yaml', SVC.routeAllTo('v1'));
    await new Promise((r) => setTimeout(r, 700));
    expect(share(await clients.a!.call(TARGET, 60), 'v2')).toBe(1);
    expect(share(await clients.b!.call(TARGET, 60), 'v2')).toBe(1);
    const t0 = Date.now();
    galley = await startGalley();
    await converge('a', 'all traffic on v1 after Galley restart', 'v1');
    await converge('b', 'all traffic on v1 after Galley restart', 'v1');
    console.log(
      `[measure] Galley restart (ready) -> both clients on the change made while down: ${Date.now() - t0} ms`,
    );
  });

  it('brings a restarted Pilot back fully synced while Galley runs', async () => {
    await pilots.a.proc!.kill9();
    cfg.write('helloworld-vs.yaml', SVC.routeAllTo('v2'));
    await converge('b', 'pilot b still follows Galley', 'v2');
    await startPilot('a');
    await converge('a', 'client of the restarted pilot on v2', 'v2');
    const galleyConfigs = configSet(await galley.get<Configz>('/debug/configz'));
    expect(configSet(await pilots.a.proc!.get<Configz>('/debug/configz'))).toEqual(galleyConfigs);
    const mcpz = await waitFor('galley lists the new pilot a and pilot b', async () => {
      const m = await galley.get<Mcpz>('/debug/mcpz');
      return m.pilots.length === 2 && m.pilots.every((p) => p.collections.every((c) => c.synced)) && m;
    });
    expect(new Set(mcpz.pilots.map((p) => p.node)).size).toBe(2);
  });
});
