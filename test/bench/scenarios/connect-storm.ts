/**
 * Connect storm: all N clients connect at once and sync: each has ACKed CDS and LDS holding at
 * least the generated clusters and listeners, and has received (and ACKed) every EDS and RDS name
 * they reference. Convergence is per client from the moment the load generator was told to
 * connect. Targets (issue 3): all synced within 10 s, peak RSS ≤ 1 GB, steady RSS ≤ 300 MB.
 */
import { nowMs } from '../protocol.js';
import { latencyStats, type ScenarioResult } from '../report.js';
import { openWindow, type BenchContext } from './context.js';

export const STORM_LIMIT_MS = 10_000;
export const PEAK_RSS_LIMIT_MB = 1024;
export const STEADY_RSS_LIMIT_MB = 300;

export async function connectStorm(ctx: BenchContext): Promise<ScenarioResult> {
  const close = await openWindow(ctx);
  const t0 = nowMs();
  ctx.load.connect();
  const synced = await ctx.load.waitSynced(Date.now() + ctx.timeoutMs);
  const convergence = latencyStats(synced.times.map((t) => t - t0));
  const w = await close(ctx.steadyWaitMs);
  const all = convergence.converged === convergence.count;
  return {
    name: 'connect-storm',
    runs: 1,
    convergence,
    ...w,
    pushBytesPerClient: ctx.load.clients ? Math.round(w.bytes / ctx.load.clients) : 0,
    targets: [
      {
        description: 'every client synced within 10 s',
        limit: STORM_LIMIT_MS,
        value: all ? convergence.max : Number.POSITIVE_INFINITY,
        pass: all && convergence.max <= STORM_LIMIT_MS,
      },
      {
        description: 'peak RSS ≤ 1 GB',
        limit: PEAK_RSS_LIMIT_MB,
        value: w.peakRssMb,
        pass: w.peakRssMb <= PEAK_RSS_LIMIT_MB,
      },
      {
        description: 'steady RSS ≤ 300 MB',
        limit: STEADY_RSS_LIMIT_MB,
        value: w.steadyRssMb,
        pass: w.steadyRssMb <= STEADY_RSS_LIMIT_MB,
      },
    ],
  };
}
