/**
 * One simulated xDS client on its own HTTP/2 connection, behaving like an Envoy-style watcher:
 * wildcard CDS and LDS, then every EDS name its clusters reference and every RDS name its
 * listeners reference; it ACKs every response (SotW: version + nonce + its current names; delta:
 * the nonce) and never NACKs. It reads only the envelope, plus the reference fields of clusters
 * and listeners, and names only while it still waits for them (see wire.ts).
 */
import { H2Call } from './h2-call.js';
import type { Candidates } from './message-reader.js';
import {
  CDS,
  DELTA_METHOD,
  EDS,
  LDS,
  RDS,
  SOTW_METHOD,
  nowMs,
  type SyncGoal,
  type XdsMode,
} from './protocol.js';
import { lenField, message, stringsField, type Envelope } from './wire.js';
import {
  baseNames,
  deltaRefLists,
  deltaRefUnion,
  MissingNames,
  sotwNameSet,
  sotwRefs,
  type ParsedResponse,
} from './response-memo.js';

/** An immutable, sorted name list shared by every client of a worker that wants the same names. */
export interface SharedNames {
  readonly names: readonly string[];
  readonly set: ReadonlySet<string>;
  /** The names as DiscoveryRequest.resource_names (field 3), encoded once. */
  readonly encoded: Buffer;
}

export interface ClientEnv {
  readonly target: string;
  readonly mode: XdsMode;
  /** Encoded `Node`, sent on the first request of the stream. */
  readonly node: Buffer;
  readonly goal: SyncGoal;
  /** The worker's earlier responses by length: a message equal to one is never copied. */
  readonly candidates: Candidates;
  /** Interns a name list (workers share identical lists across clients). */
  share(names: string[]): SharedNames;
  /** Parses a response, once per distinct response in the worker (response-memo.ts). */
  parse(buf: Buffer): ParsedResponse;
  /**
   * Runs `fn` after the responses already read in this turn of the event loop. One process
   * simulates a thousand proxies; ACKing each response before the next client's response is even
   * read would charge every client with the others' ACK work (tens of kilobytes each in SotW),
   * which real proxies, each on its own machine, never pay.
   */
  defer(fn: () => void): void;
  /** The bytes of a SotW request without node, shared by clients sending the same one. */
  sotwRequest(
    typeUrl: string,
    version: string,
    nonce: string,
    wanted: SharedNames | undefined,
    build: () => Buffer,
  ): Buffer;
  onBytes(n: number, typeUrl: string): void;
  onAck(): void;
  /** An unreadable response (counted; the client does not NACK, it is a load generator). */
  onError(err: unknown): void;
  /** The stream failed or the server ended it; called once. The client does not reconnect. */
  onDead(client: AdsClient, err: unknown): void;
  onSynced(client: AdsClient, at: number): void;
  /** Every response after it was processed, for armed expectations. */
  onResponse(client: AdsClient, env: Envelope, buf: Buffer, at: number): void;
}

interface TypeState {
  version: string;
  nonce: string;
  acked: boolean;
  /** SotW EDS/RDS: the names currently requested. */
  wanted?: SharedNames;
  /** Delta EDS/RDS: the names currently subscribed (a shared list until it diverges). */
  subscribed?: SharedNames | Set<string>;
  /** Wanted names not received yet (sync tracking). */
  missing: MissingNames;
  /** CDS/LDS: resources held (count only matters). */
  count: number;
  /**
   * Delta CDS/LDS: what the client holds, as the first full response (shared by every client
   * that received the same bytes) plus this client's later changes (`null`: removed). Holding
   * 1,000 resources per type per client in a Map of its own made the load generator's garbage
   * collector its largest cost.
   */
  base?: ParsedResponse;
  overlay?: Map<string, readonly string[] | null>;
}

function newState(): TypeState {
  return { version: '', nonce: '', acked: false, missing: new MissingNames(), count: 0 };
}

export class AdsClient {
  private call: H2Call | undefined;
  private readonly types = new Map<string, TypeState>([
    [CDS, newState()],
    [EDS, newState()],
    [LDS, newState()],
    [RDS, newState()],
  ]);
  private nodeSent = false;
  syncedAt = Number.NaN;
  closed = false;
  dead = false;

