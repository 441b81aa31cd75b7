/**
 * Golden tests of the xDS translation (design §6.3), for proxyless gRPC clients (the default
 * node) and for Envoy-style sidecars and gateways (a `proxy.yaml` with a `sidecar~`/`router~` node
 * and no `GENERATOR: grpc`): each `test/testdata/pilot/<case>/` holds `input.yaml` (Istio
 * config), optional `proxy.yaml` (xDS node) and `watch.yaml` (subscriptions per type), and
 * `expected/*.yaml`. `vitest -u` regenerates the expected files; under CI a mismatch or a missing
 * file fails. Stale expected files fail too. Proxyless resources must pass @grpc/grpc-js-xds's own
 * validation, the check a real client applies before ACKing; Envoy-style ones must use only
 * fields and enum values of Envoy's protos and pass the cross-resource lint (envoy-lint.ts).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envoyLintErrors, unknownFieldErrors } from './envoy-lint.js';
import { grpcValidationError, runCase, type CaseOutput } from './pilot-harness.js';

const ROOT = path.resolve(import.meta.dirname, '../testdata/pilot');
const cases = readdirSync(ROOT)
  .filter((d) => statSync(path.join(ROOT, d)).isDirectory())
  .sort();

describe('pilot golden', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(12);
  });

  for (const name of cases) {
    const dir = path.join(ROOT, name);
    describe(name, () => {
      it('has an input', () => {
        expect(existsSync(path.join(dir, 'input.yaml'))).toBe(true);
      });

      let output: CaseOutput | undefined;
      let failure: unknown;
      try {
        output = runCase(dir);
      } catch (err) {
        failure = err;
      }

      it('translates without error', () => {
        expect(failure).toBeUndefined();
      });

      it('matches the expected files', async () => {
        for (const [file, text] of output!.files) {
          await expect(text).toMatchFileSnapshot(path.join(dir, 'expected', file));
        }
      });

      it('has no stale expected files', () => {
        const expectedDir = path.join(dir, 'expected');
        const present = existsSync(expectedDir) ? readdirSync(expectedDir) : [];
        const stale = present.filter((f) => !output!.files.has(f));
        expect(stale, `stale files in ${expectedDir}`).toEqual([]);
      });

      if (output && !output.envoy) {
        it('passes grpc-js-xds resource validation', () => {
          for (const r of output!.resources) {
            expect(grpcValidationError(r), `${r.typeUrl} ${r.name}`).toBeUndefined();
          }
        });
      }

      if (output?.envoy) {
        it('uses only fields of the Envoy protos', () => {
          const errors: string[] = [];
          for (const [typeUrl, list] of output!.messages) {
            for (const r of list) errors.push(...unknownFieldErrors(typeUrl, r.name, r.message));
          }
          expect(errors).toEqual([]);
        });

        it('passes the Envoy cross-resource lint', () => {
          expect(envoyLintErrors(output!.decoded)).toEqual([]);
        });
      }
    });
  }
});
