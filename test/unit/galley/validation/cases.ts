/** Table-test helpers for the per-kind validator tests. */
import { expect, it } from 'vitest';
import type { ConfigError } from '../../../../src/galley/validation/result.js';
import { validateDocument } from '../../../../src/galley/validation/validate.js';

export function doc(
  kind: string,
  spec: unknown,
  metadata: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind,
    metadata: { name: 'x', namespace: 'ns', ...metadata },
    spec,
  };
}

/** `'ok'`, `['warn', path, substring]` (accepted with that warning) or `[path, substring]` (rejected with that error). */
export type Expect = 'ok' | readonly [path: string, message: string] | readonly ['warn', string, string];
export type Case = readonly [name: string, spec: unknown, expect: Expect];

export function errorsOf(obj: unknown): ConfigError[] {
  const r = validateDocument(obj, 'test.yaml');
  return r.ok ? [] : r.errors;
}

export function table(kind: string, cases: readonly Case[]): void {
  it.each(cases)('%s', (_name, spec, want) => {
    const r = validateDocument(doc(kind, spec), 'test.yaml');
    if (want === 'ok') {
      expect(r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    } else if (want[0] === 'warn') {
      expect(r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([]);
      expect(r.warnings ?? []).toEqual(expect.arrayContaining([expect.stringContaining(`${want[1]}: `)]));
      expect((r.warnings ?? []).join('\n')).toContain(want[2]);
    } else {
      expect(r.ok).toBe(false);
      const errs = r.ok ? [] : r.errors;
      const got = errs.map((e) => `${e.path}: ${e.message}`);
      expect(got, got.join('\n')).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^${escape(want[0])}: .*${escape(want[1])}`)),
        ]),
      );
    }
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