  constructor(
    readonly index: number,
    private readonly env: ClientEnv,
  ) {}

  start(): void {
    const env = this.env;
    const die = (err: unknown): void => {
      if (this.closed || this.dead) return;
      this.dead = true;
      env.onDead(this, err);
    };
    this.call = new H2Call({
      target: env.target,
      path: env.mode === 'sotw' ? SOTW_METHOD : DELTA_METHOD,
      waitForReady: true,
      candidates: env.candidates,
      onMessage: (buf) => this.onData(buf),
      onClose: die,
    });
    if (env.mode === 'sotw') {
      this.sendSotw(CDS);
      this.sendSotw(LDS);
    } else {
      this.sendDelta(CDS, ['*'], []);
      this.sendDelta(LDS, ['*'], []);
    }
  }

  close(): void {
    this.closed = true;
    this.call?.cancel();
  }

  /** Writes a request built later, in order, after this turn's responses (see `ClientEnv.defer`). */
  private write(build: () => Buffer): void {
    this.env.defer(() => this.call?.write(build()));
  }

  private nodeField(field: number): Buffer | undefined {
    if (this.nodeSent) return undefined;
    this.nodeSent = true;
    return lenField(field, this.env.node);
  }

  /**
   * DiscoveryRequest: version_info 1, node 2, resource_names 3, type_url 4, response_nonce 5.
   * A SotW ACK repeats the whole subscription; clients that ACK the same response with the same
   * names send the same bytes, built once per worker (`env.sotwRequest`).
   */
  private sendSotw(typeUrl: string): void {
    const s = this.types.get(typeUrl)!;
    const { version, nonce, wanted } = s;
    const node = this.nodeField(2);
    const build = (): Buffer =>
      message(
        version ? lenField(1, version) : undefined,
        node,
        wanted?.encoded,
        lenField(4, typeUrl),
        nonce ? lenField(5, nonce) : undefined,
      );
    this.write(node ? build : () => this.env.sotwRequest(typeUrl, version, nonce, wanted, build));
  }

  /** DeltaDiscoveryRequest: node 1, type_url 2, subscribe 3, unsubscribe 4, response_nonce 6. */
  private sendDelta(
    typeUrl: string,
    subscribe: Iterable<string> | SharedNames,
    unsubscribe: Iterable<string>,
    nonce = '',
  ): void {
    const node = this.nodeField(1);
    const subs = 'encoded' in subscribe ? subscribe.encoded : stringsField(3, subscribe);
    const unsubs = stringsField(4, unsubscribe);
    this.write(() =>
      message(node, lenField(2, typeUrl), subs, unsubs, nonce ? lenField(6, nonce) : undefined),
    );
  }

  private onData(buf: Buffer): void {
    const at = nowMs();
    const env = this.env;
    let e: Envelope;
    try {
      const parsed = env.parse(buf);
      e = parsed.env;
      env.onBytes(buf.length + 5, e.typeUrl);
      if (env.mode === 'sotw') this.onSotw(parsed, buf);
      else this.onDelta(parsed, buf);
    } catch (err) {
      env.onError(err);
      return;
    }
    env.onAck();
    if (Number.isNaN(this.syncedAt) && this.isSynced()) {
      this.syncedAt = at;
      env.onSynced(this, at);
    }
    env.onResponse(this, e, buf, at);
  }

  private onSotw(p: ParsedResponse, buf: Buffer): void {
    const e = p.env;
    const s = this.types.get(e.typeUrl);
    if (!s) return;
    s.version = e.version;
    s.nonce = e.nonce;
    s.acked = true;
    if (e.typeUrl === CDS || e.typeUrl === LDS) {
      s.count = e.resources.length;
      const refType = e.typeUrl === CDS ? EDS : RDS;
      this.sendSotw(e.typeUrl); // ACK
      const ref = this.types.get(refType)!;
      const next = sotwRefs(p, buf, (names) => this.env.share(names));
      if (next !== ref.wanted) {
        if (!ref.wanted) ref.missing.addAll(next);
        else {
          for (const n of next.names) if (!ref.wanted.set.has(n)) ref.missing.add(n);
          ref.missing.retain(next.set);
        }
        ref.wanted = next;
        ref.acked = false;
        this.sendSotw(refType); // subscription change (carries the last version and nonce)
      }
      return;
    }
    if (s.missing.size > 0) s.missing.receive(p, sotwNameSet(p, buf));
    this.sendSotw(e.typeUrl); // ACK
  }

