/**
 * The shapes shared by the ADS connections and the server: what a connection needs, what it
 * reports per response, and the debug view of its per-type sync state (proxy-status).
 */
import type { status as GrpcStatus, ServerDuplexStream } from '@grpc/grpc-js';
import type { Logger } from '../util/log.js';
import type { PushRequest } from '../model/push-request.js';
import type { ParseProxyResult, Proxy } from '../model/proxy.js';
import type { NodeMessage } from './ads-messages.js';
import type { RoundEntries } from './round-entries.js';
import type { ResourceSource } from './source.js';

export type XdsMode = 'sotw' | 'delta';

/** Reported for every response written (metrics, convergence measurement). */
export interface ResponseEvent {
  readonly connectionId: string;
  readonly proxyId: string;
  readonly mode: XdsMode;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly version: string;
  readonly resources: number;
  readonly removed: number;
  /** `request`: answering the client; `push`: a config change (its PushRequest start time). */
  readonly trigger: 'request' | 'push';
  readonly pushStart?: number;
  /** Time spent generating and writing this response (ms), for `pilot_xds_push_time`. */
  readonly elapsedMs?: number;
}

/** Reported for every NACK received (metrics; config authors later, issue 8). */
export interface NackEvent {
  readonly connectionId: string;
  readonly proxyId: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly message: string;
}

/**
 * A NACK stopped being current (issue 8): the proxy ACKed a later response of the type, or the
 * stream closed while a NACK was outstanding (a disconnected proxy rejects nothing: only connected
 * proxies' current NACKs count, as istiod's distribution report counts connected proxies only).
 */
export interface NackClearedEvent {
  readonly connectionId: string;
  readonly proxyId: string;
  readonly typeUrl: string;
  readonly reason: 'ack' | 'disconnect';
}

/** The verdict of {@link ConnectionDeps.authorize}. */
export type AuthorizeResult =
  { readonly ok: true } | { readonly ok: false; readonly code: GrpcStatus; readonly details: string };

/** What the authorize hook may read of a stream: its metadata (tokens), TLS peer and address. */
export type AuthorizeCall = Pick<
  ServerDuplexStream<unknown, unknown>,
  'metadata' | 'getAuthContext' | 'getPeer'
>;

export type AuthorizeHook = (proxy: Proxy, call: AuthorizeCall) => AuthorizeResult | Promise<AuthorizeResult>;

export interface ConnectionDeps {
  readonly source: ResourceSource;
  readonly logger: Logger;
  readonly parseNode: (node: NodeMessage | null | undefined) => ParseProxyResult;
  readonly wildcardType: (typeUrl: string) => boolean;
  /** Called once the node is known (the connection starts receiving pushes). */
  readonly onReady?: (conn: AdsStream) => void;
  readonly onClose: (conn: AdsStream) => void;
  readonly onResponse?: (event: ResponseEvent) => void;
  readonly onNack?: (event: NackEvent) => void;
  readonly onNackCleared?: (event: NackClearedEvent) => void;
  /**
   * Decides, once per stream when its node is first read, whether the proxy may be served (xDS
   * over TLS: the identity it proved must own the namespace it claims). Requests arriving while
   * an asynchronous decision runs wait for it; a refusal ends the stream with its status.
   */
  readonly authorize?: AuthorizeHook;
}

export interface TypeInfo {
  readonly typeUrl: string;
  readonly type: string;
  readonly wildcard: boolean;
  readonly names: readonly string[];
  readonly sentVersion?: string;
  readonly sentNonce?: string;
  readonly sentAt?: number;
  readonly ackedVersion?: string;
  readonly ackedNonce?: string;
  /** Resources the client holds as far as the server knows (last response in SotW). */
  readonly resourceCount: number;
  readonly lastNackNonce?: string;
  readonly lastNackError?: string;
}

export interface ConnectionInfo {
  readonly connectionId: string;
  readonly proxyId: string;
  readonly peer: string;
  readonly mode: XdsMode;
  readonly connectedAt: number;
  readonly types: readonly TypeInfo[];
  /**
   * The proxy as parsed from its first request's `Node` (namespace, labels, GENERATOR and the
   * rest of the metadata), so debug views and NACK attribution see the real proxy rather than
   * one re-derived from the id. Absent only in hand-made views (tests).
   */
  readonly proxy?: Proxy;
}

/** A connection as the server sees it, whatever its mode. */
export interface AdsStream {
  readonly id: string;
  /** The node was read: the stream serves a proxy. */
  isReady(): boolean;
  enqueuePush(request: PushRequest): void;
  fail(code: GrpcStatus, details: string): void;
  info(): ConnectionInfo;
}

/** Names a response must carry on top of the diff (delta), accumulated until the next round. */
export interface Pending {
  /** Shared or own; replaced, never mutated. */
  names: ReadonlySet<string>;
  all: boolean;
}

/** What a round has done so far: types written, deferred work (delta removals). */
export interface Round {
  /** The round carries a config change (not only answers to requests). */
  push: boolean;
  /** SotW: the types written in this round (warming reads it; delta has no warming). */
  readonly sent: RoundEntries<true>;
  readonly deferred: Array<() => void>;
  /**
   * SotW full-state types sent in this round: the names that were new or changed, or `'all'`
   * when the stream had nothing before (warming then covers every child resource).
   */
  readonly changed: RoundEntries<ReadonlySet<string> | 'all'>;
}
