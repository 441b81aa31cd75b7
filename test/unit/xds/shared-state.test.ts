/**
 * The pieces that let N streams of a group share one state (design §5): interned subscription
 * Sets, contents and diffs computed once per GenerateResult, and a delta client's held
 * resources that point at a shared content until something sets the client apart.
 */
import { describe, expect, it } from 'vitest';
import { contentOf, diffContent } from '../../../src/xds/content.js';
import { HeldResources } from '../../../src/xds/held-resources.js';
import { internChange, internNames, isInterned, namesEqual, NO_NAMES } from '../../../src/xds/name-sets.js';
import type { EncodedResource, GenerateResult } from '../../../src/xds/source.js';

const T = 'type.googleapis.com/x';
const r = (name: string, version: string): EncodedResource => ({
  name,
  version,
  typeUrl: T,
  value: new Uint8Array([1]),
});
const result = (...resources: EncodedResource[]): GenerateResult => ({ resources, pushVersion: 'p' });

describe('internNames', () => {
  it('returns one Set per distinct name set, whatever the order or duplicates', () => {
    const a = internNames(['x', 'y', 'z']);
    expect(internNames(['z', 'x', 'y', 'x'])).toBe(a);
    expect(internNames(new Set(['y', 'z', 'x']))).toBe(a);
    expect(internNames(a)).toBe(a);
    expect(isInterned(a)).toBe(true);
    expect(isInterned(new Set(['x', 'y', 'z']))).toBe(false);
    expect(internNames(['x', 'y'])).not.toBe(a);
    expect(internNames([])).toBe(NO_NAMES);
  });

  it('internChange derives a Set from an interned one, finding the same change made before', () => {
    const base = internNames(['a', 'b', 'c']);
    const plusD = internChange(base, new Set(['d']), new Set());
    expect([...plusD].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(internChange(base, new Set(['d']), new Set())).toBe(plusD);
    expect(internNames(['d', 'c', 'b', 'a'])).toBe(plusD);
    expect(internChange(plusD, new Set(), new Set(['d']))).toBe(base);
    // Subscribe wins over unsubscribe of the same name; no-ops return the base itself.
    expect(internChange(base, new Set(['a']), new Set(['a']))).toBe(base);
    expect(internChange(base, new Set(), new Set(['zz']))).toBe(base);
    const swapped = internChange(base, new Set(['x']), new Set(['a']));
    expect([...swapped].sort()).toEqual(['b', 'c', 'x']);
    expect(internNames(['x', 'b', 'c'])).toBe(swapped);
    // A Set that is not interned still works (slow path).
    expect(internChange(new Set(['a', 'b', 'c']), new Set(['d']), new Set())).toBe(plusD);
  });

  it('namesEqual compares a request list with a Set without building one', () => {
    const s = internNames(['a', 'b']);
    expect(namesEqual(s, ['a', 'b'])).toBe(true);
    expect(namesEqual(s, ['*', 'a', 'b'])).toBe(true);
    expect(namesEqual(s, ['b', 'a'])).toBe(false); // not known equal: the caller interns
    expect(namesEqual(s, ['a'])).toBe(false);
    expect(namesEqual(s, ['a', 'b', 'c'])).toBe(false);
    expect(namesEqual(s, ['a', 'a'])).toBe(false);
  });
});

describe('contentOf / diffContent', () => {
  const sub = { wildcard: false, names: internNames(['a', 'b', 'c']) };

  it('is computed once per result and subscription names, sorted and filtered', () => {
    const g = result(r('c', '1'), r('a', '1'), r('zz', '1'));
    const c = contentOf(g, T, sub);
    expect(c.resources.map((x) => x.name)).toEqual(['a', 'c']);
    // Another stream's subscription object with the same interned names shares the content.
    expect(contentOf(g, T, { wildcard: false, names: sub.names })).toBe(c);
    expect(contentOf(g, T, { wildcard: true, names: sub.names })).not.toBe(c);
  });

  it('diffs changed, added and removed names once per pair', () => {
    const a1 = r('a', '1');
    const from = contentOf(result(a1, r('b', '1'), r('c', '1')), T, sub);
    const to = contentOf(result(a1, r('b', '2')), T, sub);
    const d = diffContent(from, to);
    expect(d.changed.map((x) => `${x.name}@${x.version}`)).toEqual(['b@2']);
    expect(d.added).toBe(false);
    expect(d.removed).toEqual(['c']);
    expect(diffContent(from, to)).toBe(d);
    const grown = diffContent(to, contentOf(result(a1, r('b', '2'), r('c', '9')), T, sub));
    expect(grown).toMatchObject({ added: true, removed: [] });
    expect(grown.changed.map((x) => x.name)).toEqual(['c']);
  });
});

describe('HeldResources', () => {
  const sub = { wildcard: true, names: NO_NAMES };
  const c1 = contentOf(result(r('a', '1'), r('b', '1')), T, sub);
  const c2 = contentOf(result(r('a', '1'), r('b', '2')), T, sub);

  it('shares a content until written, then copies, and shares again once equal', () => {
    const held = new HeldResources();
    expect(held.size).toBe(0);
    held.setContent(c1);
    expect(held.content).toBe(c1);
    expect(held.version('b')).toBe('1');
    held.set('b', '1'); // no change: still shared
    expect(held.content).toBe(c1);
    held.set('b', '2');
    expect(held.content).toBeUndefined();
    expect(held.version('b')).toBe('2');
    held.settle(c2);
    expect(held.content).toBe(c2);
    held.delete('a');
    expect(held.content).toBeUndefined();
    expect([...held.names()]).toEqual(['b']);
    expect(c2.byName.has('a')).toBe(true); // the shared content was never touched
    held.settle(c2);
    expect(held.content).toBeUndefined(); // 'a' missing: not equal
  });

  it('starts from initial_resource_versions', () => {
    const held = new HeldResources(new Map([['a', '1']]));
    expect(held.size).toBe(1);
    expect(held.view().get('a')).toBe('1');
    held.set('b', '1');
    held.settle(c1);
    expect(held.content).toBe(c1);
  });
});
