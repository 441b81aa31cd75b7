/**
 * State-of-the-world ADS (`StreamAggregatedResources`). A response carries a type's subscribed
 * set with a content-hash `version_info` and a fresh nonce; a push is written only when that set
 * changed for this stream, so a NACKed set is never resent (xDS protocol, "When to send an
 * update"). LDS and CDS are always sent whole; EDS and RDS responses carry only the resources
 * that are new or changed for the stream. Responses are prepared once and shared by every stream of a group.
 */
import { isProxyless } from '../model/proxy.js';
import type { PushRequest } from '../model/push-request.js';
import type { DiscoveryRequest } from './ads-messages.js';
import { XdsConnection } from './connection.js';
import type { Pending, Round } from './connection-types.js';
import { contentOf, diffContent, type ContentDiff, type TypeContent } from './content.js';
import type { EncodedResource } from './source.js';
import { PreparedCache, SotwPrepared } from './prepared-response.js';
import { PushOutcomes } from './push-outcomes.js';
import { shouldRespondSotw } from './should-respond.js';
import { isFullStateType, newTypeState, type TypeState } from './type-state.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, shortTypeName } from './type-urls.js';

/**
 * Warming (xDS protocol, "Resource warming"): Envoy finishes warming a cluster only on an EDS
 * response and a listener only on an RDS response, even when those did not change.
 */
const WARMED_BY: ReadonlyMap<string, string> = new Map([
  [ENDPOINT_TYPE, CLUSTER_TYPE],
  [ROUTE_TYPE, LISTENER_TYPE],
]);

/** Whole-content responses, shared by the streams of a group (one per content). */
const fullResponses = new PreparedCache<TypeContent, SotwPrepared>();
/** Changed-only responses (EDS, RDS), shared by the streams that held the same content. */
const changedResponses = new PreparedCache<ContentDiff, SotwPrepared>();
/** The current push's outcome per content sent, for the streams in step with a group. */
const outcomes = new PushOutcomes<SotwPrepared>();

/** Names new or changed in a diff (memoized per diff, so shared by the streams of a group). */
const changedNameSets = new WeakMap<ContentDiff, ReadonlySet<string>>();
function changedNames(diff: ContentDiff): ReadonlySet<string> {
  let names = changedNameSets.get(diff);
  if (!names) changedNameSets.set(diff, (names = new Set(diff.changed.map((r) => r.name))));
  return names;
}

