/**
 * What a load process learns from one response, computed once per distinct response. A real
 * fleet's N proxies each parse what they receive; the load generator simulates N of them on a
 * share of two cores, and identical clients receive byte-identical responses, so it parses a
 * response the first time it arrives and reuses the result for every later client that receives
 * the same bytes. "Same" is checked in full (a memcmp, far cheaper than reading the protobuf), so
 * a client that receives anything else parses it itself: the memo never hides a difference.
 */
import type { SharedNames } from './ads-client.js';
import {
  clusterEdsName,
  listenerRouteNames,
  readDeltaResponse,
  readSotwResponse,
  resourceName,
  type Envelope,
} from './wire.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

/** A parsed response and what clients derive from it, filled lazily and shared read-only. */
export interface ParsedResponse {
  readonly env: Envelope;
  /** SotW CDS/LDS: the EDS/RDS names the resources reference, sorted and interned. */
  refs?: SharedNames;
  /** Delta CDS/LDS: per resource (aligned with `env.names`), the names it references. */
  refLists?: readonly (readonly string[])[];
  /** Delta CDS/LDS: every name any resource references, sorted and interned. */
  refUnion?: SharedNames;
  /** SotW EDS/RDS: the resource names. */
  names?: readonly string[];
  /** Delta: the resource names as a Set. */
  nameSet?: ReadonlySet<string>;
}

interface Entry {
  readonly buf: Buffer;
  readonly parsed: ParsedResponse;
}

const MAX_ENTRIES = 64;
const SAMPLE = 64;

export class ResponseMemo {
  private readonly entries = new Map<string, Entry>();
  /** The kept buffers by length, most recent first (MessageReader's candidates); rebuilt lazily. */
  private byLength: Map<number, Buffer[]> | undefined;
  /** Each kept buffer's entry: a message the reader matched is that very buffer. */
  private readonly byBuffer = new WeakMap<Buffer, Entry>();
  hits = 0;
  misses = 0;

  constructor(private readonly sotw: boolean) {}

  /** Earlier responses of exactly `length` bytes, for MessageReader. */
  readonly candidates = (length: number): readonly Buffer[] => {
    if (!this.byLength) {
      const index = new Map<number, Buffer[]>();
      for (const { buf } of [...this.entries.values()].reverse()) {
        const list = index.get(buf.length);
        if (list) list.push(buf);
        else index.set(buf.length, [buf]);
      }
      this.byLength = index;
    }
    return this.byLength.get(length) ?? NONE;
  };

  parse(buf: Buffer): ParsedResponse {
    const same = this.byBuffer.get(buf);
    if (same) {
      this.hits++;
      return same.parsed;
    }
    const key = sampleKey(buf);
    const hit = this.entries.get(key);
    if (hit && hit.buf.equals(buf)) {
      this.hits++;
      return hit.parsed;
    }
    this.misses++;
    const parsed: ParsedResponse = { env: this.sotw ? readSotwResponse(buf) : readDeltaResponse(buf) };
    const entry = { buf, parsed };
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.byBuffer.set(buf, entry);
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.byLength = undefined;
    return parsed;
  }
}

const NONE: readonly Buffer[] = [];

/** Length plus the first and last bytes: tells responses apart cheaply; equality is checked after. */
function sampleKey(buf: Buffer): string {
  const head = buf.subarray(0, Math.min(SAMPLE, buf.length)).toString('latin1');
  const tail = buf.subarray(Math.max(0, buf.length - SAMPLE)).toString('latin1');
  return `${buf.length}|${head}|${tail}`;
}

/** SotW CDS/LDS: the referenced names, computed once per distinct response. */
export function sotwRefs(
  p: ParsedResponse,
  buf: Buffer,
  share: (names: string[]) => SharedNames,
): SharedNames {
  if (p.refs) return p.refs;
  const refs = new Set<string>();
  for (const r of p.env.resources) {
    if (p.env.typeUrl === CDS) {
      const n = clusterEdsName(buf, r);
      if (n) refs.add(n);
    } else for (const n of listenerRouteNames(buf, r)) refs.add(n);
  }
  p.refs = share([...refs].sort());
  return p.refs;
}

