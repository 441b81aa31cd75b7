import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../src/galley/sources/kube-http.js';
import {
  decideObjectStatus,
  decideReconciledStatus,
  MAX_ERROR_CHARS,
  reconciledMessage,
  type ProxyRejection,
} from '../../../../src/galley/status/reconciled-status.js';
import { MAX_MESSAGE_LENGTH } from '../../../../src/galley/status/validation-status.js';
import type { ConfigError } from '../../../../src/galley/validation/result.js';

const NOW = '2025-01-02T03:04:05Z';
const LATER = '2025-01-02T04:00:00Z';

const sidecar = (i: number): string => `sidecar~10.0.0.${i}~app-${i}.default~default.svc.cluster.local`;
const rds = (proxy: string, error = 'route config 9080: invalid regex'): ProxyRejection => ({
  proxy,
  type: 'RDS',
  resources: ['9080'],
  error,
});
const WEIGHT: ConfigError = { source: 'kubernetes', path: 'spec.http[0].route[0].weight', message: 'bad' };

describe('reconciledMessage', () => {
  it('names the proxy, what it rejected and the error', () => {
    expect(reconciledMessage([rds(sidecar(1))])).toBe(
      `rejected by 1 proxy: ${sidecar(1)} (RDS 9080): route config 9080: invalid regex`,
    );
  });

  it('names the first 5 proxies by id, counts the rest, and says when errors differ', () => {
    const proxies = [9, 3, 1, 7, 5, 2, 8].map((i) => rds(sidecar(i), i === 8 ? 'other error' : undefined));
    const m = reconciledMessage(proxies);
    expect(m).toMatch(/^rejected by 7 proxies: /);
    const named = [1, 2, 3, 5, 7].map((i) => `${sidecar(i)} (RDS 9080)`).join(', ');
    expect(m).toBe(
      `rejected by 7 proxies: ${named} and 2 more: route config 9080: invalid regex (and 1 other error)`,
    );
    expect(m).not.toContain(sidecar(9));
    // Input order does not matter: the same set makes the same message (no write per report).
    expect(reconciledMessage([...proxies].reverse())).toBe(m);
  });

  it('groups the types one proxy rejects, and caps resource names', () => {
    const m = reconciledMessage([
      rds(sidecar(1)),
      {
        proxy: sidecar(1),
        type: 'CDS',
        resources: ['outbound|9080||a', 'outbound|9080||b', 'outbound|9080||c', 'outbound|9080||d'],
        error: 'cluster outbound|9080||a: bad lb policy',
      },
    ]);
    expect(m).toBe(
      `rejected by 1 proxy: ${sidecar(1)} (CDS outbound|9080||a,outbound|9080||b,outbound|9080||c +1; ` +
        `RDS 9080): cluster outbound|9080||a: bad lb policy (and 1 other error)`,
    );
  });

  it('truncates a long error, and caps the whole message', () => {
    const m = reconciledMessage([rds(sidecar(1), 'x'.repeat(5000))]);
    expect(m.endsWith('...')).toBe(true);
    expect(m.length).toBeLessThan(MAX_ERROR_CHARS + 200);
    const huge = Array.from({ length: 10 }, (_, i) => ({
      ...rds(sidecar(i)),
      resources: Array.from({ length: 10 }, (_, j) => `r${j}`.repeat(2000)),
    }));
    expect(reconciledMessage(huge).length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
  });
});

describe('decideReconciledStatus', () => {
  it('marks a rejected object Reconciled=False, reason RejectedByProxy, with its generation', () => {
    const u = decideReconciledStatus({
      status: undefined,
      generation: 2,
      rejections: [rds(sidecar(1))],
      now: NOW,
    });
    expect(u).toEqual({
      conditions: [
        {
          type: 'Reconciled',
          status: 'False',
          reason: 'RejectedByProxy',
          message: reconciledMessage([rds(sidecar(1))]),
          observedGeneration: 2,
          lastTransitionTime: NOW,
        },
      ],
      observedGeneration: 2,
    });
  });

  it('writes nothing for an object never rejected, nor when the status already says it', () => {
    expect(decideReconciledStatus({ status: {}, generation: 1, rejections: [], now: NOW })).toBeUndefined();
    const first = decideReconciledStatus({
      status: {},
      generation: 1,
      rejections: [rds(sidecar(1))],
      now: NOW,
    })!;
    expect(
      decideReconciledStatus({ status: first, generation: 1, rejections: [rds(sidecar(1))], now: LATER }),
    ).toBeUndefined();
  });

  it('flips to True / Accepted once no proxy rejects it, moving lastTransitionTime', () => {
    const failed = decideReconciledStatus({
      status: {},
      generation: 1,
      rejections: [rds(sidecar(1))],
      now: NOW,
    })!;
    const ok = decideReconciledStatus({ status: failed, generation: 1, rejections: [], now: LATER })!;
    expect(ok.conditions).toEqual([
      {
        type: 'Reconciled',
        status: 'True',
        reason: 'Accepted',
        message: 'no connected proxy rejects the configuration generated from this object',
        observedGeneration: 1,
        lastTransitionTime: LATER,
      },
    ]);
    // More proxies rejecting: a new message, the same transition time.
    const more = decideReconciledStatus({
      status: failed,
      generation: 1,
      rejections: [rds(sidecar(1)), rds(sidecar(2))],
      now: LATER,
    })!;
    expect(more.conditions[0]).toMatchObject({ status: 'False', lastTransitionTime: NOW });
    expect(more.conditions[0]!.message).toContain('rejected by 2 proxies');
  });

  it("keeps other writers' conditions in place", () => {
    const status = { conditions: [{ type: 'Other', status: 'True', reason: 'X' }] };
    const u = decideReconciledStatus({ status, generation: 1, rejections: [rds(sidecar(1))], now: NOW })!;
    expect(u.conditions.map((c) => c.type)).toEqual(['Other', 'Reconciled']);
    expect(u.conditions[0]).toEqual(status.conditions[0]);
  });
});

describe('decideObjectStatus: both verdicts in one update', () => {
  const object = (status?: unknown, generation = 3): KubeObject => ({
    metadata: { name: 'reviews', namespace: 'default', resourceVersion: '10', generation },
    ...(status !== undefined ? { status } : {}),
  });

  it('writes Valid and Reconciled together, neither overwriting the other', () => {
    const u = decideObjectStatus({
      object: object(),
      errors: [WEIGHT],
      rejections: [rds(sidecar(1))],
      now: NOW,
    })!;
    expect(u.conditions.map((c) => [c.type, c.status])).toEqual([
      ['Valid', 'False'],
      ['Reconciled', 'False'],
    ]);
    expect(u.observedGeneration).toBe(3);
  });

  it('changing one condition keeps the other as it is', () => {
    const both = decideObjectStatus({
      object: object(),
      errors: [WEIGHT],
      rejections: [rds(sidecar(1))],
      now: NOW,
    })!;
    const fixed = decideObjectStatus({ object: object(both), errors: [WEIGHT], rejections: [], now: LATER })!;
    expect(fixed.conditions).toEqual([
      both.conditions[0],
      expect.objectContaining({ type: 'Reconciled', status: 'True' }),
    ]);
    const valid = decideObjectStatus({ object: object(fixed), errors: [], rejections: [], now: LATER })!;
    expect(valid.conditions.map((c) => [c.type, c.status])).toEqual([
      ['Valid', 'True'],
      ['Reconciled', 'True'],
    ]);
    expect(
      decideObjectStatus({ object: object(valid), errors: [], rejections: [], now: LATER }),
    ).toBeUndefined();
  });

  it('writes nothing for a healthy object', () => {
    expect(decideObjectStatus({ object: object(), errors: [], rejections: [], now: NOW })).toBeUndefined();
  });
});
