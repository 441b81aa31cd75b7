/**
 * What every scenario gets (the config, the load generator, meshplane) and the measurement
 * window around it: meshplane's CPU seconds (utime + stime delta), its peak RSS (VmHWM reset at
 * the start, plus sampling) and steady RSS (after the pushes settle), the load generator's CPU,
 * and the response bytes the clients received.
 */
import type { Change, ConfigSpec } from '../config-gen.js';
import type { LoadGenerator } from '../load-generator.js';
import { cpuSeconds, machineCpu, memory, resetPeak, RssSampler } from '../proc-stats.js';
import { nowMs } from '../protocol.js';
import { latencyStats, mb, type LatencyStats, type Target } from '../report.js';

export interface BenchContext {
  readonly spec: ConfigSpec;
  readonly load: LoadGenerator;
  /** The process the clients talk to (meshplane discovery, or Pilot when split). */
  readonly meshplane: { readonly pid: number };
  readonly timeoutMs: number;
  /** No response for this long means meshplane is done pushing. */
  readonly settleMs: number;
  readonly debounceMs: number;
  /** Extra wait before the steady RSS reading of the connect storm. */
  readonly steadyWaitMs: number;
  /** A fresh revision number for each change. */
  nextRev(): number;
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

export interface WindowResult {
  readonly cpuSeconds: number;
  readonly loadCpuSeconds: number;
  /**
   * CPU seconds used by every other process on the machine in the window (the bench orchestrator
   * included): a busy neighbour makes the figures unreliable, so it is reported with them.
   */
  readonly otherCpuSeconds: number;
  /** Interrupt and softirq CPU seconds (loopback networking, whoever it is for). */
  readonly irqCpuSeconds: number;
  readonly peakRssMb: number;
  readonly steadyRssMb: number;
  readonly bytes: number;
  readonly bytesByType: Record<string, number>;
  readonly responses: number;
  readonly wallMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function loadCpu(ctx: BenchContext): number {
  let total = 0;
  for (const pid of ctx.load.pids()) {
    try {
      total += cpuSeconds(pid);
    } catch {
      // exited
    }
  }
  return total;
}

/**
 * Waits until no client received anything for `settleMs`, then until meshplane itself is idle (at
 * most `timeoutMs` in all): each change is measured on a quiet server, as the floor is. Clients
 * fall quiet before meshplane does: it still reads their ACKs and collects their garbage (in SotW,
 * 2,000 ACKs repeating 1,000 names each), and a change written meanwhile would measure both.
 */
export async function settle(ctx: BenchContext): Promise<void> {
  const deadline = Date.now() + ctx.timeoutMs;
  let last = (await ctx.load.counters()).responses;
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(Math.min(100, ctx.settleMs));
    const now = (await ctx.load.counters()).responses;
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= ctx.settleMs) break;
  }
  await idle(ctx.meshplane.pid, Math.min(IDLE_MAX_MS, Math.max(0, deadline - Date.now())));
}

/** Idle: under 5% of one core over 100 ms (a push's ACK handling takes a full core). */
const IDLE_CPU_PER_100MS = 0.005;
const IDLE_MAX_MS = 5000;

async function idle(pid: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let before = cpuSeconds(pid);
  while (Date.now() < deadline) {
    await sleep(100);
    const now = cpuSeconds(pid);
    if (now - before < IDLE_CPU_PER_100MS) return;
    before = now;
  }
}

