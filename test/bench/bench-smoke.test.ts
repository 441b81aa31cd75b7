/**
 * CI smoke run of the issue 3 benchmark at a small size (N=20, M=20, K=3, each scenario once, in
 * SotW and delta, after one warm-up change each), so the bench keeps working: every client must converge in every scenario and
 * every figure must be produced. The targets are not asserted here (they are about N=2000).
 * Needs dist/ (`npm test` builds it first).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANGE_SCENARIOS, DEFAULT_OPTIONS, runBench } from './bench.js';
import { runFanoutMicro } from './fanout-micro.js';
import { REPO_ROOT } from './meshplane-process.js';
import { formatReport, type BenchResult } from './report.js';

const SMALL = {
  ...DEFAULT_OPTIONS,
  clients: 20,
  services: 20,
  endpoints: 3,
  workers: 2,
  repeat: 1,
  floorRounds: 1,
  timeoutMs: 30_000,
  settleMs: 200,
  steadyWaitMs: 0,
};

function checkFigures(r: BenchResult): void {
  const names = r.scenarios.map((s) => s.name);
  expect(names).toEqual(['connect-storm', ...CHANGE_SCENARIOS.map((s) => s.name)]);
  for (const s of r.scenarios) {
    expect(s.convergence.count, s.name).toBe(SMALL.clients);
    expect(s.convergence.converged, s.name).toBe(SMALL.clients);
    expect(s.convergence.p50, s.name).toBeGreaterThan(0);
    expect(s.convergence.p99, s.name).toBeGreaterThanOrEqual(s.convergence.p50);
    expect(s.convergence.max, s.name).toBeGreaterThanOrEqual(s.convergence.p99);
    expect(s.cpuSeconds, s.name).toBeGreaterThanOrEqual(0);
    expect(s.peakRssMb, s.name).toBeGreaterThan(0);
    expect(s.steadyRssMb, s.name).toBeGreaterThan(0);
    expect(s.bytes, s.name).toBeGreaterThan(0);
    expect(s.responses, s.name).toBeGreaterThanOrEqual(SMALL.clients);
  }
  for (const s of r.scenarios.slice(1)) {
    expect(s.floor, s.name).toBeDefined();
    expect(s.floor!.converged, s.name).toBe(SMALL.clients);
    expect(s.floor!.p99, s.name).toBeGreaterThan(0);
    // One warm-up change per scenario (the default), reported apart from the measured run.
    expect(s.warmup?.converged, s.name).toBe(SMALL.clients);
    expect(s.targets.length, s.name).toBeGreaterThanOrEqual(s.name === 'service-added' ? 0 : 1);
  }
  expect(r.clientErrors).toEqual({ streams: 0, responses: 0, last: '' });
  const text = formatReport(r);
  for (const name of names) expect(text).toContain(name);
  expect(text).toContain('warm-up runs');
}

describe('bench smoke (N=20, M=20, K=3)', () => {
  it('needs a built dist/main.js', () => {
    expect(existsSync(join(REPO_ROOT, 'dist/main.js'))).toBe(true);
  });

  it('SotW: every client converges in every scenario', { timeout: 120_000 }, async () => {
    checkFigures(await runBench({ ...SMALL, mode: 'sotw' }));
  });

  it('delta: every client converges in every scenario', { timeout: 120_000 }, async () => {
    checkFigures(await runBench({ ...SMALL, mode: 'delta' }));
  });
});

describe('fan-out micro-benchmark (npm run bench:fanout)', () => {
  it('pushes an endpoint and a route change to every in-process stream and reports the figures', async () => {
    const figures = await runFanoutMicro({ clients: 50, services: 20, endpoints: 3, rounds: 2, dist: false });
    expect(figures.map((f) => f.scenario)).toEqual(['endpoint change', 'route change']);
    for (const f of figures) {
      for (const v of [f.fanoutMs, f.fanoutMaxMs, f.callbacksMs, f.acksMs])
        expect(Number.isFinite(v)).toBe(true);
      expect(f.fanoutMs).toBeGreaterThan(0);
    }
  }, 60_000);
});
