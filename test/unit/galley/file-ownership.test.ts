import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/model/config.js';
import { FileOwnership } from '../../../src/galley/sources/file-ownership.js';

const cfg = (name: string, rev: string): Config => ({
  meta: {
    kind: 'ServiceEntry',
    apiVersion: 'networking.istio.io/v1',
    name,
    namespace: 'default',
    labels: {},
    annotations: {},
    resourceVersion: rev,
  },
  spec: {},
});

describe('FileOwnership', () => {
  it('serves the first file in sorted order, reports the others, and hands over when it goes', () => {
    const o = new FileOwnership();
    const a = cfg('x', 'from-b');
    const b = cfg('x', 'from-a');
    expect(o.setFile('/d/b.yaml', new Map([['k', a]]))).toEqual(['k']);
    expect(o.winner('k')).toBe(a);
    expect(o.setFile('/d/a.yaml', new Map([['k', b]]))).toEqual(['k']);
    expect(o.winner('k')).toBe(b);
    expect(o.duplicates('k')).toHaveLength(1);
    expect(o.duplicates('k')[0]).toMatchObject({ source: '/d/b.yaml', path: 'metadata.name' });
    expect(o.duplicates('k')[0]!.message).toContain('already defined in /d/a.yaml');
    // The winner's file is removed: the other takes over, nothing is reported any more.
    expect(o.setFile('/d/a.yaml', undefined)).toEqual(['k']);
    expect(o.winner('k')).toBe(a);
    expect(o.duplicates('k')).toEqual([]);
    expect(o.setFile('/d/b.yaml', new Map())).toEqual(['k']);
    expect(o.winner('k')).toBeUndefined();
    expect([...o.keys()]).toEqual([]);
  });

  it('reports only the keys a change touches', () => {
    const o = new FileOwnership();
    const x = cfg('x', '1');
    const y = cfg('y', '1');
    o.setFile(
      '/d/a.yaml',
      new Map([
        ['x', x],
        ['y', y],
      ]),
    );
    const y2 = cfg('y', '2');
    expect(
      o.setFile(
        '/d/a.yaml',
        new Map([
          ['x', x],
          ['y', y2],
        ]),
      ),
    ).toEqual(['y']);
    expect(o.setFile('/d/a.yaml', new Map([['x', x]]))).toEqual(['y']);
    expect(o.winner('y')).toBeUndefined();
    expect(o.winner('x')).toBe(x);
  });
});
