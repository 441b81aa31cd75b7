/**
 * CI smoke of the issue 5 hop measurement: the bench runs against `meshplane galley` +
 * `meshplane pilot` (every client converges in every scenario), and the in-process MCP hop is
 * measured. Needs dist/ (`npm test` builds it first).
 */
import { describe, expect, it } from 'vitest';
import { CHANGE_SCENARIOS, DEFAULT_OPTIONS, runBench } from './bench.js';
import { measureMcpHop } from './hop.js';
import { formatReport } from './report.js';

describe('bench, split topology (issue 5)', () => {
  it(
    'every client of a Pilot fed by a separate Galley converges in every scenario',
    { timeout: 120_000 },
    async () => {
      const clients = 10;
      const r = await runBench({
        ...DEFAULT_OPTIONS,
        topology: 'split',
        clients,
        services: 10,
        endpoints: 2,
        workers: 1,
        repeat: 1,
        floorRounds: 0,
        timeoutMs: 30_000,
        settleMs: 200,
        steadyWaitMs: 0,
      });
      expect(r.config.topology).toBe('split');
      expect(r.scenarios.map((s) => s.name)).toEqual([
        'connect-storm',
        ...CHANGE_SCENARIOS.map((s) => s.name),
      ]);
      for (const s of r.scenarios) expect(s.convergence.converged, s.name).toBe(clients);
      expect(formatReport(r)).toContain('topology split');
    },
  );

  it('measures the MCP hop alone', async () => {
    const hop = await measureMcpHop(20, 10);
    expect(hop.converged).toBe(10);
    expect(hop.p50).toBeGreaterThan(0);
    expect(hop.p50).toBeLessThan(1000);
  });
});
