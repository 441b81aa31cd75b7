import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/options.js';
import { formatDuration, parseDuration } from '../../../src/util/duration.js';
import {
  buildServerChannelOptions,
  MAX_TIMER_MS,
  pickServerConnectionOptions,
} from '../../../src/xds/server-channel-options.js';

const ISTIOD = {
  keepaliveIntervalMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  maxConnectionAgeMs: 30 * 60_000,
  maxConnectionAgeGraceMs: 10_000,
};

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
    ['500ms', 500],
    ['2m3s', 123_000],
    ['1500us', 2],
    ['0', 0],
    ['0s', 0],
    ['250', 250],
    [' 10s ', 10_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  it.each(['', 's', '-5s', '10x', '1h 30m', '5 s', 'ten seconds', '1e3', '30s5', '1.s'])(
    'refuses %j',
    (text) => {
      const r = parseDuration(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain(JSON.stringify(text));
    },
  );

  it('formats back to the shortest exact form', () => {
    expect([30_000, 1_800_000, 3_600_000, 1_500, 0].map(formatDuration)).toEqual([
      '30s',
      '30m',
      '1h',
      '1500ms',
      '0ms',
    ]);
  });
});

describe('buildServerChannelOptions', () => {
  it("maps istiod's defaults onto the options grpc-js servers honour", () => {
    expect(buildServerChannelOptions(ISTIOD)).toEqual({
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.max_connection_age_ms': 1_800_000,
      'grpc.max_connection_age_grace_ms': 10_000,
    });
  });

  it('leaves out what is turned off (0), so grpc-js keeps its unlimited defaults', () => {
    expect(buildServerChannelOptions({ ...ISTIOD, keepaliveIntervalMs: 0, maxConnectionAgeMs: 0 })).toEqual(
      {},
    );
  });

  it('always sets a grace with an age: without one an ADS stream pins the old connection forever', () => {
    const out = buildServerChannelOptions({ ...ISTIOD, maxConnectionAgeGraceMs: 0 });
    expect(out['grpc.max_connection_age_grace_ms']).toBe(0);
    expect(out['grpc.max_connection_age_ms']).toBe(1_800_000);
  });

  it("keeps every timer within Node's limit, the age leaving room for grpc-js's +10 % jitter", () => {
    const year = 365 * 24 * 3_600_000;
    const out = buildServerChannelOptions({
      keepaliveIntervalMs: year,
      keepaliveTimeoutMs: year,
      maxConnectionAgeMs: year,
      maxConnectionAgeGraceMs: year,
    });
    for (const v of Object.values(out)) expect(v).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect((out['grpc.max_connection_age_ms'] as number) * 1.1).toBeLessThanOrEqual(MAX_TIMER_MS);
  });

  it('never arms a 0 ms ping timeout', () => {
    const out = buildServerChannelOptions({ ...ISTIOD, keepaliveTimeoutMs: 0 });
    expect(out['grpc.keepalive_timeout_ms']).toBe(1);
  });

  it('picks only the connection fields out of the parsed options', () => {
    const parsed = parseArgs(['discovery']);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(pickServerConnectionOptions(parsed.options as typeof ISTIOD)).toEqual(ISTIOD);
  });
});

describe('keepalive, connection age and drain flags', () => {
  it("default to istiod's values and a 5 s drain", () => {
    const parsed = parseArgs(['discovery']);
    expect(parsed.ok && parsed.options).toMatchObject({ ...ISTIOD, drainDurationMs: 5_000 });
  });

  it('take durations on discovery and pilot', () => {
    const flags = [
      '--keepalive-interval',
      '1m',
      '--keepalive-timeout=5s',
      '--keepalive-max-server-connection-age',
      '1h',
      '--keepalive-max-server-connection-age-grace',
      '2500ms',
      '--drain-duration',
      '20s',
    ];
    const want = {
      keepaliveIntervalMs: 60_000,
      keepaliveTimeoutMs: 5_000,
      maxConnectionAgeMs: 3_600_000,
      maxConnectionAgeGraceMs: 2_500,
      drainDurationMs: 20_000,
    };
    const discovery = parseArgs(['discovery', ...flags]);
    expect(discovery.ok && discovery.options).toMatchObject(want);
    const pilot = parseArgs(['pilot', '--mcp-server', '127.0.0.1:9901', ...flags]);
    expect(pilot.ok && pilot.options).toMatchObject(want);
  });

  it('gives galley a drain duration but no xDS keepalive flags', () => {
    const ok = parseArgs(['galley', '--drain-duration', '3s']);
    expect(ok.ok && ok.options).toMatchObject({ drainDurationMs: 3_000 });
    const bad = parseArgs(['galley', '--keepalive-interval', '3s']);
    expect(bad.ok).toBe(false);
  });

  it('names the flag and the expected syntax on a bad duration', () => {
    const parsed = parseArgs(['discovery', '--drain-duration', 'soon']);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error).toContain('drainDurationMs');
      expect(parsed.error).toContain('30s');
    }
  });
});
