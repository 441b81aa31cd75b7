/**
 * Design §6.1: the pure core never imports I/O modules or uses timers. Scans the sources.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');
const PURE_DIRS = ['model', 'galley/validation', 'pilot/networking', 'pilot/generators'];
const PURE_FILES = [
  'galley/webhook/admission.ts',
  'galley/webhook/der.ts',
  'galley/status/reconciled-status.ts',
  'galley/status/validation-status.ts',
  'security/identity.ts',
  'security/der-reader.ts',
  'security/token-review.ts',
  'security/ca-secret-codec.ts',
  'galley/sources/file-ownership.ts',
  'galley/status/merge-rejections.ts',
  'pilot/debug/rejected-configs.ts',
];
const FORBIDDEN_IMPORTS = [
  /^@grpc\/grpc-js$/,
  /^@kubernetes\/client-node/,
  /^fastify/,
  /^(node:)?fs(\/promises)?$/,
  /^(node:)?net$/,
  /^(node:)?http2?$/,
  /^(node:)?child_process$/,
  /\/xds\/xds-server/,
];
const FORBIDDEN_CALLS = /\b(setTimeout|setInterval|setImmediate|process\.env)\b/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : full.endsWith('.ts') ? [full] : [];
  });
}

function pureFiles(): string[] {
  const files = PURE_DIRS.flatMap((d) => {
    try {
      return walk(path.join(SRC, d));
    } catch {
      return [];
    }
  });
  // Registry conversions are pure too, wherever a registry lives.
  const registry = walk(path.join(SRC, 'registry')).filter((f) => f.endsWith('conversion.ts'));
  return [...files, ...registry, ...PURE_FILES.map((f) => path.join(SRC, f))];
}

describe('pure core', () => {
  it('has files to check', () => {
    expect(pureFiles().length).toBeGreaterThan(5);
  });

  for (const file of pureFiles()) {
    const rel = path.relative(SRC, file);
    it(`${rel} imports no I/O module and uses no timers`, () => {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map(
        (m) => m[1]!,
      );
      for (const spec of imports) {
        for (const bad of FORBIDDEN_IMPORTS) expect(spec, `${rel} imports ${spec}`).not.toMatch(bad);
      }
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(code).not.toMatch(FORBIDDEN_CALLS);
    });
  }
});

describe('source hygiene', () => {
  it('keeps every source file under 400 lines', () => {
    for (const file of walk(SRC)) {
      const lines = readFileSync(file, 'utf8').split('\n').length;
      expect(lines, path.relative(SRC, file)).toBeLessThanOrEqual(400);
    }
  });
});
