import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runValidate } from '../../../src/galley/validate-command.js';

const dir = mkdtempSync(path.join(tmpdir(), 'meshplane-validate-'));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const good = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash:
        useSourceIp: true
        minimumRingSize: 1024
`;
const bad = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: reviews
  namespace: prod
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 75
    - destination: {host: reviews, subset: v2}
      weight: -15
`;

async function run(files: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runValidate(files, (l) => lines.push(l));
  return { code, lines };
}

describe('meshplane validate', () => {
  it('exits 0 on valid files and prints warnings and a summary', async () => {
    const f = file('good.yaml', good);
    const { code, lines } = await run([f]);
    expect(code).toBe(0);
    expect(lines[0]).toBe(
      `${f}: DestinationRule default/reviews: warning: spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize: consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead`,
    );
    expect(lines.at(-1)).toBe(
      'validation succeeded: 1 document in 1 file: 1 valid, 0 invalid; 0 errors, 1 warning',
    );
  });

  it('exits 1 and names file, object, field path and rule for each error', async () => {
    const g = file('good2.yaml', good);
    const b = file('bad.yaml', `${good}---\n${bad}`);
    const { code, lines } = await run([g, b]);
    expect(code).toBe(1);
    expect(lines).toContain(
      `${b}: VirtualService prod/reviews: spec.http[0].route[1].weight: weight -15 must be >= 0`,
    );
    expect(lines.at(-1)).toBe(
      'validation failed: 3 documents in 2 files: 2 valid, 1 invalid; 1 error, 2 warnings',
    );
  });

  it('exits 1 on YAML syntax errors and unreadable files', async () => {
    const s = file('syntax.yaml', 'a: [1\n');
    const missing = path.join(dir, 'missing.yaml');
    const { code, lines } = await run([s, missing]);
    expect(code).toBe(1);
    expect(lines.some((l) => l.startsWith(`${s}:`) && l.includes('YAML syntax error'))).toBe(true);
    expect(lines.some((l) => l.startsWith(`${missing}: cannot read file`))).toBe(true);
  });

  it('exits 1 with no files', async () => {
    expect((await run([])).code).toBe(1);
  });
});
