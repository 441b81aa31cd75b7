/**
 * The cost of the Galley → Pilot hop (issue 5), two ways:
 *
 * - `compareTopologies`: the same bench (same config, clients and changes) against
 *   `meshplane discovery` (one process; Galley and Pilot talk MCP over loopback inside it) and
 *   against `meshplane galley` + `meshplane pilot` (two processes); the difference in convergence
 *   (config-directory write → client update) per scenario is the price of splitting.
 * - `measureMcpHop`: the hop alone, in one process: a change written to Galley's ConfigStore →
 *   the same change applied to a Pilot-side store by the MCP client (encode, delta ADS over
 *   loopback gRPC, decode, validate, apply), with M services' config loaded.
 */
import { ConfigStore } from '../../src/galley/config-store.js';
import { McpApplier } from '../../src/mcp/apply.js';
import { McpClient } from '../../src/mcp/client.js';
import { ISTIO_COLLECTIONS } from '../../src/mcp/collections.js';
import { McpServer } from '../../src/mcp/server.js';
import type { Config } from '../../src/model/config.js';
import { silentLogger } from '../../src/util/log.js';
import { runBench, type BenchOptions } from './bench.js';
import { latencyStats, type BenchResult, type LatencyStats } from './report.js';

export interface HopComparison {
  readonly single: BenchResult;
  readonly split: BenchResult;
  readonly mcpHop: LatencyStats;
}

export async function compareTopologies(options: BenchOptions): Promise<HopComparison> {
  const progress = options.progress ?? (() => undefined);
  progress('topology single (meshplane discovery)');
  const single = await runBench({ ...options, topology: 'single' });
  progress('topology split (meshplane galley + meshplane pilot)');
  const split = await runBench({ ...options, topology: 'split' });
  progress(`MCP hop alone, in one process, ${options.services} services loaded`);
  const mcpHop = await measureMcpHop(options.services, Math.max(20, options.repeat * 10));
  return { single, split, mcpHop };
}

function virtualService(i: number, rev: number): Config {
  const host = `svc-${i}.bench.svc.cluster.local`;
  return {
    meta: {
      kind: 'VirtualService',
      apiVersion: 'networking.istio.io/v1',
      name: `svc-${i}`,
      namespace: 'bench',
      labels: {},
      annotations: {},
      resourceVersion: `${i}-${rev}`,
    },
    spec: {
      hosts: [host],
      http: [
        {
          match: [{ headers: { 'x-rev': { exact: String(rev) } } }],
          route: [{ destination: { host, subset: 'v2' } }],
        },
        { route: [{ destination: { host, subset: 'v1' } }] },
      ],
    },
  };
}

/** Store write → applied on the far side, `runs` times, one change at a time. */
export async function measureMcpHop(services: number, runs: number): Promise<LatencyStats> {
  const log = silentLogger();
  const galleyStore = new ConfigStore(log);
  galleyStore.applyBatch({ upserts: Array.from({ length: services }, (_, i) => virtualService(i, 0)) });
  const server = new McpServer({ store: galleyStore, logger: log });
  const port = await server.start('127.0.0.1:0');
  const pilotStore = new ConfigStore(log);
  let onApplied: (() => void) | undefined;
  pilotStore.onChange(() => onApplied?.());
  const client = new McpClient({
    address: `127.0.0.1:${port}`,
    collections: ISTIO_COLLECTIONS.map((c) => c.typeUrl),
    applier: new McpApplier({ store: pilotStore }),
    nodeId: 'bench',
    logger: log,
  });
  client.start();
  try {
    await client.synced();
    const times: number[] = [];
    for (let r = 1; r <= runs; r++) {
      const applied = new Promise<void>((resolve) => (onApplied = resolve));
      const t0 = performance.now();
      galleyStore.apply(virtualService((r * 7919) % services, r));
      await applied;
      times.push(performance.now() - t0);
    }
    return latencyStats(times);
  } finally {
    client.stop();
    await server.stop();
  }
}

const ms = (v: number): string => `${v.toFixed(1)} ms`;

export function formatHop(h: HopComparison): string {
  const lines = [
    'Galley → Pilot hop (issue 5): convergence, config-directory write → client update',
    `${'scenario'.padEnd(16)}  ${'single p50'.padStart(10)}  ${'split p50'.padStart(10)}  ${'+p50'.padStart(8)}  ${'single p99'.padStart(10)}  ${'split p99'.padStart(10)}  ${'+p99'.padStart(8)}`,
  ];
  for (const s of h.single.scenarios) {
    const t = h.split.scenarios.find((x) => x.name === s.name);
    if (!t) continue;
    const a = s.convergence;
    const b = t.convergence;
    lines.push(
      `${s.name.padEnd(16)}  ${ms(a.p50).padStart(10)}  ${ms(b.p50).padStart(10)}  ${ms(b.p50 - a.p50).padStart(8)}  ${ms(a.p99).padStart(10)}  ${ms(b.p99).padStart(10)}  ${ms(b.p99 - a.p99).padStart(8)}`,
    );
  }
  const m = h.mcpHop;
  lines.push(
    `MCP hop alone (store write → applied by the MCP client, one process, loopback, ${h.single.config.services} services loaded): ` +
      `p50 ${ms(m.p50)}, p99 ${ms(m.p99)}, max ${ms(m.max)} over ${m.count} changes`,
  );
  return lines.join('\n');
}
