/**
 * Interned subscription name sets (design §5, "group proxies by what their config depends on"):
 * streams that subscribe to the same names share one immutable Set. N Envoy-style clients that
 * watch the same thousand EDS names then hold those names once, and the caches keyed by a Set's
 * identity (the generated response per group and subscription, the diff between two of them)
 * answer in O(1) per stream instead of sorting and joining the names on every push.
 *
 * An interned Set must never be mutated. Sets are found again by an order-independent hash of
 * their names, then compared name by name; an interned Set no stream uses any more is collected.
 */

const interned = new WeakSet<ReadonlySet<string>>();
const buckets = new Map<string, Array<WeakRef<ReadonlySet<string>>>>();
const cleanup = new FinalizationRegistry<string>((key) => {
  const list = buckets.get(key)?.filter((ref) => ref.deref() !== undefined);
  if (!list || list.length === 0) buckets.delete(key);
  else buckets.set(key, list);
});

/** Two 32-bit FNV-1a style hashes of one string. */
function hashName(name: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return [a >>> 0, b >>> 0];
}

interface SetHash {
  readonly size: number;
  readonly a: number;
  readonly b: number;
}

/** The hash of every interned Set, so a Set derived from it is hashed from the difference. */
const hashes = new WeakMap<ReadonlySet<string>, SetHash>();

function hashOf(names: ReadonlySet<string>): SetHash {
  let a = 0;
  let b = 0;
  for (const n of names) {
    const [x, y] = hashName(n);
    // Sums, not XORs: order-independent, and duplicate-free input makes them exact per set.
    a = (a + x) >>> 0;
    b = (b + y) >>> 0;
  }
  return { size: names.size, a, b };
}

function keyOf(h: SetHash): string {
  return `${h.size}:${h.a.toString(36)}:${h.b.toString(36)}`;
}

function sameNames(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const n of a) if (!b.has(n)) return false;
  return true;
}

/** True when `names` is the canonical interned Set for its names. */
export function isInterned(names: ReadonlySet<string>): boolean {
  return interned.has(names);
}

/**
 * The canonical Set holding exactly `names`. An interned Set is returned as is (O(1)); anything
 * else costs one pass over the names.
 */
export function internNames(names: Iterable<string>): ReadonlySet<string> {
  if (names instanceof Set && interned.has(names)) return names as ReadonlySet<string>;
  return internOwned(new Set(names));
}

/**
 * `internNames` for a Set the caller built and hands over: it is not copied, and may become the
 * canonical Set, so the caller must never touch it again.
 */
export function internOwned(set: Set<string>): ReadonlySet<string> {
  if (interned.has(set)) return set;
  const h = hashOf(set);
  const key = keyOf(h);
  const list = buckets.get(key);
  if (list) {
    for (const ref of list) {
      const candidate = ref.deref();
      if (candidate && sameNames(candidate, set)) return candidate;
    }
  }
  return register(set, h, key, list);
}

function register(
  set: ReadonlySet<string>,
  h: SetHash,
  key: string,
  list: Array<WeakRef<ReadonlySet<string>>> | undefined,
): ReadonlySet<string> {
  interned.add(set);
  hashes.set(set, h);
  const ref = new WeakRef<ReadonlySet<string>>(set);
  if (list) list.push(ref);
  else buckets.set(key, [ref]);
  cleanup.register(set, key);
  return set;
}

/**
 * The canonical Set of `base` (interned) plus `add` minus `remove`, hashed from the difference:
 * when another stream made the same change before, its Set is found and no Set is built (delta
 * clients of a group grow their subscriptions alike, one name at a time).
 */
export function internChange(
  base: ReadonlySet<string>,
  add: ReadonlySet<string>,
  remove: ReadonlySet<string>,
): ReadonlySet<string> {
  const h0 = interned.has(base) ? hashes.get(base) : undefined;
  if (!h0) {
    const next = new Set(base);
    for (const n of remove) next.delete(n);
    for (const n of add) next.add(n);
    return internOwned(next);
  }
  let { size, a, b } = h0;
  const added: string[] = [];
  const removed: string[] = [];
  for (const n of remove) {
    if (!base.has(n) || add.has(n)) continue;
    removed.push(n);
    const [x, y] = hashName(n);
    a = (a - x) >>> 0;
    b = (b - y) >>> 0;
    size--;
  }
  for (const n of add) {
    if (base.has(n)) continue;
    added.push(n);
    const [x, y] = hashName(n);
    a = (a + x) >>> 0;
    b = (b + y) >>> 0;
    size++;
  }
  if (added.length === 0 && removed.length === 0) return base;
  const h: SetHash = { size, a, b };
  const key = keyOf(h);
  const list = buckets.get(key);
  if (list) {
    for (const ref of list) {
      const c = ref.deref();
      if (c && c.size === size && added.every((n) => c.has(n)) && !removed.some((n) => c.has(n))) {
        const gone = new Set(removed);
        let same = true;
        for (const n of base) if (!c.has(n) && !gone.has(n)) same = false;
        if (same) return c;
      }
    }
  }
  const next = new Set(base);
  for (const n of removed) next.delete(n);
  for (const n of added) next.add(n);
  return register(next, h, key, list);
}

/** The interned empty set. */
export const NO_NAMES: ReadonlySet<string> = internNames([]);

/**
 * Whether a request's name list (minus the `*` wildcard marker) is exactly `current`, in the
 * order `current` holds them, without building a Set: SotW clients repeat their whole
 * subscription, in the same order, on every ACK. `false` means "not known equal" (another
 * order, duplicates): the caller then interns the list, which decides for sure.
 */
export function namesEqual(current: ReadonlySet<string>, names: readonly string[]): boolean {
  const it = current.values();
  for (const n of names) {
    if (n === '*') continue;
    const next = it.next();
    if (next.done || next.value !== n) return false;
  }
  return it.next().done === true;
}