/** Delta CDS/LDS: per resource, the referenced names, computed once per distinct response. */
export function deltaRefLists(p: ParsedResponse, buf: Buffer): readonly (readonly string[])[] {
  if (p.refLists) return p.refLists;
  const isCds = p.env.typeUrl === CDS;
  p.refLists = p.env.resources.map((r) => {
    if (!isCds) return listenerRouteNames(buf, r);
    const n = clusterEdsName(buf, r);
    return n ? [n] : [];
  });
  return p.refLists;
}

/** Delta CDS/LDS: the union of every resource's references. */
export function deltaRefUnion(
  p: ParsedResponse,
  buf: Buffer,
  share: (names: string[]) => SharedNames,
): SharedNames {
  if (p.refUnion) return p.refUnion;
  const all = new Set<string>();
  for (const list of deltaRefLists(p, buf)) for (const n of list) all.add(n);
  p.refUnion = share([...all].sort());
  return p.refUnion;
}

/** SotW EDS/RDS: the resource names. */
export function sotwNames(p: ParsedResponse, buf: Buffer): readonly string[] {
  p.names ??= p.env.resources.map((r) => resourceName(buf, r));
  return p.names;
}

/** Delta: the names a response carries, as a Set (computed once per distinct response). */
export function baseNames(p: ParsedResponse): ReadonlySet<string> {
  p.nameSet ??= new Set(p.env.names);
  return p.nameSet;
}

/** Per distinct response: which shared name lists it covers entirely. */
const coverage = new WeakMap<ParsedResponse, WeakMap<SharedNames, boolean>>();

function covers(p: ParsedResponse, names: SharedNames, received: ReadonlySet<string>): boolean {
  let memo = coverage.get(p);
  if (!memo) coverage.set(p, (memo = new WeakMap()));
  let all = memo.get(names);
  if (all === undefined) {
    all = names.names.every((n) => received.has(n));
    memo.set(names, all);
  }
  return all;
}

/**
 * Names a client waits for. Most clients wait for a shared list and receive it whole in one
 * response: that case keeps a reference and costs one memoized check per distinct response,
 * instead of a Set of 1,000 names per client and type.
 */
export class MissingNames {
  private shared: SharedNames | undefined;
  private own = new Set<string>();

  get size(): number {
    return (this.shared?.names.length ?? 0) + this.own.size;
  }

  addAll(names: SharedNames): void {
    if (!this.shared && this.own.size === 0) this.shared = names;
    else {
      this.materialize();
      for (const n of names.names) this.own.add(n);
    }
  }

  add(name: string): void {
    this.materialize();
    this.own.add(name);
  }

  delete(name: string): void {
    this.materialize();
    this.own.delete(name);
  }

  /** Keeps only the names in `keep`. */
  retain(keep: ReadonlySet<string>): void {
    this.materialize();
    for (const n of this.own) if (!keep.has(n)) this.own.delete(n);
  }

  /** A response carrying `received` (the names of `p`) arrived. */
  receive(p: ParsedResponse, received: ReadonlySet<string>): void {
    if (this.shared && covers(p, this.shared, received)) this.shared = undefined;
    if (this.size === 0) return;
    this.materialize();
    for (const n of received) this.own.delete(n);
  }

  private materialize(): void {
    if (!this.shared) return;
    for (const n of this.shared.names) this.own.add(n);
    this.shared = undefined;
  }
}

/** SotW: the resource names of an EDS/RDS response as a Set (once per distinct response). */
export function sotwNameSet(p: ParsedResponse, buf: Buffer): ReadonlySet<string> {
  p.nameSet ??= new Set(sotwNames(p, buf));
  return p.nameSet;
}
