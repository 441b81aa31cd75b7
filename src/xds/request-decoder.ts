/**
 * The ADS request deserializers the server registers (ads-service.ts). SotW clients repeat their
 * whole subscription on every request, ACKs included (a thousand EDS names, tens of kilobytes),
 * and every client of a group sends the same list: decoding those names with proto-loader on
 * every request would cost more than everything else the server does in a connect storm.
 *
 * So the name lists are not decoded per request: an ACK's list is compared, as bytes, with the
 * encoding of the stream's current names (one memcmp); any other list is compared with the last
 * list of the same length (another memcmp: a storm's clients send the same lists), else its bytes
 * are hashed (SHA-256, native) and looked up among the lists already seen, which map to the interned Set of
 * their names (name-sets.ts). Only a list never seen before is decoded. The plain string fields are read
 * directly; every other field (the node, `error_detail`, `initial_resource_versions`,
 * locators...) is handed to proto-loader's own deserializer, so it reaches the server in exactly
 * the shape it always had. Anything unexpected falls back to proto-loader for the whole message.
 */
import { createHash } from 'node:crypto';
import type { DeltaDiscoveryRequest, DiscoveryRequest, NameList, NameSource } from './ads-messages.js';
import { internNames, NO_NAMES } from './name-sets.js';

type Deserialize = (buf: Buffer) => unknown;

const WT_VARINT = 0;
const WT_I64 = 1;
const WT_LEN = 2;
const WT_I32 = 5;

/** A list of this many names or fewer is decoded rather than hashed. */
const SMALL_LIST = 4;

const EMPTY_LIST: NameList = { names: NO_NAMES, wildcard: false, count: 0 };

interface KnownList {
  readonly ref: WeakRef<ReadonlySet<string>>;
  readonly wildcard: boolean;
  readonly count: number;
}

const known = new Map<string, KnownList>();
const forget = new FinalizationRegistry<string>((digest) => {
  if (known.get(digest)?.ref.deref() === undefined) known.delete(digest);
});

function truncated(): never {
  throw new Error('truncated message');
}

/** Reads a varint at `pos`; returns [value, next position]. Inlined fast path for one byte. */
function varintAt(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let scale = 1;
  for (;;) {
    if (pos >= buf.length) truncated();
    const b = buf[pos++]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) return [result, pos];
    scale *= 128;
    if (scale > 2 ** 63) throw new Error('varint too long');
  }
}

/** Where one repeated string field's entries are: runs of whole fields, and how many. */
interface Occurrences {
  /** [start, end) of runs of consecutive entries (tag + length + payload), in order. */
  readonly runs: number[];
  count: number;
}

/**
 * The raw bytes a canonical Set was first seen encoded as (one contiguous run of entries): a
 * stream's ACK repeating its list is recognized by one memcmp against them, without hashing.
 */
const rawOf = new WeakMap<
  ReadonlySet<string>,
  { readonly bytes: Buffer; readonly wildcard: boolean; readonly count: number }
>();

/**
 * A SotW request's `resource_names`, resolved on demand: `resolve(hint)` with the stream's
 * current names first compares the bytes with those names' encoding (an ACK, the common case),
 * and only otherwise hashes or decodes them.
 */
class RegionNames implements NameSource {
  private list: NameList | undefined;
  constructor(
    private readonly buf: Buffer,
    private readonly occ: Occurrences,
  ) {}

  get count(): number {
    return this.occ.count;
  }

  resolve(hint?: ReadonlySet<string>): NameList {
    if (this.list) return this.list;
    const runs = this.occ.runs;
    const single = runs.length === 2;
    if (hint && single) {
      const raw = rawOf.get(hint);
      if (raw && raw.count === this.occ.count && raw.bytes.equals(this.buf.subarray(runs[0]!, runs[1]!)))
        return (this.list = { names: hint, wildcard: raw.wildcard, count: raw.count });
    }
    const list = listOf(this.buf, this.occ);
    if (single && list.names.size > SMALL_LIST && !rawOf.has(list.names)) {
      const bytes = Buffer.from(this.buf.subarray(runs[0]!, runs[1]!));
      rawOf.set(list.names, { bytes, wildcard: list.wildcard, count: list.count });
    }
    return (this.list = list);
  }
}

const NO_SOURCE: NameSource = { count: 0, resolve: () => EMPTY_LIST };

/**
 * The last list seen per byte length, by its bytes: in a connect storm thousands of clients send
 * the same subscription, and comparing it with the previous one (a memcmp) is several times
 * cheaper than hashing it. Weak: a list nobody holds any more is dropped.
 */