/** Opens a measurement window; the returned function closes it (after settling). */
export async function openWindow(
  ctx: BenchContext,
): Promise<(extraWaitMs?: number) => Promise<WindowResult>> {
  const pid = ctx.meshplane.pid;
  const before = await ctx.load.counters();
  const cpu0 = cpuSeconds(pid);
  const load0 = loadCpu(ctx);
  const machine0 = machineCpu();
  const sampler = new RssSampler(pid, resetPeak(pid)).start();
  const t0 = nowMs();
  return async (extraWaitMs = 0) => {
    await settle(ctx);
    if (extraWaitMs > 0) await sleep(extraWaitMs);
    sampler.stop();
    const after = await ctx.load.counters();
    const steady = memory(pid).rssBytes;
    const cpu = cpuSeconds(pid) - cpu0;
    const machine1 = machineCpu();
    const loadCpuSeconds = loadCpu(ctx) - load0;
    return {
      cpuSeconds: cpu,
      loadCpuSeconds,
      otherCpuSeconds: Math.max(0, machine1.tasks - machine0.tasks - cpu - loadCpuSeconds),
      irqCpuSeconds: machine1.irq - machine0.irq,
      peakRssMb: mb(sampler.max),
      steadyRssMb: mb(steady),
      bytes: after.bytes - before.bytes,
      bytesByType: Object.fromEntries(
        Object.entries(after.bytesByType)
          .map(([t, n]) => [t, n - (before.bytesByType[t] ?? 0)] as const)
          .filter(([, n]) => n > 0)
          .sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
      responses: after.responses - before.responses,
      wallMs: nowMs() - t0,
    };
  };
}

/** A scenario that changes the config and waits for the change to reach every client. */
export interface ChangeScenario {
  readonly name: string;
  plan(ctx: BenchContext, rev: number): Change;
  /** The issue 3 targets of this scenario, given its convergence and the floor p99. */
  targets(ctx: BenchContext, convergence: LatencyStats, floorP99: number | undefined): Target[];
}

export interface ChangeRun {
  readonly convergence: LatencyStats;
  /** The warm-up runs before the measured ones (not pooled); undefined when there were none. */
  readonly warmup: LatencyStats | undefined;
  readonly window: WindowResult;
  readonly runs: number;
}

/**
 * Runs `scenario` `warmup` times unmeasured, then `runs` times, pooling every client's convergence
 * time over the measured runs. The warm-up runs are reported on their own: the first change of a
 * kind after start-up or an idle period meets code V8 has not optimized for it yet (the push path
 * shares its functions with Galley's MCP stream, whose first push deoptimizes them), which says
 * how a fresh or long-idle process reacts, not how a busy mesh converges.
 */
export async function runChange(
  ctx: BenchContext,
  scenario: ChangeScenario,
  runs: number,
  warmup = 0,
): Promise<ChangeRun> {
  const warm: number[] = [];
  for (let r = 0; r < warmup; r++) {
    await settle(ctx);
    const times = await changeOnce(ctx, scenario);
    warm.push(...times);
    ctx.progress?.(`  warm-up ${r + 1}: ${runLine(times)}`);
  }
  await settle(ctx);
  const close = await openWindow(ctx);
  const latencies: number[] = [];
  for (let r = 0; r < runs; r++) {
    if (r > 0) await settle(ctx);
    const times = await changeOnce(ctx, scenario);
    latencies.push(...times);
    ctx.progress?.(`  run ${r + 1}: ${runLine(times)}`);
  }
  const window = await close();
  return {
    convergence: latencyStats(latencies),
    warmup: warm.length > 0 ? latencyStats(warm) : undefined,
    window,
    runs,
  };
}

/** One change, written the moment the clients are armed; every client's convergence time. */
async function changeOnce(ctx: BenchContext, scenario: ChangeScenario): Promise<number[]> {
  const change = scenario.plan(ctx, ctx.nextRev());
  const id = await ctx.load.arm(change.items);
  const t0 = nowMs();
  await change.write();
  const arrivals = await ctx.load.waitMatched(id, Date.now() + ctx.timeoutMs);
  return arrivals.times.map((t) => t - t0);
}

function runLine(times: number[]): string {
  const one = latencyStats(times);
  return `p50 ${one.p50.toFixed(1)} p99 ${one.p99.toFixed(1)} max ${one.max.toFixed(1)} ms`;
}
