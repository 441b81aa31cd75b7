import { describe, expect, it } from 'vitest';
import { RoundEntries } from '../../../src/xds/round-entries.js';

describe('RoundEntries', () => {
  it('sets, replaces and forgets entries across rounds, reusing its slots', () => {
    const r = new RoundEntries<string>();
    r.set('a', '1');
    r.set('b', '2');
    r.set('a', '3');
    expect(r.size).toBe(2);
    expect(r.get('a')).toBe('3');
    r.clear();
    expect(r.size).toBe(0);
    expect(r.has('a')).toBe(false);
    expect(r.get('b')).toBeUndefined();
    r.set('b', '4');
    expect([r.size, r.get('b'), r.has('a')]).toEqual([1, '4', false]);
    r.set('c', '5');
    r.set('d', '6');
    expect([r.get('c'), r.get('d'), r.size]).toEqual(['5', '6', 3]);
  });
});
