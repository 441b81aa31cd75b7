/**
 * What one stream knows about one resource type: the client's subscription and the
 * version/nonce bookkeeping of the xDS protocol ("ACK/NACK and resource type instance version").
 */
import type { TypeContent } from './content.js';
import { HeldResources } from './held-resources.js';
import type { SourceBinding, WatchedResource } from './source.js';
import type { TypeInfo, XdsMode } from './connection-types.js';
import { ENDPOINT_TYPE, ROUTE_TYPE, SECRET_TYPE, shortTypeName } from './type-urls.js';

/** The wildcard resource name (xDS protocol, "How the client specifies what resources to return"). */
export const WILDCARD = '*';

export interface Subscription {
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
}

export interface NackInfo {
  readonly nonce: string;
  /** The version the client still runs (a NACK carries the last good version). */
  readonly version: string;
  readonly code: number;
  readonly message: string;
  readonly at: number;
}

export interface TypeState {
  readonly typeUrl: string;
  subscription: Subscription;
  /** `subscription` as the source's WatchedResource (rebuilt when the subscription changes). */
  watched?: WatchedResource;
  /** The source bound to this stream's proxy and this type, when the source binds. */
  binding?: SourceBinding;
  /** SotW: the client has sent a non-empty `resource_names` at least once (ends legacy wildcard). */
  namesEverSent: boolean;
  /** Nonce and version of the last response sent for this type. */
  sentNonce?: string;
  sentVersion?: string;
  sentAt?: number;
  /** Sequence of the last response sent (prepared-response.ts): nonces only increase. */
  sentSeq: number;
  /**
   * SotW: the content the client holds, shared with its group: the last full response, plus the
   * changes sent since for the types that need not be sent whole (EDS, RDS).
   */
  sentContent?: TypeContent;
  /**
   * Delta: name → version the client holds (what we sent plus `initial_resource_versions`), the
   * base every delta is computed against.
   */
  held: HeldResources;
  ackedNonce?: string;
  ackedVersion?: string;
  /** The last NACK; cleared by the next ACK. */
  nack?: NackInfo;
}

/**
 * Types for which an empty first request means wildcard. Envoy defines the legacy rule for
 * LDS/CDS; the named-only types are RDS, EDS and SDS. Every other type (Galley's MCP
 * collections included) is a collection the client wants whole, as in istiod.
 */
export function isWildcardType(typeUrl: string): boolean {
  return typeUrl !== ROUTE_TYPE && typeUrl !== ENDPOINT_TYPE && typeUrl !== SECRET_TYPE;
}

export function newTypeState(typeUrl: string, subscription: Subscription): TypeState {
  return {
    typeUrl,
    subscription,
    namesEverSent: subscription.names.size > 0,
    sentSeq: 0,
    held: new HeldResources(),
  };
}

/**
 * Types a SotW response must carry whole (xDS protocol, "Grouping resources into responses":
 * LDS and CDS, and by extension every wildcard-capable collection); for RDS, EDS and SDS each
 * response may carry only the resources that changed.
 */
export function isFullStateType(typeUrl: string): boolean {
  return isWildcardType(typeUrl);
}

export function sameSubscription(a: Subscription, b: Subscription): boolean {
  if (a.wildcard !== b.wildcard || a.names.size !== b.names.size) return false;
  for (const n of a.names) if (!b.names.has(n)) return false;
  return true;
}

/** Is `name` covered by this subscription? */
export function isSubscribed(sub: Subscription, name: string): boolean {
  return sub.wildcard || sub.names.has(name);
}

/** A type's sync state as the debug views and proxy-status show it. */
export function typeInfo(s: TypeState, mode: XdsMode): TypeInfo {
  return {
    typeUrl: s.typeUrl,
    type: shortTypeName(s.typeUrl),
    wildcard: s.subscription.wildcard,
    names: [...s.subscription.names].sort(),
    sentVersion: s.sentVersion,
    sentNonce: s.sentNonce,
    sentAt: s.sentAt,
    ackedVersion: s.ackedVersion,
    ackedNonce: s.ackedNonce,
    resourceCount: mode === 'sotw' ? (s.sentContent?.resources.length ?? 0) : s.held.size,
    lastNackNonce: s.nack?.nonce,
    lastNackError: s.nack?.message,
  };
}
