/**
 * One ADS stream: the proxy it serves (node parsed once, from the first request), the per-type
 * protocol state, and a small work loop. A round decides every watched type synchronously and
 * hands its responses to gRPC in push order; the next round starts only once gRPC took all of
 * them. Pushes that arrive meanwhile merge into one (`mergePushRequests`), so a slow stream holds
 * at most one round of responses and one merged PushRequest, never a queue (design §5). SotW and
 * Delta differ only in how they read requests and build responses.
 *
 * Rounds are synchronous because a push visits thousands of streams in one loop: per stream, a
 * chain of async frames and a promise per write cost more than deciding and writing (issue 3).
 */
import { status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import type { Logger } from '../util/log.js';
import { fullPush, mergePushRequests, type PushRequest } from '../model/push-request.js';
import type { Proxy } from '../model/proxy.js';
import type { NodeMessage } from './ads-messages.js';
import type {
  AdsStream,
  AuthorizeResult,
  ConnectionDeps,
  ConnectionInfo,
  Pending,
  Round,
  XdsMode,
} from './connection-types.js';
import { RoundEntries } from './round-entries.js';
import { responseEvent } from './response-event.js';
import { directWriter, type DirectWriter } from './grpc-tuning.js';
import type { PreparedResponse } from './prepared-response.js';
import { NO_NAMES } from './name-sets.js';
import type { GenerateResult, WatchedResource } from './source.js';
import { typeInfo, type TypeState } from './type-state.js';
import { inPushOrder } from './type-urls.js';

let connectionSeq = 0;
const NO_PENDING: ReadonlyMap<string, Pending> = new Map();

export abstract class XdsConnection<
  Req extends { node?: NodeMessage | null; type_url?: string },
> implements AdsStream {
  id = '';
  /** The proxy's id once the node is read (kept apart: a push reads it for every response). */
  proxyId = '';
  proxy: Proxy | undefined;
  readonly connectedAt = Date.now();
  protected readonly types = new Map<string, TypeState>();
  protected log: Logger;
  private pendingPush: PushRequest | undefined;
  private pending = new Map<string, Pending>();
  private running = false;
  /** Writes gRPC has not taken yet; the next round waits for zero. */
  private outstanding = 0;
  /** `types` keys in push order (recomputed when a type is added). */
  private ordered: readonly string[] = [];
  /** Their states, in the same order (a round reads them without a Map lookup per type). */
  private orderedStates: readonly TypeState[] = [];
  /** Reused by every round of this stream (rounds never overlap). */
  private readonly round: Round = {
    push: false,
    sent: new RoundEntries(),
    deferred: [],
    changed: new RoundEntries(),
  };
  /** Requests received while `deps.authorize` decides on the node (replayed in order after). */
  private held: Req[] | undefined;
  private closed = false;
  /** When the response being built started (for `ResponseEvent.elapsedMs`). */
  private responseStart = 0;
  /** Writes framed bytes to the HTTP/2 stream directly when grpc-js allows it (grpc-tuning.ts). */
  private readonly direct: DirectWriter | undefined;
  /** gRPC took a write (one function per stream, not one closure per write). */
  private readonly written = (err?: Error | null): void => this.onWritten(err);

  constructor(
    protected readonly call: ServerDuplexStream<Req, PreparedResponse>,
    protected readonly deps: ConnectionDeps,
    readonly mode: XdsMode,
  ) {
    this.log = deps.logger;
    this.direct = directWriter(call);
    call.on('data', (msg: Req) => this.onData(msg));
    call.on('end', () => this.close());
    call.on('cancelled', () => this.markClosed());
    call.on('close', () => this.markClosed());
    call.on('error', (err: Error) => {
      this.log.debug({ err: err.message }, 'ADS stream error');
      this.markClosed();
    });
  }

  /** Reads one request of `typeUrl`; calls `want()` when it must be answered. */
  protected abstract handleRequest(req: Req, typeUrl: string): void;

  /** Builds and writes the response for one type, or nothing if there is nothing to send. */
  protected abstract respond(
    state: TypeState,
    pending: Pending | undefined,
    push: PushRequest,
    round: Round,
  ): void;

  /** Must this type be sent in this round even if nothing of it changed (warming)? */
  protected abstract forcedByRound(typeUrl: string, round: Round): boolean;

  isReady(): boolean {
    return this.proxy !== undefined;
  }

  isClosed(): boolean {
    return this.closed;
  }

  /** What the stream watches of a type, as the source takes it (one object per subscription). */
  protected watchedOf(state: TypeState): WatchedResource {
    const sub = state.subscription;
    const w = state.watched;
    if (w && w.names === sub.names && w.wildcard === sub.wildcard) return w;
    return (state.watched = { typeUrl: state.typeUrl, wildcard: sub.wildcard, names: sub.names });
  }

  /** Starts tracking a type (first request of it). */
  protected addType(typeUrl: string, state: TypeState): void {
    if (this.proxy && this.deps.source.bind) state.binding = this.deps.source.bind(this.proxy, typeUrl);
    this.types.set(typeUrl, state);
    this.ordered = inPushOrder(this.types.keys());
    this.orderedStates = this.ordered.map((t) => this.types.get(t)!);
  }

  /** The source's resources of `state`'s type for this stream's proxy. */
  protected generate(state: TypeState, push: PushRequest): GenerateResult {
    const watched = this.watchedOf(state);
    return state.binding
      ? state.binding.generate(watched, push)
      : this.deps.source.generate(this.proxy!, watched, push);
  }

  peer(): string {
    try {
      return this.call.getPeer();
    } catch {
      return 'unknown';
    }
  }

  private onData(req: Req): void {
    if (this.closed) return;
    try {
      this.receive(req);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error({ err: message }, 'ADS request handling failed');
      this.fail(GrpcStatus.INTERNAL, `xDS server error: ${message}`);
    }
  }

  private receive(req: Req): void {
    if (this.held) {
      this.held.push(req);
      return;
    }
    if (!this.proxy) {
      const parsed = this.deps.parseNode(req.node);
      if (!parsed.ok) {
        this.fail(GrpcStatus.INVALID_ARGUMENT, `invalid first request: ${parsed.error}`);
        return;
      }
      const verdict = this.deps.authorize?.(parsed.proxy, this.call) ?? { ok: true };
      if (verdict instanceof Promise) {
        // Hold this and later requests until the decision; replay them in order once admitted.
        this.held = [req];
        const admit = (v: AuthorizeResult): void => {
          const held = this.held ?? [];
          this.held = undefined;
          if (this.closed || !this.admit(parsed.proxy, v)) return;
          for (const r of held) this.onData(r);
        };
        verdict.then(admit, (err: unknown) =>
          admit({
            ok: false,
            code: GrpcStatus.INTERNAL,
            details: `xDS authorization failed: ${String(err)}`,
          }),
        );
        return;
      }
      if (!this.admit(parsed.proxy, verdict)) return;
    }
    const typeUrl = req.type_url ?? '';
    if (!typeUrl) {
      // ADS multiplexes types on one stream: the type URL is what routes a request.
      this.fail(GrpcStatus.INVALID_ARGUMENT, 'type_url is required on every ADS request');
      return;
    }
    const nacked = this.types.get(typeUrl)?.nack !== undefined;
    this.handleRequest(req, typeUrl);
    if (nacked && this.types.get(typeUrl)?.nack === undefined) this.reportNackCleared(typeUrl, 'ack');
  }

  /** Starts serving `proxy` if `verdict` allows it; ends the stream with its status otherwise. */
  private admit(proxy: Proxy, verdict: AuthorizeResult): boolean {
    if (!verdict.ok) {
      this.fail(verdict.code, verdict.details);
      return false;
    }
    this.proxy = proxy;
    this.proxyId = proxy.id;
    this.id = `${proxy.id}-${++connectionSeq}`;
    this.log = this.deps.logger.child({ conn: this.id });
    this.log.info({ peer: this.peer(), mode: this.mode }, 'ADS connected');
    this.deps.onReady?.(this);
    return true;
  }

  /** Tells the server's `onNackCleared` hook that a NACK of `typeUrl` is no longer current. */
  private reportNackCleared(typeUrl: string, reason: 'ack' | 'disconnect'): void {
    this.deps.onNackCleared?.({ connectionId: this.id, proxyId: this.proxy?.id ?? '', typeUrl, reason });
  }

  /**
   * Asks the loop to answer `typeUrl`, forcing `names` (delta) or everything (`all`). `names` is
   * kept by reference when nothing else is pending (it may be a shared interned Set: never
   * mutated), merged into a new Set otherwise.
   */
  protected want(typeUrl: string, names: ReadonlySet<string> = NO_NAMES, all = false): void {
    const p = this.pending.get(typeUrl);
    if (!p) this.pending.set(typeUrl, { names, all });
    else {
      if (names.size > 0) p.names = p.names.size === 0 ? names : new Set([...p.names, ...names]);
      p.all ||= all;
    }
    this.kick();
  }

  /** Queues a config change; merged with any push not yet started. */
  enqueuePush(request: PushRequest): void {
    if (this.closed || !this.proxy) return;
    this.pendingPush = mergePushRequests(this.pendingPush, request);
    this.kick();
  }

  private kick(): void {
    if (this.running || this.closed || this.outstanding > 0) return;
    this.running = true;
    try {
      while (!this.closed && this.outstanding === 0 && (this.pendingPush || this.pending.size > 0)) {
        const push = this.pendingPush;
        const pending = this.pending.size > 0 ? this.pending : NO_PENDING;
        this.pendingPush = undefined;
        if (pending !== NO_PENDING) this.pending = new Map();
        try {
          this.runRound(push, pending);
        } catch (err) {
          this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'ADS push failed');
        }
      }
    } finally {
      this.running = false;
    }
  }

  private runRound(push: PushRequest | undefined, pending: ReadonlyMap<string, Pending>): void {
    const proxy = this.proxy;
    if (!proxy) return;
    const round = this.round;
    round.push = push !== undefined;
    round.sent.clear();
    if (round.deferred.length > 0) round.deferred.length = 0;
    round.changed.clear();
    const source = this.deps.source;
    const types = this.ordered;
    for (let i = 0; i < types.length; i++) {
      if (this.closed) return;
      const typeUrl = types[i]!;
      const p = pending.size > 0 ? pending.get(typeUrl) : undefined;
      let request: PushRequest | undefined;
      if (p || this.forcedByRound(typeUrl, round))
        request = push?.full ? push : fullPush('proxy', Date.now());
      // A type the push concerns for no proxy is skipped before this stream's state is read.
      else if (!push || (source.concerns && !source.concerns(typeUrl, push))) continue;
      else {
        const binding = this.orderedStates[i]!.binding;
        if (binding ? binding.needsPush(push) : source.needsPush(proxy, typeUrl, push)) request = push;
      }
      if (!request) continue;
      this.responseStart = Date.now();
      this.respond(this.orderedStates[i]!, p, request, round);
    }
    for (const work of round.deferred) {
      if (this.closed) return;
      this.responseStart = Date.now();
      work();
    }
  }

  /**
   * Hands one message to gRPC. Writes of a round go out back to back, in push order; the next
   * round waits until gRPC took them all. False if the stream is closed.
   */
  protected write(message: PreparedResponse): boolean {
    if (this.closed) return false;
    this.outstanding++;
    try {
      if (!this.direct?.(message.framed, this.written)) this.call.write(message, this.written);
      return true;
    } catch (err) {
      this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'ADS write failed');
      this.outstanding--;
      return false;
    }
  }

  private onWritten(err?: Error | null): void {
    if (this.closed || this.outstanding === 0) return;
    if (err) this.log.debug({ err: err.message }, 'ADS write failed');
    if (--this.outstanding === 0) this.kick();
  }

  /**
   * Reports a response handed to gRPC (`push`: the config change it carries; absent: an answer
   * to the client's request): to the server's `onResponse` hook, and to the debug log.
   */
  protected report(prepared: PreparedResponse, version: string, push: PushRequest | undefined): void {
    const onResponse = this.deps.onResponse;
    // The server's logger, not this stream's child: one shared object, the same level.
    const debug = this.deps.logger.isLevelEnabled('debug');
    if (!onResponse && !debug) return;
    const e = responseEvent(this, this.log, prepared, version, push, this.responseStart, debug);
    onResponse?.(e);
  }

  /** Tells the server's `onNack` hook that the proxy rejected a response of `typeUrl`. */
  protected reportNack(typeUrl: string, nack: { readonly nonce: string; readonly message: string }): void {
    this.deps.onNack?.({
      connectionId: this.id,
      proxyId: this.proxy?.id ?? '',
      typeUrl,
      nonce: nack.nonce,
      message: nack.message,
    });
  }

  /** Ends the stream with a status (clients reconnect on UNAVAILABLE). */
  fail(code: GrpcStatus, details: string): void {
    if (this.closed) return;
    if (code === GrpcStatus.INVALID_ARGUMENT)
      this.log.warn({ peer: this.peer(), details }, 'ADS stream rejected');
    this.markClosed();
    try {
      this.call.emit('error', { code, details, name: 'XdsError', message: details });
    } catch {
      // The call is already gone.
    }
  }

  /** Ends the stream with OK. */
  close(): void {
    if (this.closed) return;
    this.markClosed();
    try {
      this.call.end();
    } catch {
      // The call is already gone.
    }
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.pendingPush = undefined;
    this.pending.clear();
    this.outstanding = 0;
    if (this.proxy) this.log.info('ADS disconnected');
    this.deps.onClose(this);
    for (const [typeUrl, s] of this.types) if (s.nack) this.reportNackCleared(typeUrl, 'disconnect');
  }

  info(): ConnectionInfo {
    return {
      connectionId: this.id,
      proxyId: this.proxy?.id ?? '',
      peer: this.peer(),
      mode: this.mode,
      connectedAt: this.connectedAt,
      types: this.ordered.map((typeUrl) => typeInfo(this.types.get(typeUrl)!, this.mode)),
      ...(this.proxy ? { proxy: this.proxy } : {}),
    };
  }
}