const recentByLength = new Map<
  number,
  {
    readonly bytes: Buffer;
    readonly list: WeakRef<ReadonlySet<string>>;
    readonly wildcard: boolean;
    readonly count: number;
  }
>();
const RECENT_MAX = 256;

function listOf(buf: Buffer, occ: Occurrences | undefined): NameList {
  if (!occ || occ.count === 0) return EMPTY_LIST;
  if (occ.count <= SMALL_LIST) return decodeList(buf, occ);
  const single = occ.runs.length === 2;
  if (single) {
    const bytes = buf.subarray(occ.runs[0]!, occ.runs[1]!);
    const recent = recentByLength.get(bytes.length);
    const names = recent?.list.deref();
    if (recent && names && recent.count === occ.count && recent.bytes.equals(bytes))
      return { names, wildcard: recent.wildcard, count: recent.count };
    const list = hashedList(buf, occ);
    if (recentByLength.size >= RECENT_MAX) recentByLength.clear();
    recentByLength.set(bytes.length, {
      bytes: Buffer.from(bytes),
      list: new WeakRef(list.names),
      wildcard: list.wildcard,
      count: list.count,
    });
    return list;
  }
  return hashedList(buf, occ);
}

/** Looks a list up by the SHA-256 of its bytes; decodes it only the first time. */
function hashedList(buf: Buffer, occ: Occurrences): NameList {
  const hash = createHash('sha256');
  for (let i = 0; i < occ.runs.length; i += 2) hash.update(buf.subarray(occ.runs[i]!, occ.runs[i + 1]!));
  const digest = hash.digest('base64');
  const hit = known.get(digest);
  const names = hit?.ref.deref();
  if (hit && names) return { names, wildcard: hit.wildcard, count: hit.count };
  const list = decodeList(buf, occ);
  known.set(digest, { ref: new WeakRef(list.names), wildcard: list.wildcard, count: list.count });
  forget.register(list.names, digest);
  return list;
}

/** Decodes the entries of the runs (each entry: tag, length, UTF-8 payload). */
function decodeList(buf: Buffer, occ: Occurrences): NameList {
  const names: string[] = [];
  let wildcard = false;
  for (let i = 0; i < occ.runs.length; i += 2) {
    let pos = occ.runs[i]!;
    const end = occ.runs[i + 1]!;
    while (pos < end) {
      [, pos] = varintAt(buf, pos);
      let len: number;
      [len, pos] = varintAt(buf, pos);
      const name = buf.toString('utf8', pos, pos + len);
      pos += len;
      if (name === '*') wildcard = true;
      else names.push(name);
    }
  }
  return { names: internNames(names), wildcard, count: occ.count };
}

interface Scan {
  /** By field number (small: one-byte tags), sparse. Arrays, not Maps: one of these per request. */
  readonly strings: (string | undefined)[];
  readonly lists: (Occurrences | undefined)[];
  /** Whole fields left to proto-loader. */
  readonly rest: Buffer[];
}

/**
 * Reads the top-level fields: `stringFields` (field numbers below 16: one-byte tags) directly,
 * `listFields` as runs to hash, the rest kept raw for proto-loader.
 */
function scan(buf: Buffer, stringFields: ReadonlySet<number>, listFields: ReadonlySet<number>): Scan {
  const strings: (string | undefined)[] = [];
  const lists: (Occurrences | undefined)[] = [];
  const rest: Buffer[] = [];
  const length = buf.length;
  let pos = 0;
  let occ: Occurrences | undefined;
  let occField = -1;
  while (pos < length) {
    const start = pos;
    let tag = buf[pos]!;
    if (tag < 0x80) pos++;
    else [tag, pos] = varintAt(buf, pos);
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === WT_LEN) {
      let len = pos < length ? buf[pos]! : truncated();
      if (len < 0x80) pos++;
      else [len, pos] = varintAt(buf, pos);
      const from = pos;
      pos += len;
      if (pos > length) truncated();
      if (field === occField || listFields.has(field)) {
        if (field !== occField) {
          occField = field;
          occ = lists[field] ??= { runs: [], count: 0 };
        }
        const runs = occ!.runs;
        if (runs.length > 0 && runs[runs.length - 1] === start) runs[runs.length - 1] = pos;
        else runs.push(start, pos);
        occ!.count++;
        continue;
      }
      if (stringFields.has(field)) {
        strings[field] = knownString(buf, from, pos);
        continue;
      }
    } else if (wireType === WT_VARINT) [, pos] = varintAt(buf, pos);
    else if (wireType === WT_I64) pos += 8;
    else if (wireType === WT_I32) pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
    if (pos > length) truncated();
    rest.push(buf.subarray(start, pos));
  }
  return { strings, lists, rest };
}

