/**
 * Durations as operators write them for istiod (`--keepaliveInterval 30s`,
 * `--keepaliveMaxServerConnectionAge 30m`): Go's `time.ParseDuration` syntax, a sequence of
 * decimal numbers each with a unit (`ms`, `s`, `m`, `h`; also `us`/`µs`/`ns`), e.g. `1h30m`,
 * `1.5s`. A plain number is milliseconds, so the older millisecond flags keep working.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PLAIN = /^\d+(\.\d+)?$/;
const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/**
 * Milliseconds in `text` (rounded to a whole millisecond), or an error message naming what was
 * expected. Never throws; negative durations are refused (no option here means "before now").
 */
export function parseDuration(text: string): { ok: true; ms: number } | { ok: false; error: string } {
  const s = text.trim();
  const bad = {
    ok: false as const,
    error: `expected a duration such as 500ms, 30s, 30m, 1h or 1h30m (or milliseconds), got ${JSON.stringify(text)}`,
  };
  if (s === '') return bad;
  if (PLAIN.test(s)) return { ok: true, ms: Math.round(Number(s)) };
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== at) return bad;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  if (!Number.isFinite(total)) return bad;
  return { ok: true, ms: Math.round(total) };
}

/** `30000` → `30s`, `1800000` → `30m`: the shortest exact form, for logs and usage text. */
export function formatDuration(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms > 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
