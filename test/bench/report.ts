/**
 * The bench's figures and how they print: convergence percentiles per scenario, meshplane's CPU
 * seconds and RSS, bytes delivered, the floor and the issue 3 targets checked against them.
 */
import type { FloorResult } from './floor.js';

export interface LatencyStats {
  /** Clients expected. */
  readonly count: number;
  /** Clients that converged (the rest timed out). */
  readonly converged: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Percentiles of the converged values; NaN entries (never converged) count only in `count`. */
export function latencyStats(values: readonly number[]): LatencyStats {
  const ok = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return {
    count: values.length,
    converged: ok.length,
    p50: percentile(ok, 50),
    p99: percentile(ok, 99),
    max: ok.length ? ok[ok.length - 1]! : Number.NaN,
  };
}

export interface Target {
  readonly description: string;
  readonly limit: number;
  readonly value: number;
  readonly pass: boolean;
}

export interface ScenarioResult {
  readonly name: string;
  readonly runs: number;
  /** Convergence to every affected client (ms), pooled over runs. */
  readonly convergence: LatencyStats;
  /** The same over the unmeasured warm-up runs (`--warmup`), absent without them. */
  readonly warmup?: LatencyStats;
  /** meshplane's CPU seconds over the scenario window (all runs). */
  readonly cpuSeconds: number;
  /** The load generator's CPU seconds over the same window. */
  readonly loadCpuSeconds: number;
  /** Everything else on the machine over the same window (a noisy neighbour shows here). */
  readonly otherCpuSeconds: number;
  /** Interrupt and softirq time over the window (loopback networking). */
  readonly irqCpuSeconds: number;
  readonly peakRssMb: number;
  readonly steadyRssMb: number;
  /** Response bytes received by the clients (framing included), all runs. */
  readonly bytes: number;
  /** Response bytes by xDS type (CDS, EDS, LDS, RDS), all runs. */
  readonly bytesByType: Record<string, number>;
  readonly responses: number;
  /** Bytes per affected client per run: the size the floor broadcasts. */
  readonly pushBytesPerClient: number;
  readonly floor?: FloorResult;
  readonly targets: Target[];
  readonly wallMs: number;
}

export interface BenchConfig {
  readonly clients: number;
  readonly services: number;
  readonly endpoints: number;
  readonly mode: string;
  readonly shape: string;
  readonly workers: number;
  readonly debounceMs: number;
  /** `single`: meshplane discovery; `split`: meshplane galley + meshplane pilot (issue 5). */
  readonly topology?: string;
  readonly commit?: string;
  readonly node: string;
  readonly cpus: number;
}

export interface BenchResult {
  readonly config: BenchConfig;
  readonly scenarios: ScenarioResult[];
  readonly startupMs: number;
  readonly startupRssMb: number;
  /** Load-generator stream failures and unreadable responses. */
  readonly clientErrors: { streams: number; responses: number; last: string };
  /** The floor for a small push (one resource), to compare with the floor issue 3 quotes. */
  readonly floorBaseline?: FloorResult;
  readonly pass: boolean;
}

export const mb = (bytes: number): number => Math.round((bytes / (1024 * 1024)) * 10) / 10;

function ms(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;
}

function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

export function formatReport(r: BenchResult): string {
  const c = r.config;
  const lines = [
    `meshplane bench: N=${c.clients} clients (${c.shape}, ${c.mode}), M=${c.services} services × K=${c.endpoints} endpoints, ` +
      `${c.workers} load processes, debounce ${c.debounceMs} ms, node ${c.node}, ${c.cpus} CPUs` +
      (c.topology ? `, topology ${c.topology}` : ''),
    `startup: ready in ${ms(r.startupMs)}, RSS ${r.startupRssMb} MB`,
  ];
  const b = r.floorBaseline;
  if (b)
    lines.push(
      `floor for a ${size(b.sizeBytes)} push to all ${b.count} streams: p50 ${ms(b.p50)}, p99 ${ms(b.p99)}, max ${ms(b.max)}`,
    );
  lines.push('');
  const head = [
    'scenario',
    'conv',
    'p50',
    'p99',
    'max',
    'floor p99',
    '×floor',
    'cpu s',
    'load cpu',
    'other cpu',
    'irq cpu',
    'peak MB',
    'steady MB',
    'bytes',
    'push/client',
  ];
  const rows = r.scenarios.map((s) => [
    s.runs > 1 ? `${s.name} ×${s.runs}` : s.name,
    `${s.convergence.converged}/${s.convergence.count}`,
    ms(s.convergence.p50),
    ms(s.convergence.p99),
    ms(s.convergence.max),
    s.floor ? ms(s.floor.p99) : '-',
    s.floor && s.floor.p99 > 0 ? (s.convergence.p99 / s.floor.p99).toFixed(2) : '-',
    s.cpuSeconds.toFixed(2),
    s.loadCpuSeconds.toFixed(2),
    s.otherCpuSeconds.toFixed(2),
    s.irqCpuSeconds.toFixed(2),
    String(s.peakRssMb),
    String(s.steadyRssMb),
    size(s.bytes),
    size(s.pushBytesPerClient),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  lines.push(row(head, widths), ...rows.map((x) => row(x, widths)), '');
  const warmed = r.scenarios.filter((s) => s.warmup);
  if (warmed.length > 0) {
    lines.push('warm-up runs (not in the figures above: the first change of each kind after the idle):');
    for (const s of warmed) {
      const w = s.warmup!;
      lines.push(`  ${s.name.padEnd(widths[0]!)}  p50 ${ms(w.p50)}, p99 ${ms(w.p99)}, max ${ms(w.max)}`);
    }
    lines.push('');
  }
  lines.push('bytes per client per run, by type:');
  for (const s of r.scenarios) {
    const per = Math.max(1, s.convergence.count);
    const parts = Object.entries(s.bytesByType).map(([t, n]) => `${t} ${size(Math.round(n / per))}`);
    lines.push(`  ${s.name.padEnd(widths[0]!)}  ${parts.join(', ') || '-'}`);
  }
  lines.push('');
  const targets = r.scenarios.flatMap((s) => s.targets.map((t) => ({ s: s.name, t })));
  if (targets.length) {
    lines.push('targets (issue 3):');
    for (const { s, t } of targets)
      lines.push(`  ${t.pass ? 'PASS' : 'FAIL'}  ${s}: ${t.description} (${fmtTarget(t)})`);
  }
  if (r.clientErrors.streams || r.clientErrors.responses)
    lines.push(
      `client errors: ${r.clientErrors.streams} streams failed, ${r.clientErrors.responses} responses unreadable` +
        (r.clientErrors.last ? ` (last: ${r.clientErrors.last})` : ''),
    );
  return lines.join('\n');
}

function fmtTarget(t: Target): string {
  const isMb = t.description.includes('RSS');
  return isMb ? `${t.value} MB vs ${t.limit} MB` : `${ms(t.value)} vs ${ms(t.limit)}`;
}
