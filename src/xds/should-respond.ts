/**
 * The xDS ACK/NACK decision, pure: from what a stream knows about one type and the request just
 * received, decide whether to answer and what the subscription becomes. Follows Envoy's
 * xds_protocol.rst ("ACK/NACK and resource type instance version", "When to send an update",
 * "How the client specifies what resources to return", "Incremental xDS") and discovery.proto.
 */
import type { DeltaDiscoveryRequest, DiscoveryRequest, StatusMessage } from './ads-messages.js';
import {
  WILDCARD,
  isWildcardType,
  sameSubscription,
  type Subscription,
  type TypeState,
} from './type-state.js';

export type DecisionKind = 'initial' | 'ack' | 'nack' | 'stale' | 'subscription-change' | 'duplicate';

export interface AckInfo {
  readonly nonce: string;
  readonly version: string;
}

export interface NackDetail extends AckInfo {
  readonly code: number;
  readonly message: string;
}

interface DecisionBase {
  readonly respond: boolean;
  readonly kind: DecisionKind;
  /** The subscription once this request is applied (unchanged when ignored). */
  readonly subscription: Subscription;
  readonly namesEverSent: boolean;
  readonly ack?: AckInfo;
  readonly nack?: NackDetail;
}

export type SotwDecision = DecisionBase;

export interface DeltaDecision extends DecisionBase {
  /**
   * Names the response must carry whatever the client seems to hold: in `resources` when they
   * exist, else in `removed_resources` (discovery.proto: "the server must respond with all
   * resources listed in resource_names_subscribe").
   */
  readonly force: readonly string[];
  /** `*` was just subscribed: send every resource of the wildcard set. */
  readonly forceAll: boolean;
  /** Names the client unsubscribed from: it dropped them, forget their versions. */
  readonly forget: readonly string[];
  /** Wildcard was just dropped: forget every held name that is not explicitly subscribed. */
  readonly forgetUnlisted: boolean;
  /** `initial_resource_versions` of the first request of the type: what a reconnecting client holds. */
  readonly initialVersions?: ReadonlyMap<string, string>;
}

function nackDetail(nonce: string, version: string, status: StatusMessage): NackDetail {
  return { nonce, version, code: status.code ?? 0, message: status.message ?? '' };
}

/**
 * The SotW subscription a request asks for. Wildcard is `*`, or, for the types that have a legacy
 * wildcard, never having named anything; once names were sent an empty list unsubscribes all.
 */
export function sotwSubscription(
  prevNamesEverSent: boolean,
  names: readonly string[],
  wildcardType: boolean,
): { subscription: Subscription; namesEverSent: boolean } {
  const namesEverSent = prevNamesEverSent || names.length > 0;
  const wildcard = names.includes(WILDCARD) || (wildcardType && !namesEverSent);
  return { subscription: { wildcard, names: new Set(names.filter((n) => n !== WILDCARD)) }, namesEverSent };
}

/**
 * SotW ADS. The first request of a type is always answered. A request whose nonce is not the
 * last one sent is stale and ignored entirely (a newer request will follow). With the current
 * nonce it is an ACK, or a NACK when `error_detail` is set; either is answered only when the
 * subscription changed, so a NACKed version is never resent. A request without nonce after the
 * first (clients grow their subscriptions before any response arrives) is answered when it
 * changes the subscription.
 */
export function shouldRespondSotw(
  state: TypeState | undefined,
  req: DiscoveryRequest,
  wildcardType: boolean = isWildcardType(req.type_url ?? ''),
): SotwDecision {
  const names = req.resource_names ?? [];
  const next = sotwSubscription(state?.namesEverSent ?? false, names, wildcardType);
  if (!state) return { respond: true, kind: 'initial', ...next };
  const changed = !sameSubscription(state.subscription, next.subscription);
  const nonce = req.response_nonce ?? '';
  if (nonce === '') {
    return { respond: changed, kind: changed ? 'subscription-change' : 'duplicate', ...next };
  }
  if (nonce !== state.sentNonce) {
    return {
      respond: false,
      kind: 'stale',
      subscription: state.subscription,
      namesEverSent: state.namesEverSent,
    };
  }
  const version = req.version_info ?? '';
  if (req.error_detail) {
    return { respond: changed, kind: 'nack', ...next, nack: nackDetail(nonce, version, req.error_detail) };
  }
  return {
    respond: changed,
    kind: changed ? 'subscription-change' : 'ack',
    ...next,
    ack: { nonce, version },
  };
}