/** The diff plus the unchanged resources named in `warm`, sorted by name. */
function withWarmed(diff: ContentDiff, content: TypeContent, warm: ReadonlySet<string>): EncodedResource[] {
  const out = new Map(diff.changed.map((r) => [r.name, r] as const));
  for (const name of warm) {
    const r = content.byName.get(name);
    if (r && !out.has(name)) out.set(name, r);
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Warming responses, shared by the streams that held the same content and warm the same names. */
const warmedCache = new WeakMap<ContentDiff, WeakMap<ReadonlySet<string>, SotwPrepared>>();
function warmedResponses(
  diff: ContentDiff,
  warm: ReadonlySet<string>,
  afterSeq: number,
  build: () => SotwPrepared,
): SotwPrepared {
  let byWarm = warmedCache.get(diff);
  if (!byWarm) warmedCache.set(diff, (byWarm = new WeakMap()));
  const hit = byWarm.get(warm);
  if (hit && hit.seq > afterSeq) return hit;
  const fresh = build();
  byWarm.set(warm, fresh);
  return fresh;
}

export class SotwConnection extends XdsConnection<DiscoveryRequest> {
  protected handleRequest(req: DiscoveryRequest, typeUrl: string): void {
    const state = this.types.get(typeUrl);
    const decision = shouldRespondSotw(state, req, this.deps.wildcardType(typeUrl));
    const type = shortTypeName(typeUrl);
    if (decision.kind === 'stale') {
      if (this.log.isLevelEnabled('debug'))
        this.log.debug(
          { type, nonce: req.response_nonce, sent: state?.sentNonce },
          'ADS stale nonce ignored',
        );
      return;
    }
    let s = state;
    if (!s) {
      if (!this.deps.source.supports(this.proxy!, typeUrl)) {
        this.log.warn({ type }, 'ADS request for an unsupported type ignored');
        return;
      }
      s = newTypeState(typeUrl, decision.subscription);
      this.addType(typeUrl, s);
    }
    s.subscription = decision.subscription;
    s.namesEverSent = decision.namesEverSent;
    if (decision.ack) {
      s.ackedNonce = decision.ack.nonce;
      s.ackedVersion = decision.ack.version;
      s.nack = undefined;
    }
    if (decision.nack) {
      s.nack = { ...decision.nack, at: Date.now() };
      this.log.warn(
        { proxy: this.proxy?.id, type, nonce: decision.nack.nonce, error: decision.nack.message },
        'ADS NACK: the proxy rejected the configuration',
      );
      this.reportNack(typeUrl, decision.nack);
    }
    if (this.log.isLevelEnabled('debug'))
      this.log.debug({ type, kind: decision.kind, respond: decision.respond }, 'ADS request');
    if (decision.respond) this.want(typeUrl);
  }

  protected forcedByRound(typeUrl: string, round: Round): boolean {
    // Proxyless gRPC does not warm: its EDS and RDS watches outlive a Cluster or Listener update
    // (gRFC A27), so resending every unchanged ClusterLoadAssignment and RouteConfiguration after
    // a CDS or LDS push (hundreds of kilobytes per client at a thousand services) buys nothing.
    if (this.proxy && isProxyless(this.proxy)) return false;
    const parent = WARMED_BY.get(typeUrl);
    if (!round.push || !parent || !round.sent.has(parent)) return false;
    // A NACKed set stays unsent until it changes, warming or not.
    return this.types.get(typeUrl)?.nack === undefined;
  }

  /** The EDS names to warm after this round's CDS push (only EDS: its names are cluster names). */
  private warmedNames(typeUrl: string, round: Round): ReadonlySet<string> | undefined {
    if (typeUrl !== ENDPOINT_TYPE) return undefined;
    const changed = round.changed.get(CLUSTER_TYPE);
    return changed === 'all' ? undefined : changed;
  }

  protected respond(state: TypeState, pending: Pending | undefined, push: PushRequest, round: Round): void {
    const typeUrl = state.typeUrl;
    const warming = this.forcedByRound(typeUrl, round);
    // In step with a group whose outcome of this push is known: apply it (push-outcomes.ts).
    const sent = state.sentContent;
    const shareable =
      !pending &&
      !warming &&
      sent !== undefined &&
      state.nack === undefined &&
      state.binding?.stableGroup === true;
    if (shareable) {
      const o = outcomes.find(push, sent, state.subscription, state.sentVersion);
      if (o && (!o.prepared || o.prepared.seq > state.sentSeq)) {
        if (o.changed !== undefined) round.changed.set(typeUrl, o.changed);
        if (o.prepared) this.deliver(state, o.content, o.prepared, push, round);
        else state.sentContent = o.content;
        return;
      }
    }
    let generated;
    try {
      generated = this.generate(state, push);
    } catch (err) {
      this.log.error({ type: shortTypeName(typeUrl), err: String(err) }, 'ADS generate failed');
      return;
    }
    const content = contentOf(generated, typeUrl, state.subscription);
    let changed: ReadonlySet<string> | 'all' | undefined;
    if (isFullStateType(typeUrl)) {
      changed =
        state.sentContent && state.nack === undefined
          ? changedNames(diffContent(state.sentContent, content))
          : 'all';
      round.changed.set(typeUrl, changed);
    }
    const sentVersion = state.sentVersion;
    // Recorded for the group only when this stream is in step with it (first of its group).
    const remember = shareable
      ? (next: TypeContent, prepared?: SotwPrepared): void =>
          outcomes.record(push, sent, state.subscription, next, { prepared, changed }, sentVersion)
      : undefined;
    const forced = pending !== undefined || warming;
    if (!forced && (content === state.sentContent || content.version === state.sentVersion)) {
      remember?.(state.sentContent ?? content);
      return;
    }
    let prepared: SotwPrepared | undefined;
    const previous = state.sentContent;
    // EDS and RDS need not be sent whole (xDS protocol, "Grouping resources into responses":
    // only LDS and CDS responses are the state of the world; Envoy and gRPC keep an EDS or RDS
    // resource a response leaves out). So a push, or a subscription that grew, carries only what
    // is new or changed since the content this stream was sent, as istiod's incremental EDS.
    // Not after a NACK (the client did not apply that content). When warming, Envoy waits for
    // the EDS of every cluster the CDS push added or changed (EDS names are cluster names), so
    // those are added; RDS after LDS is sent whole (a listener names its route config inside).
    const warm = warming ? this.warmedNames(typeUrl, round) : undefined;
    if (previous && !isFullStateType(typeUrl) && state.nack === undefined && (!warming || warm)) {
      const diff = diffContent(previous, content);
      const resources = warm ? withWarmed(diff, content, warm) : diff.changed;
      if (resources.length === 0) {
        // Only removals (and nothing to warm): the client keeps what it has until CDS/LDS stop
        // referencing it.
        state.sentContent = content;
        remember?.(content);
        return;
      }
      prepared = warm
        ? warmedResponses(
            diff,
            warm,
            state.sentSeq,
            () => new SotwPrepared(typeUrl, content.version, resources),
          )
        : changedResponses.get(
            diff,
            state.sentSeq,
            () => new SotwPrepared(typeUrl, content.version, resources),
          );
    }
    prepared ??= fullResponses.get(
      content,
      state.sentSeq,
      () => new SotwPrepared(typeUrl, content.version, content.resources),
    );
    remember?.(content, prepared);
    this.deliver(state, content, prepared, pending ? undefined : push, round);
  }

  /** Writes `prepared` and records it as the type's last response. */
  private deliver(
    state: TypeState,
    content: TypeContent,
    prepared: SotwPrepared,
    push: PushRequest | undefined,
    round: Round,
  ): void {
    state.sentNonce = prepared.nonce;
    state.sentSeq = prepared.seq;
    state.sentVersion = content.version;
    state.sentContent = content;
    state.sentAt = Date.now();
    round.sent.set(state.typeUrl, true);
    if (!this.write(prepared)) return;
    this.report(prepared, content.version, push);
  }
}
