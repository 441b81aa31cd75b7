import { describe, expect, it } from 'vitest';
import { parseYamlDocuments } from '../../../src/galley/parse.js';
import { formatConfigError } from '../../../src/galley/validation/result.js';

describe('parseYamlDocuments', () => {
  it('returns every non-empty document with its index', () => {
    const text = '# header comment\n---\na: 1\n---\n# only a comment\n---\nb: 2\n---\n';
    const r = parseYamlDocuments(text, 'f.yaml');
    expect(r.errors).toEqual([]);
    expect(r.documents).toEqual([
      { index: 0, object: { a: 1 } },
      { index: 2, object: { b: 2 } },
    ]);
  });

  it('reports a syntax error with file, line and column, and keeps the good documents', () => {
    const r = parseYamlDocuments('a: 1\n---\nb: [1, 2\nc: 3\n', 'config/x.yaml');
    expect(r.documents).toEqual([{ index: 0, object: { a: 1 } }]);
    expect(r.errors).toHaveLength(1);
    expect(formatConfigError(r.errors[0]!)).toMatch(/^config\/x\.yaml:\d+:\d+: YAML syntax error: /);
    expect(r.errors[0]!.source).toBe('config/x.yaml:4:1');
  });

  it('rejects duplicate keys', () => {
    const r = parseYamlDocuments('a: 1\na: 2\n', 'f.yaml');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toMatch(/unique/i);
  });

  it('uses YAML 1.2 core scalars and reads `001:db8::` in a flow list as Go YAML does', () => {
    const r = parseYamlDocuments('a: [1.2.3.4, 001:db8::, 1.2.3.4/16, on]\nb: {k: v}\nc: [x: y]\n', 'f.yaml');
    expect(r.errors).toEqual([]);
    expect(r.documents[0]!.object).toEqual({
      a: ['1.2.3.4', '001:db8::', '1.2.3.4/16', 'on'],
      b: { k: 'v' },
      c: [{ x: 'y' }],
    });
  });

  it('never throws', () => {
    for (const t of ['', '---', ':', '{', '\t- a', '*x', '&a [*a]'])
      expect(() => parseYamlDocuments(t, 'f')).not.toThrow();
  });
});
