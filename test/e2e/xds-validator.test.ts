/**
 * e2e: every resource meshplane serves to Envoy-style proxies passes Envoy's own proto rules.
 * For each golden case with a sidecar or router node (test/testdata/pilot/<case>/proxy.yaml),
 * a real `meshplane discovery` serves the case's input.yaml from a config directory, and the Go
 * xds-validator (go-control-plane's generated ValidateAll on every resource and every Any inside
 * it, plus a cross-resource lint; built by test/e2e/xds-validator/build.sh) connects over ADS as
 * that node, follows CDS → EDS and LDS → RDS like Envoy, and must report no violation and no NACK.
 * The validator is built first when the peer cache lacks it (build.sh, cached outside the clone);
 * the suite fails, never skips, when it cannot be built.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MeshplaneProcess, REPO_ROOT } from '../integration/support/harness.js';
import { ensureValidator, findValidator, runValidator } from './support/xds-validator.js';

const CASES_DIR = path.join(REPO_ROOT, 'test/testdata/pilot');

interface NodeYaml {
  id: string;
  metadata?: Record<string, unknown>;
  locality?: { region?: string; zone?: string; sub_zone?: string };
}

function envoyCases(): { name: string; node: NodeYaml }[] {
  return readdirSync(CASES_DIR)
    .sort()
    .filter((c) => existsSync(path.join(CASES_DIR, c, 'proxy.yaml')))
    .map((c) => ({
      name: c,
      node: parse(readFileSync(path.join(CASES_DIR, c, 'proxy.yaml'), 'utf8')) as NodeYaml,
    }))
    .filter((c) => c.node.metadata?.['GENERATOR'] !== 'grpc');
}

/** The node as protojson (locality `sub_zone` is `subZone` there). */
function nodeJson(node: NodeYaml): string {
  const { locality, ...rest } = node;
  const loc = locality
    ? {
        ...(locality.region ? { region: locality.region } : {}),
        ...(locality.zone ? { zone: locality.zone } : {}),
        ...(locality.sub_zone ? { subZone: locality.sub_zone } : {}),
      }
    : undefined;
  return JSON.stringify({ ...rest, ...(loc ? { locality: loc } : {}) });
}

describe('Envoy proto rules (go-control-plane ValidateAll) on everything meshplane serves', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'meshplane-xdsv-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const cases = envoyCases();
  let buildError: unknown;
  beforeAll(() => {
    try {
      ensureValidator();
    } catch (err) {
      buildError = err;
    }
  }, 600_000);
  /** Every test fails (none is skipped) with the build error when the validator is missing. */
  const validator = (): string => {
    if (buildError) throw buildError instanceof Error ? buildError : new Error(String(buildError));
    return findValidator();
  };

  it('has sidecar and router cases', () => {
    expect(cases.some((c) => c.node.id.startsWith('sidecar~'))).toBe(true);
    expect(cases.some((c) => c.node.id.startsWith('router~'))).toBe(true);
  });

  it('the validator reports violations it is shown (self-test)', async () => {
    const run = await runValidator(validator(), ['-self-test']);
    expect(run.output).toContain('self-test passed');
    expect(run.code).toBe(0);
  });

  for (const c of cases) {
    it(`${c.name}: every resource valid, nothing NACKed`, async () => {
      const bin = validator();
      const dir = path.join(tmp, c.name);
      mkdirSync(dir, { recursive: true });
      copyFileSync(path.join(CASES_DIR, c.name, 'input.yaml'), path.join(dir, 'input.yaml'));
      const mp = await MeshplaneProcess.start(dir);
      try {
        const run = await runValidator(bin, [
          '-addr',
          `127.0.0.1:${mp.xdsPort}`,
          '-node',
          nodeJson(c.node),
          '-timeout',
          '20s',
        ]);
        expect(run.report, run.output).toBeDefined();
        const report = run.report!;
        expect(report.error, run.output).toBeUndefined();
        expect(report.violations).toEqual([]);
        expect(report.lint).toEqual([]);
        for (const t of ['LDS', 'CDS']) {
          expect(report.types[t]!.resources.length, t).toBeGreaterThan(0);
          expect(report.types[t]!.nacks, t).toBe(0);
        }
        expect(run.code).toBe(0);
      } finally {
        await mp.stop();
      }
    }, 60_000);
  }
});
