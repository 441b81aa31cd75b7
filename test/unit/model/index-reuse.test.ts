import { describe, expect, it } from 'vitest';
import { reuse, type IndexSlot } from '../../../src/model/push-context/index-reuse.js';

describe('PushContext index reuse', () => {
  it('reuses an index only for the very same input objects and settings', () => {
    const slot: IndexSlot<{ n: number }> = { inputs: [], key: '', index: undefined };
    let built = 0;
    const build = () => ({ n: ++built });
    const a = { name: 'a' };
    const b = { name: 'b' };
    const first = reuse(slot, [[a, b]], 'k', build);
    // A fresh array holding the same objects: the same index.
    expect(reuse(slot, [[a, b]], 'k', build)).toBe(first);
    // A changed config is a new object: a new index.
    const b2 = { name: 'b' };
    const second = reuse(slot, [[a, b2]], 'k', build);
    expect(second).not.toBe(first);
    // Order, length and settings count too.
    expect(reuse(slot, [[b2, a]], 'k', build)).not.toBe(second);
    expect(reuse(slot, [[b2, a]], 'other', build).n).toBe(4);
    expect(reuse(slot, [[b2]], 'other', build).n).toBe(5);
    // Several inputs (gateways and the VirtualServices bound to them): all must match.
    const g = { name: 'g' };
    const third = reuse(slot, [[g], [a]], 'k', build);
    expect(reuse(slot, [[g], [a]], 'k', build)).toBe(third);
    expect(reuse(slot, [[g], [b]], 'k', build)).not.toBe(third);
    expect(built).toBe(7);
  });
});
