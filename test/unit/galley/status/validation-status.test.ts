import { describe, expect, it } from 'vitest';
import {
  decideValidationStatus,
  MAX_MESSAGE_LENGTH,
  readConditions,
  rfc3339,
  validationMessage,
} from '../../../../src/galley/status/validation-status.js';
import type { ConfigError } from '../../../../src/galley/validation/result.js';

const NOW = '2025-01-02T03:04:05Z';
const LATER = '2025-01-02T04:00:00Z';

const err = (path: string, message: string): ConfigError => ({ source: 'kubernetes', path, message });
const WEIGHT = err('spec.http[0].route[0].weight', 'weight -1 must be >= 0');
const HOSTS = err('spec.hosts', 'at least one host is required');

describe('validationMessage', () => {
  it('joins every error with its field path', () => {
    expect(validationMessage([WEIGHT, HOSTS])).toBe(
      'spec.http[0].route[0].weight: weight -1 must be >= 0; spec.hosts: at least one host is required',
    );
    expect(validationMessage([err('', 'document is empty')])).toBe('document is empty');
  });

  it("caps the message at metav1.Condition's limit", () => {
    const many = Array.from({ length: 2000 }, (_, i) => err(`spec.http[${i}].name`, 'x'.repeat(40)));
    const m = validationMessage(many);
    expect(m.length).toBe(MAX_MESSAGE_LENGTH);
    expect(m).toMatch(/\(2000 errors in all\)$/);
  });
});

describe('decideValidationStatus', () => {
  it('marks an invalid object Valid=False with the errors and its generation', () => {
    const u = decideValidationStatus({ status: undefined, generation: 3, errors: [WEIGHT], now: NOW });
    expect(u).toEqual({
      conditions: [
        {
          type: 'Valid',
          status: 'False',
          reason: 'ValidationFailed',
          message: 'spec.http[0].route[0].weight: weight -1 must be >= 0',
          observedGeneration: 3,
          lastTransitionTime: NOW,
        },
      ],
      observedGeneration: 3,
    });
  });

  it('writes nothing for a valid object that never failed', () => {
    expect(decideValidationStatus({ status: {}, generation: 1, errors: [], now: NOW })).toBeUndefined();
    expect(decideValidationStatus({ status: undefined, errors: [], now: NOW })).toBeUndefined();
  });

  it('writes nothing when the status already says it (no write per event)', () => {
    const first = decideValidationStatus({ status: undefined, generation: 3, errors: [WEIGHT], now: NOW })!;
    expect(
      decideValidationStatus({ status: first, generation: 3, errors: [WEIGHT], now: LATER }),
    ).toBeUndefined();
  });

  it('flips to True when a later version is valid, with a new transition time', () => {
    const failed = decideValidationStatus({ status: undefined, generation: 3, errors: [WEIGHT], now: NOW })!;
    const fixed = decideValidationStatus({ status: failed, generation: 4, errors: [], now: LATER });
    expect(fixed?.conditions).toEqual([
      {
        type: 'Valid',
        status: 'True',
        reason: 'ValidationPassed',
        message: 'the object passed validation',
        observedGeneration: 4,
        lastTransitionTime: LATER,
      },
    ]);
    expect(fixed?.observedGeneration).toBe(4);
    expect(decideValidationStatus({ status: fixed, generation: 4, errors: [], now: LATER })).toBeUndefined();
  });

  it('keeps lastTransitionTime while the status does not flip, but updates message and generation', () => {
    const failed = decideValidationStatus({ status: undefined, generation: 3, errors: [WEIGHT], now: NOW })!;
    const again = decideValidationStatus({
      status: failed,
      generation: 5,
      errors: [WEIGHT, HOSTS],
      now: LATER,
    });
    expect(again?.conditions[0]).toMatchObject({
      status: 'False',
      lastTransitionTime: NOW,
      observedGeneration: 5,
    });
    expect(again?.conditions[0]?.message).toContain('spec.hosts: at least one host is required');
  });

  it("keeps other writers' conditions in place and replaces only its own", () => {
    const reconciled = { type: 'Reconciled', status: 'True', message: '3/3 proxies up to date.', extra: 1 };
    const status = {
      conditions: [
        reconciled,
        { type: 'Valid', status: 'True', reason: 'ValidationPassed', lastTransitionTime: NOW },
      ],
      validationMessages: [{ type: { code: 'IST0101' } }],
    };
    const u = decideValidationStatus({ status, generation: 2, errors: [HOSTS], now: LATER })!;
    expect(u.conditions[0]).toEqual(reconciled);
    expect(u.conditions[1]).toMatchObject({ type: 'Valid', status: 'False', lastTransitionTime: LATER });
    expect(u.conditions).toHaveLength(2);
    // validationMessages is not ours: a merge patch of `status` leaves it alone.
    expect(u).not.toHaveProperty('validationMessages');
  });

  it('rewrites when observedGeneration lags, reading it as number or protobuf string', () => {
    const failed = decideValidationStatus({ status: undefined, generation: 3, errors: [WEIGHT], now: NOW })!;
    const asString = { ...failed, observedGeneration: '3' };
    expect(
      decideValidationStatus({ status: asString, generation: 3, errors: [WEIGHT], now: LATER }),
    ).toBeUndefined();
    const lagging = { ...failed, observedGeneration: 2 };
    expect(
      decideValidationStatus({ status: lagging, generation: 3, errors: [WEIGHT], now: LATER }),
    ).toBeDefined();
  });

  it('never throws on odd status content', () => {
    for (const status of [null, 'x', 42, [], { conditions: 'no' }, { conditions: [null, 1, { type: 3 }] }]) {
      expect(readConditions(status)).toEqual([]);
      expect(
        decideValidationStatus({ status, generation: 1, errors: [WEIGHT], now: NOW })?.conditions,
      ).toHaveLength(1);
    }
  });
});

describe('rfc3339', () => {
  it('writes seconds precision as metav1.Time', () => {
    expect(rfc3339(new Date('2025-01-02T03:04:05.678Z'))).toBe('2025-01-02T03:04:05Z');
  });
});
