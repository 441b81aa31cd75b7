/** Merging every replica's rejection report (issue 8): expiry, union per config, determinism, codec. */
import { describe, expect, it } from 'vitest';
import {
  decodeReport,
  encodeReport,
  HEARTBEAT_ANNOTATION,
  isAbandoned,
  isLive,
  mergeRejections,
  REPORT_DATA_KEY,
  REPORT_LABEL,
  reportName,
  type RejectionReport,
} from '../../../../src/galley/status/merge-rejections.js';
import type { ObjectRejections, ProxyRejection } from '../../../../src/galley/status/reconciled-status.js';

const NOW = Date.parse('2026-01-01T00:01:00Z');
const TTL = 45_000;
const nack = (proxy: string, type = 'RDS', error = 'bad route'): ProxyRejection => ({
  proxy,
  type,
  resources: ['9080'],
  error,
});
const vs = (name: string, proxies: ProxyRejection[]): ObjectRejections => ({
  kind: 'VirtualService',
  namespace: 'default',
  name,
  proxies,
});
const report = (replicaId: string, ageMs: number, rejections: ObjectRejections[]): RejectionReport => ({
  replicaId,
  heartbeatMs: NOW - ageMs,
  rejections,
});

describe('mergeRejections', () => {
  it('unions the rejecting proxies of one config over replicas, sorted by proxy', () => {
    const merged = mergeRejections(
      [report('b', 1000, [vs('r', [nack('p2')])]), report('a', 0, [vs('r', [nack('p1')])])],
      NOW,
      TTL,
    );
    expect(merged).toEqual([vs('r', [nack('p1'), nack('p2')])]);
  });

  it('ignores reports whose heartbeat is older than the TTL (a dead replica)', () => {
    const merged = mergeRejections(
      [report('a', TTL + 1, [vs('r', [nack('p1')])]), report('b', 0, [vs('s', [nack('p2')])])],
      NOW,
      TTL,
    );
    expect(merged.map((r) => r.name)).toEqual(['s']);
    expect(mergeRejections([report('a', TTL, [vs('r', [nack('p1')])])], NOW, TTL)).toHaveLength(1);
  });

  it('counts a proxy seen by two replicas (mid-reconnect) once per type; keeps its other types', () => {
    const merged = mergeRejections(
      [
        report('a', 0, [vs('r', [nack('p1', 'RDS', 'old')])]),
        report('b', 0, [vs('r', [nack('p1', 'RDS', 'new'), nack('p1', 'CDS')])]),
      ],
      NOW,
      TTL,
    );
    expect(merged[0]!.proxies).toEqual([nack('p1', 'CDS'), nack('p1', 'RDS', 'old')]);
  });

  it('is independent of the order reports are listed in, and drops empty entries', () => {
    const reports = [
      report('a', 0, [vs('z', [nack('p3')]), vs('empty', [])]),
      report('b', 0, [vs('m', [nack('p1')]), vs('z', [nack('p2')])]),
    ];
    const one = mergeRejections(reports, NOW, TTL);
    expect(mergeRejections([...reports].reverse(), NOW, TTL)).toEqual(one);
    expect(one.map((r) => `${r.name}:${r.proxies.map((p) => p.proxy).join(',')}`)).toEqual([
      'm:p1',
      'z:p2,p3',
    ]);
  });

  it('isLive / isAbandoned: an unreadable heartbeat is expired and abandoned', () => {
    const bad = { replicaId: 'x', heartbeatMs: NaN, rejections: [] };
    expect(isLive(bad, NOW, TTL)).toBe(false);
    expect(isAbandoned(bad, NOW, TTL)).toBe(true);
    expect(isAbandoned(report('a', TTL + 1, []), NOW, TTL)).toBe(false);
    expect(isAbandoned(report('a', 2 * TTL + 1, []), NOW, TTL)).toBe(true);
  });
});

describe('report ConfigMap codec', () => {
  it('round-trips a report through its ConfigMap', () => {
    const r = report('meshplane-7d9f-abc', 0, [vs('r', [nack('p2'), nack('p1')])]);
    const cm = encodeReport(r);
    expect(cm.metadata.name).toBe('meshplane-rejections-meshplane-7d9f-abc');
    expect(cm.metadata.labels).toEqual({ [REPORT_LABEL]: 'true' });
    expect(cm.metadata.annotations?.[HEARTBEAT_ANNOTATION]).toBe('2026-01-01T00:01:00.000Z');
    expect(decodeReport(cm)).toEqual({ ...r, rejections: [vs('r', [nack('p1'), nack('p2')])] });
  });

  it('makes any replica id a valid object name', () => {
    expect(reportName('My_Host.local')).toBe('meshplane-rejections-my-host.local');
    expect(reportName('__')).toBe('meshplane-rejections-replica');
  });

  it('never throws on a broken report: bad JSON, bad entries, no heartbeat', () => {
    const broken = decodeReport({
      metadata: { name: 'meshplane-rejections-x' },
      data: { [REPORT_DATA_KEY]: '{' },
    });
    expect(broken).toMatchObject({ replicaId: 'meshplane-rejections-x', rejections: [] });
    expect(Number.isNaN(broken.heartbeatMs)).toBe(true);
    const partial = decodeReport({
      metadata: { name: 'n', annotations: { [HEARTBEAT_ANNOTATION]: new Date(NOW).toISOString() } },
      data: {
        [REPORT_DATA_KEY]: JSON.stringify([
          42,
          { kind: 'VirtualService', namespace: 'default', name: 'r', proxies: [{ proxy: 'p1' }, nack('p2')] },
        ]),
      },
    });
    expect(partial.heartbeatMs).toBe(NOW);
    expect(partial.rejections).toEqual([vs('r', [nack('p2')])]);
  });
});
