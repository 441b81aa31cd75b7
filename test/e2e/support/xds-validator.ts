/**
 * Locates the xDS validator built by `test/e2e/xds-validator/build.sh` into the peer cache
 * outside the clone, and runs it. A missing or stale binary is an error naming the command that
 * fixes it: the e2e suite fails, it never skips.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { peerCacheDir, REPO_ROOT } from './kube-peers.js';

const SOURCE_DIR = path.join(REPO_ROOT, 'test/e2e/xds-validator');
export const VALIDATOR_BUILD_COMMAND = 'test/e2e/xds-validator/build.sh';

/** The stamp build.sh writes: sha256 of go.mod, go.sum, the sorted *.go files and build.sh. */
export function expectedValidatorStamp(): string {
  const goFiles = readdirSync(SOURCE_DIR)
    .filter((f) => f.endsWith('.go'))
    .sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1));
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', ...goFiles, 'build.sh'])
    h.update(readFileSync(path.join(SOURCE_DIR, f)));
  return h.digest('hex');
}

/** The validator binary, or an Error saying how to build it. */
export function findValidator(): string {
  const cache = path.join(peerCacheDir(), 'xds-validator');
  const bin = path.join(cache, 'bin', 'xds-validator');
  const stampFile = path.join(cache, 'stamp');
  let executable = true;
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    executable = false;
  }
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
  if (!executable || stamp !== expectedValidatorStamp()) {
    const why = executable ? `stale: ${stampFile} does not match ${SOURCE_DIR}` : `missing: ${bin}`;
    throw new Error(`xds-validator ${why}; run ${VALIDATOR_BUILD_COMMAND}`);
  }
  return bin;
}

/**
 * Builds the validator when the cache does not match the sources (build.sh is a no-op
 * otherwise; a cold build from the Go module proxy takes a minute or two), then locates it.
 */
export function ensureValidator(): string {
  const result = spawnSync('bash', [path.join(REPO_ROOT, VALIDATOR_BUILD_COMMAND)], {
    encoding: 'utf8',
    timeout: 540_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `${VALIDATOR_BUILD_COMMAND} failed: ${result.error?.message ?? ''}${result.stdout}${result.stderr}`,
    );
  }
  return findValidator();
}

export interface ValidatorReport {
  readonly node: string;
  readonly types: Record<string, { responses: number; resources: string[]; nacks: number }>;
  readonly violations: string[];
  readonly lint: string[];
  readonly unpacked_any_types: Record<string, number>;
  readonly error?: string;
}

export interface ValidatorRun {
  readonly code: number;
  readonly report?: ValidatorReport;
  readonly output: string;
}

/** Runs the validator against `addr` as `node` (protojson of envoy.config.core.v3.Node). */
export async function runValidator(bin: string, args: readonly string[]): Promise<ValidatorRun> {
  return new Promise((resolve) => {
    execFile(bin, [...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 2) : 0;
      let report: ValidatorReport | undefined;
      try {
        report = JSON.parse(stdout) as ValidatorReport;
      } catch {
        report = undefined;
      }
      resolve({ code, ...(report ? { report } : {}), output: `${stdout}${stderr}` });
    });
  });
}
