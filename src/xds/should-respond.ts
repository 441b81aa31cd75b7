/**
 * The xDS ACK/NACK decision, pure: from what a stream knows about one type and the request just
 * received, decide whether to answer and what the subscription becomes. Follows Envoy's
 * xds_protocol.rst ("ACK/NACK and resource type instance version", "When to send an update",
 * "How the client specifies what resources to return", "Incremental xDS") and discovery.proto.
 */
import type { DeltaDiscoveryRequest, DiscoveryRequest, NameList, StatusMessage } from './ads-messages.js';
import { internChange, internNames, internOwned, namesEqual, NO_NAMES } from './name-sets.js';
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
   * resources listed in resource_names_subscribe"). Possibly the interned subscription Set
   * itself: never mutate it.
   */
  readonly forceNames: ReadonlySet<string>;
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
 * When the names are those of `prev` (an ACK repeats the whole list), `prev` itself is returned:
 * no Set is built; otherwise the names are interned (name-sets.ts).
 */
export function sotwSubscription(
  prevNamesEverSent: boolean,
  names: readonly string[] | NameList,
  wildcardType: boolean,
  prev?: Subscription,
): { subscription: Subscription; namesEverSent: boolean } {
  const list = isNameList(names) ? names : undefined;
  const count = list ? list.count : (names as readonly string[]).length;
  const listed = list ? list.wildcard : (names as readonly string[]).includes(WILDCARD);
  const namesEverSent = prevNamesEverSent || count > 0;
  const wildcard = listed || (wildcardType && !namesEverSent);
  if (list) {
    if (prev && prev.wildcard === wildcard && prev.names === list.names)
      return { subscription: prev, namesEverSent };
    return { subscription: { wildcard, names: list.names }, namesEverSent };
  }
  const array = names as readonly string[];
  if (prev && prev.wildcard === wildcard && namesEqual(prev.names, array))
    return { subscription: prev, namesEverSent };
  const interned = internNames(array.filter((n) => n !== WILDCARD));
  if (prev && prev.wildcard === wildcard && prev.names === interned)
    return { subscription: prev, namesEverSent };
  return { subscription: { wildcard, names: interned }, namesEverSent };
}

function isNameList(names: readonly string[] | NameList): names is NameList {
  return !Array.isArray(names);
}

/** Nothing listed (every ACK). */
const NO_LIST: NameList = { names: NO_NAMES, wildcard: false, count: 0 };
const NO_STRINGS: readonly string[] = [];

/** A request's list: the decoder's interned one, or built from the plain array. */
function nameList(list: NameList | undefined, names: readonly string[] | undefined): NameList {
  if (list) return list;
  if (!names || names.length === 0) return NO_LIST;
  const array = names;
  return {
    names: internNames(array.filter((n) => n !== WILDCARD)),
    wildcard: array.includes(WILDCARD),
    count: array.length,
  };
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
  const names = req.resource_names_source?.resolve(state?.subscription.names) ?? req.resource_names ?? [];
  const next = sotwSubscription(state?.namesEverSent ?? false, names, wildcardType, state?.subscription);
  if (!state) return { respond: true, kind: 'initial', ...next };
  const changed =
    next.subscription !== state.subscription && !sameSubscription(state.subscription, next.subscription);
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
  const subscribe = nameList(req.subscribe_list, req.resource_names_subscribe);
  const unsubscribe = nameList(req.unsubscribe_list, req.resource_names_unsubscribe);

  if (!state) {
    const initialVersions = new Map(Object.entries(req.initial_resource_versions ?? {}));
    let names = subscribe.names;
    if (unsubscribe.names.size > 0) {
      const initial = new Set(subscribe.names);
      for (const n of unsubscribe.names) initial.delete(n);
      names = internOwned(initial);
    }
    const legacyWildcard = wildcardType && subscribe.count === 0;
    const wildcard = (subscribe.wildcard || legacyWildcard) && !unsubscribe.wildcard;
    const forceNames = initialVersions.size === 0 ? names : without(names, initialVersions);
    return {
      respond: true,
      kind: 'initial',
      subscription: { wildcard, names },
      namesEverSent: subscribe.count > 0,
      forceNames,
      forceAll: false,
      forget: NO_STRINGS,
      forgetUnlisted: false,
      initialVersions,
    };
  }

  const prev = state.subscription;
  const legacy = prev.wildcard && !state.namesEverSent;
  let wildcard = prev.wildcard;
  // A legacy (implicit) wildcard ends when the client starts naming resources without `*`.
  if (legacy && subscribe.names.size > 0) wildcard = false;
  if (subscribe.wildcard) wildcard = true;
  if (unsubscribe.wildcard) wildcard = false;
  // An ACK names nothing: the subscription (and its interned Set) stays as it is.
  let names = prev.names;
  if (unsubscribe.names.size === 0 && prev.names.size === 0) names = subscribe.names;
  else if (subscribe.names.size > 0 || unsubscribe.names.size > 0)
    names = internChange(prev.names, subscribe.names, unsubscribe.names);
  const subscription: Subscription =
    wildcard === prev.wildcard && names === prev.names ? prev : { wildcard, names };
  const namesEverSent = state.namesEverSent || subscribe.count > 0;

  let forceNames: ReadonlySet<string> = subscribe.names;
  let forget: string[] | undefined;
  for (const n of unsubscribe.names) {
    if (names.has(n)) continue;
    if (wildcard) {
      if (forceNames === subscribe.names) forceNames = new Set(subscribe.names);
      (forceNames as Set<string>).add(n);
    } else (forget ??= []).push(n);
  }
  const forceAll = wildcard && !prev.wildcard;
  const forgetUnlisted = prev.wildcard && !wildcard;
  const changed = subscription !== prev && !sameSubscription(prev, subscription);

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
  // Built as one literal (no spreads): every ACK of every stream passes here.
  return {
    respond: forceNames.size > 0 || forceAll,
    kind,
    subscription,
    namesEverSent,
    forceNames,
    forceAll,
    forget: forget ?? NO_STRINGS,
    forgetUnlisted,
    ack,
    nack,
  };
}

function without(names: ReadonlySet<string>, drop: ReadonlyMap<string, string>): ReadonlySet<string> {
  const out = new Set<string>();
  for (const n of names) if (!drop.has(n)) out.add(n);
  return out;
}