/**
 * Short strings that recur on every request of a stream (type URLs) are returned as the same
 * string object each time, matched on their bytes: no new string per ACK, and the Map lookups
 * keyed by type URL compare pointers. Nonces and versions differ per response and are decoded.
 */
const KNOWN_MAX = 64;
const knownStrings: { readonly bytes: Buffer; readonly text: string }[] = [];

function knownString(buf: Buffer, from: number, to: number): string {
  const len = to - from;
  for (const k of knownStrings)
    if (k.bytes.length === len && buf.compare(k.bytes, 0, len, from, to) === 0) return k.text;
  const text = buf.toString('utf8', from, to);
  if (knownStrings.length < KNOWN_MAX && text.startsWith('type.googleapis.com/'))
    knownStrings.push({ bytes: Buffer.from(text), text });
  return text;
}

/** The fields proto-loader decodes (node, error_detail...), as the object it would have made. */
function restOf(s: Scan, fallback: Deserialize): Record<string, unknown> {
  if (s.rest.length === 0) return {};
  return fallback(Buffer.concat(s.rest)) as Record<string, unknown>;
}

const SOTW_STRINGS: ReadonlySet<number> = new Set([1, 4, 5]);
const SOTW_LISTS: ReadonlySet<number> = new Set([3]);

/** DiscoveryRequest: version_info 1, node 2, resource_names 3, type_url 4, response_nonce 5. */
export function sotwRequestDeserializer(fallback: Deserialize): (buf: Buffer) => DiscoveryRequest {
  return (buf: Buffer) => {
    let s: Scan;
    try {
      s = scan(buf, SOTW_STRINGS, SOTW_LISTS);
    } catch {
      return fallback(buf) as DiscoveryRequest;
    }
    const occ = s.lists[3];
    const names = occ ? new RegionNames(buf, occ) : NO_SOURCE;
    const req: DiscoveryRequest = { ...restOf(s, fallback), resource_names_source: names };
    const version = s.strings[1];
    const typeUrl = s.strings[4];
    const nonce = s.strings[5];
    if (version !== undefined) req.version_info = version;
    if (typeUrl !== undefined) req.type_url = typeUrl;
    if (nonce !== undefined) req.response_nonce = nonce;
    return withNames(req, 'resource_names', names);
  };
}

const DELTA_STRINGS: ReadonlySet<number> = new Set([2, 6]);
const DELTA_LISTS: ReadonlySet<number> = new Set([3, 4]);

/**
 * DeltaDiscoveryRequest: node 1, type_url 2, resource_names_subscribe 3,
 * resource_names_unsubscribe 4, initial_resource_versions 5, response_nonce 6, error_detail 7.
 */
export function deltaRequestDeserializer(fallback: Deserialize): (buf: Buffer) => DeltaDiscoveryRequest {
  return (buf: Buffer) => {
    let s: Scan;
    try {
      s = scan(buf, DELTA_STRINGS, DELTA_LISTS);
    } catch {
      return fallback(buf) as DeltaDiscoveryRequest;
    }
    const subscribe = listOf(buf, s.lists[3]);
    const unsubscribe = listOf(buf, s.lists[4]);
    const req: DeltaDiscoveryRequest = {
      ...restOf(s, fallback),
      subscribe_list: subscribe,
      unsubscribe_list: unsubscribe,
    };
    const typeUrl = s.strings[2];
    const nonce = s.strings[6];
    if (typeUrl !== undefined) req.type_url = typeUrl;
    if (nonce !== undefined) req.response_nonce = nonce;
    withNames(req, 'resource_names_subscribe', { count: subscribe.count, resolve: () => subscribe });
    return withNames(req, 'resource_names_unsubscribe', {
      count: unsubscribe.count,
      resolve: () => unsubscribe,
    });
  };
}

/**
 * The plain `string[]` field as proto-loader would give it, built only if someone reads it (the
 * interned list is what the server uses). Order: `*` first, then the names.
 */
function withNames<T extends object>(req: T, field: string, source: NameSource): T {
  if (source.count === 0) return req;
  let cached: string[] | undefined;
  Object.defineProperty(req, field, {
    enumerable: true,
    get: () => {
      if (cached) return cached;
      const list = source.resolve();
      return (cached = [...(list.wildcard ? ['*'] : []), ...list.names]);
    },
  });
  return req;
}