  private onDelta(p: ParsedResponse, buf: Buffer): void {
    const e = p.env;
    const s = this.types.get(e.typeUrl);
    if (!s) return;
    s.version = e.version;
    s.nonce = e.nonce;
    s.acked = true;
    if (e.typeUrl === CDS || e.typeUrl === LDS) {
      const lists = deltaRefLists(p, buf);
      const first = s.base === undefined && s.overlay === undefined;
      if (first && e.removed.length === 0) {
        s.base = p;
        s.count = e.names.length;
      } else {
        const overlay = (s.overlay ??= new Map());
        const held = (name: string): boolean => {
          const o = overlay.get(name);
          return o !== undefined ? o !== null : s.base ? baseNames(s.base).has(name) : false;
        };
        e.names.forEach((name, i) => {
          if (!held(name)) s.count++;
          overlay.set(name, lists[i]!);
        });
        for (const name of e.removed) {
          if (held(name)) s.count--;
          overlay.set(name, null);
        }
      }
      this.sendDelta(e.typeUrl, [], [], e.nonce); // ACK
      const refType = e.typeUrl === CDS ? EDS : RDS;
      const ref = this.types.get(refType)!;
      if (first && ref.subscribed === undefined && s.base === p) {
        // The first state of the world: subscribe to everything it references, one shared list.
        const union = deltaRefUnion(p, buf, (names) => this.env.share(names));
        if (union.names.length === 0) return;
        ref.subscribed = union;
        ref.missing.addAll(union);
        ref.acked = false;
        this.sendDelta(refType, union, []);
        return;
      }
      const current = ref.subscribed instanceof Set ? ref.subscribed : new Set(ref.subscribed?.names ?? []);
      ref.subscribed = current;
      const wanted = new Set<string>();
      const overlay = s.overlay ?? new Map<string, readonly string[] | null>();
      if (s.base) {
        const baseLists = s.base.refLists ?? [];
        s.base.env.names.forEach((name, i) => {
          if (!overlay.has(name)) for (const n of baseLists[i] ?? []) wanted.add(n);
        });
      }
      for (const v of overlay.values()) if (v) for (const n of v) wanted.add(n);
      const subscribe = [...wanted].filter((n) => !current.has(n));
      const unsubscribe = [...current].filter((n) => !wanted.has(n));
      if (subscribe.length === 0 && unsubscribe.length === 0) return;
      for (const n of subscribe) {
        current.add(n);
        ref.missing.add(n);
      }
      for (const n of unsubscribe) {
        current.delete(n);
        ref.missing.delete(n);
      }
      ref.acked = false;
      this.sendDelta(refType, subscribe, unsubscribe);
      return;
    }
    if (s.missing.size > 0) s.missing.receive(p, baseNames(p));
    this.sendDelta(e.typeUrl, [], [], e.nonce); // ACK
  }

  private isSynced(): boolean {
    const c = this.types.get(CDS)!;
    const l = this.types.get(LDS)!;
    const e = this.types.get(EDS)!;
    const r = this.types.get(RDS)!;
    const goal = this.env.goal;
    if (!c.acked || !l.acked || c.count < goal.clusters || l.count < goal.listeners) return false;
    if (e.missing.size > 0 || r.missing.size > 0) return false;
    const edsWanted =
      this.env.mode === 'sotw' ? (e.wanted?.names.length ?? 0) : subscribedCount(e.subscribed);
    const rdsWanted =
      this.env.mode === 'sotw' ? (r.wanted?.names.length ?? 0) : subscribedCount(r.subscribed);
    return (edsWanted === 0 || e.acked) && (rdsWanted === 0 || r.acked);
  }
}

function subscribedCount(s: SharedNames | Set<string> | undefined): number {
  return s === undefined ? 0 : s instanceof Set ? s.size : s.names.length;
}
