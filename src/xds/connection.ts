/**
 * One ADS stream: the proxy it serves (node parsed once, from the first request), the per-type
 * protocol state, and a small work loop that writes at most one response at a time. Pushes that
 * arrive while a response is being written merge into one (`mergePushRequests`), and a write
 * waits for gRPC to take the previous one, so a slow stream holds one merged PushRequest, never a
 * queue (design §5). SotW and Delta differ only in how they read requests and build responses.
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
  ResponseEvent,
  Round,
  TypeInfo,
  XdsMode,
} from './connection-types.js';
import type { PreparedResponse } from './prepared-response.js';
import { NO_NAMES } from './name-sets.js';
import type { TypeState } from './type-state.js';
import { PUSH_ORDER, shortTypeName } from './type-urls.js';

let connectionSeq = 0;

function typeOrder(typeUrl: string): number {
  const i = PUSH_ORDER.indexOf(typeUrl);
  return i < 0 ? PUSH_ORDER.length : i;
}

/** Types in push order (CDS, EDS, LDS, RDS, SDS), then any other type by name. */
export function inPushOrder(types: Iterable<string>): string[] {
  return [...types].sort((a, b) => typeOrder(a) - typeOrder(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export abstract class XdsConnection<
  Req extends { node?: NodeMessage | null; type_url?: string },
> implements AdsStream {
  id = '';
  proxy: Proxy | undefined;
  readonly connectedAt = Date.now();
  protected readonly types = new Map<string, TypeState>();
  protected log: Logger;
  private pendingPush: PushRequest | undefined;
  private pending = new Map<string, Pending>();
  private running = false;
  /** Requests received while `deps.authorize` decides on the node (replayed in order after). */
  private held: Req[] | undefined;
  private closed = false;
  /** When the response being built started (for `ResponseEvent.elapsedMs`). */
  private responseStart = 0;
  /** Resolvers of writes gRPC has not taken yet; a closing stream resolves them with false. */
  private readonly inflight = new Set<(ok: boolean) => void>();

  constructor(
    protected readonly call: ServerDuplexStream<Req, PreparedResponse>,
    protected readonly deps: ConnectionDeps,
    readonly mode: XdsMode,
  ) {
    this.log = deps.logger;
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
  ): Promise<void>;

  /** Must this type be sent in this round even if nothing of it changed (warming)? */
  protected abstract forcedByRound(typeUrl: string, round: Round): boolean;

  isReady(): boolean {
    return this.proxy !== undefined;
  }

  isClosed(): boolean {
    return this.closed;
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
    if (this.running || this.closed) return;
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
    });
  }

  private async run(): Promise<void> {
    while (!this.closed && (this.pendingPush || this.pending.size > 0)) {
      const push = this.pendingPush;
      const pending = this.pending;
      this.pendingPush = undefined;
      this.pending = new Map();
      try {
        await this.round(push, pending);
      } catch (err) {
        this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'ADS push failed');
      }
    }
  }

  private async round(push: PushRequest | undefined, pending: Map<string, Pending>): Promise<void> {
    const proxy = this.proxy;
    if (!proxy) return;
    const round: Round = { push: push !== undefined, sent: new Set(), deferred: [], changed: new Map() };
    const candidates = new Set(pending.keys());
    for (const t of this.types.keys()) candidates.add(t);
    for (const typeUrl of inPushOrder(candidates)) {
      if (this.closed) return;
      const state = this.types.get(typeUrl);
      if (!state) continue;
      const p = pending.get(typeUrl);
      let request: PushRequest | undefined;
      if (p || this.forcedByRound(typeUrl, round))
        request = push?.full ? push : fullPush('proxy', Date.now());
      else if (push && this.deps.source.needsPush(proxy, typeUrl, push)) request = push;
      if (!request) continue;
      this.responseStart = Date.now();
      await this.respond(state, p, request, round);
    }
    for (const work of round.deferred) {
      if (this.closed) return;
      this.responseStart = Date.now();
      await work();
    }
  }

  /** Writes one message, resolving once gRPC has taken it (false if the stream closed). */
  protected write(message: PreparedResponse): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        if (this.inflight.delete(done)) resolve(ok);
      };
      this.inflight.add(done);
      try {
        this.call.write(message, (err?: Error | null) => done(!err));
      } catch (err) {
        this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'ADS write failed');
        done(false);
      }
    });
  }

  protected report(event: Omit<ResponseEvent, 'connectionId' | 'proxyId' | 'mode'>): void {
    const e: ResponseEvent = {
      connectionId: this.id,
      proxyId: this.proxy?.id ?? '',
      mode: this.mode,
      elapsedMs: Date.now() - this.responseStart,
      ...event,
    };
    this.log.debug(
      {
        type: shortTypeName(e.typeUrl),
        nonce: e.nonce,
        version: e.version,
        resources: e.resources,
        removed: e.removed,
      },
      e.trigger === 'push' ? 'ADS push' : 'ADS response',
    );
    this.deps.onResponse?.(e);
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
    for (const done of [...this.inflight]) done(false);
    if (this.proxy) this.log.info('ADS disconnected');
    this.deps.onClose(this);
    for (const [typeUrl, s] of this.types) if (s.nack) this.reportNackCleared(typeUrl, 'disconnect');
  }

  info(): ConnectionInfo {
    const types = inPushOrder(this.types.keys()).map((typeUrl): TypeInfo => {
      const s = this.types.get(typeUrl)!;
      return {
        typeUrl,
        type: shortTypeName(typeUrl),
        wildcard: s.subscription.wildcard,
        names: [...s.subscription.names].sort(),
        sentVersion: s.sentVersion,
        sentNonce: s.sentNonce,
        sentAt: s.sentAt,
        ackedVersion: s.ackedVersion,
        ackedNonce: s.ackedNonce,
        resourceCount: this.mode === 'sotw' ? (s.sentContent?.resources.length ?? 0) : s.held.size,
        lastNackNonce: s.nack?.nonce,
        lastNackError: s.nack?.message,
      };
    });
    return {
      connectionId: this.id,
      proxyId: this.proxy?.id ?? '',
      peer: this.peer(),
      mode: this.mode,
      connectedAt: this.connectedAt,
      types,
      ...(this.proxy ? { proxy: this.proxy } : {}),
    };
  }
}