/**
 * Delta ADS. Subscription changes are honored whatever the nonce. Every subscribed name is
 * answered (resource or removal). Unsubscribing needs no answer, except when the name stays
 * covered by a wildcard subscription: then the client must learn whether it still exists. The
 * first request of a type may carry `initial_resource_versions`: those names are diffed by
 * version instead of forced, so a reconnecting client gets only changes and removals.
 */
export function shouldRespondDelta(
  state: TypeState | undefined,
  req: DeltaDiscoveryRequest,
  wildcardType: boolean = isWildcardType(req.type_url ?? ''),
): DeltaDecision {
  const subscribe = req.resource_names_subscribe ?? [];
  const unsubscribe = req.resource_names_unsubscribe ?? [];
  const namedSubscribe = subscribe.filter((n) => n !== WILDCARD);
  const namedUnsubscribe = unsubscribe.filter((n) => n !== WILDCARD);

  if (!state) {
    const initialVersions = new Map(Object.entries(req.initial_resource_versions ?? {}));
    const names = new Set(namedSubscribe);
    for (const n of namedUnsubscribe) names.delete(n);
    const legacyWildcard = wildcardType && subscribe.length === 0;
    const wildcard = (subscribe.includes(WILDCARD) || legacyWildcard) && !unsubscribe.includes(WILDCARD);
    return {
      respond: true,
      kind: 'initial',
      subscription: { wildcard, names },
      namesEverSent: subscribe.length > 0,
      force: [...names].filter((n) => !initialVersions.has(n)),
      forceAll: false,
      forget: [],
      forgetUnlisted: false,
      initialVersions,
    };
  }

  const prev = state.subscription;
  const legacy = prev.wildcard && !state.namesEverSent;
  let wildcard = prev.wildcard;
  // A legacy (implicit) wildcard ends when the client starts naming resources without `*`.
  if (legacy && namedSubscribe.length > 0) wildcard = false;
  if (subscribe.includes(WILDCARD)) wildcard = true;
  if (unsubscribe.includes(WILDCARD)) wildcard = false;
  const names = new Set(prev.names);
  for (const n of namedUnsubscribe) names.delete(n);
  for (const n of namedSubscribe) names.add(n);
  const subscription: Subscription = { wildcard, names };
  const namesEverSent = state.namesEverSent || subscribe.length > 0;

  const force = new Set(namedSubscribe);
  const forget: string[] = [];
  for (const n of namedUnsubscribe) {
    if (names.has(n)) continue;
    if (wildcard) force.add(n);
    else forget.push(n);
  }
  const forceAll = wildcard && !prev.wildcard;
  const forgetUnlisted = prev.wildcard && !wildcard;
  const changed = !sameSubscription(prev, subscription);

  const nonce = req.response_nonce ?? '';
  let kind: DecisionKind = changed ? 'subscription-change' : 'duplicate';
  let ack: AckInfo | undefined;
  let nack: NackDetail | undefined;
  if (nonce !== '') {
    // A NACK names a response the client rejected, stale or not: record it either way.
    if (req.error_detail) nack = nackDetail(nonce, state.ackedVersion ?? '', req.error_detail);
    else if (nonce === state.sentNonce) ack = { nonce, version: state.sentVersion ?? '' };
    if (!changed) kind = nack ? 'nack' : ack ? 'ack' : 'stale';
  }
  return {
    respond: force.size > 0 || forceAll,
    kind,
    subscription,
    namesEverSent,
    force: [...force],
    forceAll,
    forget,
    forgetUnlisted,
    ...(ack ? { ack } : {}),
    ...(nack ? { nack } : {}),
  };
}
