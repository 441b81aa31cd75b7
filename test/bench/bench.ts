/**
 * One bench run (issue 3): generate M services × K endpoints, start meshplane on them, connect N
 * clients from separate load processes (connect storm), then the change scenarios, then the
 * floor for each measured push size over the same N clients. Used by `npm run bench` (run.ts)
 * and by the CI smoke test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateConfig, watchedServices, type ConfigSpec } from './config-gen.js';
import { FloorServer, type FloorResult } from './floor.js';
import { LoadGenerator } from './load-generator.js';
import { MeshplaneProcess, REPO_ROOT } from './meshplane-process.js';
import { memory } from './proc-stats.js';
import { mb, type BenchResult, type ScenarioResult } from './report.js';
import type { NodeShape, XdsMode } from './protocol.js';
import { connectStorm } from './scenarios/connect-storm.js';
import { runChange, type BenchContext, type ChangeScenario } from './scenarios/context.js';
import { endpointChurn } from './scenarios/endpoint-churn.js';
import { routeChange } from './scenarios/route-change.js';
import { serviceAdded } from './scenarios/service-added.js';
import { SplitProcess } from './split-process.js';

export const CHANGE_SCENARIOS: readonly ChangeScenario[] = [endpointChurn, routeChange, serviceAdded];

export interface BenchOptions {
  readonly clients: number;
  readonly services: number;
  readonly endpoints: number;
  readonly mode: XdsMode;
  readonly shape: NodeShape;
  /** Scoped proxies: a Sidecar limits every client's egress to this many services. */
  readonly scope?: number;
  /** Load-generator processes. */
  readonly workers: number;
  /** Runs of each change scenario (pooled). */
  readonly repeat: number;
  /** Unmeasured runs of each change scenario before its measured ones (reported apart). */
  readonly warmup: number;
  /** Change scenarios to run, by name (the connect storm always runs). */
  readonly scenarios: readonly string[];
  /** Floor rounds per push size; 0 skips the floor. */
  readonly floorRounds: number;
  readonly timeoutMs: number;
  readonly settleMs: number;
  readonly steadyWaitMs: number;
  /** meshplane's `--debounce-after` (its default is 100 ms). */
  readonly debounceMs: number;
  readonly logLevel: string;
  /** Config directory (default: a fresh temporary one, removed afterwards). */
  readonly dir?: string;
  readonly keepDir?: boolean;
  readonly cpuProfDir?: string;
  /** V8 CPU profiles of the load processes. */
  readonly loadCpuProfDir?: string;
  /** Append meshplane's output to this file. */
  readonly meshplaneLog?: string;
  /** Size of the small-push floor reported beside the per-scenario floors (0: skip). */
  readonly floorBaselineBytes: number;
  /**
   * `single` (default): `meshplane discovery`; `split`: `meshplane galley` and `meshplane pilot` in
   * two processes, the clients on Pilot (issue 5: the cost of the MCP hop between processes).
   */
  readonly topology?: 'single' | 'split';
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  clients: 2000,
  services: 1000,
  endpoints: 5,
  mode: 'sotw',
  shape: 'proxyless',
  workers: Math.max(1, Math.min(4, cpus().length)),
  repeat: 3,
  warmup: 1,
  scenarios: CHANGE_SCENARIOS.map((s) => s.name),
  floorRounds: 3,
  timeoutMs: 60_000,
  settleMs: 300,
  steadyWaitMs: 60_000,
  debounceMs: 100,
  logLevel: 'warn',
  floorBaselineBytes: 512,
};

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, stdio: 'pipe' })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const o = options;
  const progress = o.progress ?? (() => undefined);
  const dir = o.dir ?? (await mkdtemp(join(tmpdir(), 'meshplane-bench-')));
  const spec: ConfigSpec = {
    dir,
    services: o.services,
    endpoints: o.endpoints,
    sidecar: o.shape === 'sidecar',
    ...(o.scope !== undefined ? { scope: o.scope } : {}),
  };
  progress(`generating ${o.services} services × ${o.endpoints} endpoints in ${dir}`);
  await generateConfig(spec);

  let meshplane: MeshplaneProcess | SplitProcess | undefined;
  let load: LoadGenerator | undefined;
  let floor: FloorServer | undefined;
  try {
    const started = Date.now();
    const start = {
      configDir: dir,
      logLevel: o.logLevel,
      cpuProfDir: o.cpuProfDir,
      logFile: o.meshplaneLog,
    };
    const debounce = ['--debounce-after', String(o.debounceMs)];
    meshplane =
      o.topology === 'split'
        ? await SplitProcess.start({ ...start, pilotArgs: debounce })
        : await MeshplaneProcess.start({ ...start, extraArgs: debounce });
    const startupMs = Date.now() - started;
    const startupRssMb = mb(memory(meshplane.pid).rssBytes);
    progress(
      `meshplane ${o.topology ?? 'single'} ready in ${startupMs} ms (pid ${meshplane.pid}, ${startupRssMb} MB)`,
    );

    load = await LoadGenerator.start({
      target: meshplane.xdsAddress,
      clients: o.clients,
      workers: o.workers,
      mode: o.mode,
      shape: o.shape,
      // A proxyless client has a listener per service; a sidecar a few per port.
      goal: { clusters: watchedServices(spec), listeners: o.shape === 'sidecar' ? 1 : watchedServices(spec) },
      cpuProfDir: o.loadCpuProfDir,
    });
    let rev = 0;
    const ctx: BenchContext = {
      spec,
      load,
      meshplane,
      timeoutMs: o.timeoutMs,
      settleMs: o.settleMs,
      debounceMs: o.debounceMs,
      steadyWaitMs: o.steadyWaitMs,
      nextRev: () => ++rev,
      progress,
    };

    progress(`connect storm: ${o.clients} clients (${o.mode})`);
    const storm = await connectStorm(ctx);
    progress(
      `  synced ${storm.convergence.converged}/${storm.convergence.count}, max ${storm.convergence.max.toFixed(0)} ms`,
    );
    const results: ScenarioResult[] = [storm];

    const measured: { scenario: ChangeScenario; result: ScenarioResult }[] = [];
    // A service added outside a Sidecar's egress never reaches scoped proxies: nothing to time.
    const runnable = CHANGE_SCENARIOS.filter(
      (s) => o.scenarios.includes(s.name) && !(o.scope !== undefined && s === serviceAdded),
    );
    for (const scenario of runnable) {
      progress(`${scenario.name}: ${o.warmup} warm-up run(s), ${o.repeat} run(s)`);
      const run = await runChange(ctx, scenario, o.repeat, o.warmup);
      const affected = run.convergence.count || 1;
      const result: ScenarioResult = {
        name: scenario.name,
        runs: run.runs,
        convergence: run.convergence,
        ...(run.warmup ? { warmup: run.warmup } : {}),
        ...run.window,
        pushBytesPerClient: Math.round(run.window.bytes / affected),
        targets: scenario.targets(ctx, run.convergence, undefined),
      };
      progress(
        `  converged ${run.convergence.converged}/${run.convergence.count}, p99 ${run.convergence.p99.toFixed(1)} ms`,
      );
      measured.push({ scenario, result });
      results.push(result);
    }

    let floorBaseline: FloorResult | undefined;
    if (o.floorRounds > 0 && (measured.length > 0 || o.floorBaselineBytes > 0)) {
      floor = await FloorServer.start();
      await floor.attach(load);
      if (o.floorBaselineBytes > 0) {
        progress(`floor: ${o.clients} streams × ${o.floorBaselineBytes} bytes (baseline)`);
        floorBaseline = await floor.measure(load, o.floorBaselineBytes, o.floorRounds, o.timeoutMs);
      }
      for (const m of measured) {
        const size = Math.max(64, m.result.pushBytesPerClient);
        progress(`floor: ${o.clients} streams × ${size} bytes, ${o.floorRounds} round(s)`);
        const f = await floor.measure(load, size, o.floorRounds, o.timeoutMs);
        progress(
          `  p99 by round ${f.p99s.map((v) => v.toFixed(1)).join(', ')} ms; write loop ${f.writeMs.map((v) => v.toFixed(1)).join(', ')} ms`,
        );
        const i = results.indexOf(m.result);
        results[i] = { ...m.result, floor: f, targets: m.scenario.targets(ctx, m.result.convergence, f.p99) };
      }
    }

    const c = await load.counters();
    return {
      config: {
        clients: o.clients,
        services: o.services,
        endpoints: o.endpoints,
        mode: o.mode,
        shape: o.shape,
        workers: o.workers,
        debounceMs: o.debounceMs,
        topology: o.topology ?? 'single',
        commit: gitCommit(),
        node: process.version,
        cpus: cpus().length,
      },
      scenarios: results,
      startupMs,
      startupRssMb,
      clientErrors: { streams: c.streamErrors, responses: c.errors, last: c.lastError },
      floorBaseline,
      pass: results.every((r) => r.targets.every((t) => t.pass)),
    };
  } finally {
    await load?.close().catch(() => undefined);
    floor?.stop();
    await meshplane?.stop().catch(() => undefined);
    if (!o.dir && !o.keepDir) await rm(dir, { recursive: true, force: true });
    else if (o.keepDir) progress(`config kept in ${dir}`);
  }
}
