/**
 * Writes `deploy/crds.yaml` from `scripts/crds.ts` (the Istio CRDs, schemas generated from our zod
 * schemas). `--check` exits non-zero when the file is stale instead of writing it.
 *
 *   npx tsx scripts/gen-crds.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdsYaml } from './crds-yaml.js';

const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../deploy/crds.yaml');
const text = renderCrdsYaml();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // Missing counts as stale.
  }
  if (current !== text) {
    process.stderr.write(`${target} is stale: run npx tsx scripts/gen-crds.ts\n`);
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
