/**
 * Incremental (delta) ADS (`DeltaAggregatedResources`). The server tracks the version of every
 * resource the client holds and sends only what differs, with removals in `removed_resources`
 * (xDS protocol, "Incremental xDS"). A reconnecting client's `initial_resource_versions` seed
 * that table, so removals that happened while it was away are sent too (Istio #41494).
 *
 * A client in step with its group holds a shared content (held-resources.ts): a push is then the
 * group's diff, computed and encoded once, written to each of its streams.
 */
import type { PushRequest } from '../model/push-request.js';
import type { DeltaDiscoveryRequest } from './ads-messages.js';
import { buildDeltaContent } from './build-response.js';
import { XdsConnection } from './connection.js';
import type { Pending, Round } from './connection-types.js';
import { contentOf, diffContent, type ContentDiff, type TypeContent } from './content.js';
import { HeldResources } from './held-resources.js';
import { PushOutcomes } from './push-outcomes.js';
import { DeltaPrepared, PreparedCache } from './prepared-response.js';
import type { EncodedResource } from './source.js';
import { shouldRespondDelta } from './should-respond.js';
import { newTypeState, type TypeState } from './type-state.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, shortTypeName } from './type-urls.js';

/**
 * Make-before-break (xDS protocol, "Eventual consistency considerations"): in a push, clusters
 * and endpoints are removed only after listeners and routes stopped referencing them.
 */
const REMOVED_LAST: ReadonlySet<string> = new Set([CLUSTER_TYPE, ENDPOINT_TYPE]);

/** Everything of a content, to clients that held nothing (shared per content). */
const fullResponses = new PreparedCache<TypeContent, DeltaPrepared>();
/** A group's diff, to clients that held the group's previous content (shared per diff). */
const diffResponses = new PreparedCache<ContentDiff, DeltaPrepared>();
/** The current push's outcome per held content, for the streams in step with a group. */
const outcomes = new PushOutcomes<DeltaPrepared>();

const NO_NAMES: ReadonlySet<string> = new Set();

interface Plan {
  readonly resources: readonly EncodedResource[];
  readonly removed: readonly string[];
  /** The client holds exactly `content` once this is sent. */
  readonly complete: boolean;
  /**
   * The response is the same for every stream of the group: the group's diff (`diff`) or the
   * whole content (`whole`), prepared once and cached.
   */
  readonly shared?: 'diff' | 'whole';
  readonly diff?: ContentDiff;
}

export class DeltaConnection extends XdsConnection<DeltaDiscoveryRequest> {
  protected handleRequest(req: DeltaDiscoveryRequest, typeUrl: string): void {
    const state = this.types.get(typeUrl);
    const d = shouldRespondDelta(state, req, this.deps.wildcardType(typeUrl));
    const type = shortTypeName(typeUrl);
    let s = state;
    if (!s) {
      if (!this.deps.source.supports(this.proxy!, typeUrl)) {
        this.log.warn({ type }, 'ADS request for an unsupported type ignored');
        return;
      }
      s = newTypeState(typeUrl, d.subscription);
      if (d.initialVersions) s.held = new HeldResources(d.initialVersions);
      this.addType(typeUrl, s);
    }
    s.subscription = d.subscription;
    s.namesEverSent = d.namesEverSent;
    for (const name of d.forget) s.held.delete(name);
    if (d.forgetUnlisted)
      for (const name of [...s.held.names()]) if (!d.subscription.names.has(name)) s.held.delete(name);
    if (d.ack) {
      s.ackedNonce = d.ack.nonce;
      s.ackedVersion = d.ack.version;
      s.nack = undefined;
    }
    if (d.nack) {
      s.nack = { ...d.nack, at: Date.now() };
      this.log.warn(
        { proxy: this.proxy?.id, type, nonce: d.nack.nonce, error: d.nack.message },
        'ADS NACK: the proxy rejected the configuration',
      );
      this.reportNack(typeUrl, d.nack);
    }
    if (this.log.isLevelEnabled('debug'))
      this.log.debug(
        { type, kind: d.kind, respond: d.respond, force: d.forceNames.size },
        'ADS delta request',
      );
    if (d.respond) this.want(typeUrl, d.forceNames, d.forceAll);
  }

  protected forcedByRound(): boolean {
    return false;
  }

  /** What to send: the group's diff or whole content when possible, else this stream's own delta. */
  private plan(state: TypeState, content: TypeContent, pending: Pending | undefined): Plan | undefined {
    const held = state.held;
    const base = held.content;
    if (base && !pending?.all) {
      if (!pending && base === content) return undefined;
      const diff = diffContent(base, content);
      const forced = pending?.names ?? NO_NAMES;
      // Forced names the diff does not carry: unchanged ones are resent, missing ones removed.
      let extra: EncodedResource[] | undefined;
      let missing: string[] | undefined;
      for (const name of forced) {
        const r = content.byName.get(name);
        if (!r) (missing ??= []).push(name);
        else if (base.byName.get(name)?.version === r.version) (extra ??= []).push(r);
      }
      if (!extra && !missing) {
        if (diff.changed.length === 0 && diff.removed.length === 0) {
          held.setContent(content);
          if (!pending) return undefined;
        }
        return {
          resources: diff.changed,
          removed: diff.removed,
          complete: true,
          shared: 'diff',
          diff,
        };
      }
      return {
        resources: extra ? sortByName([...diff.changed, ...extra]) : diff.changed,
        removed: missing ? [...new Set([...diff.removed, ...missing])].sort() : diff.removed,
        complete: true,
      };
    }
    if (pending && !pending.all && held.size === 0) {
      // A client that holds nothing gets the whole content, plus removals for the forced names
      // that do not exist.
      const removed = missingNames(pending.names, content);
      return {
        resources: content.resources,
        removed,
        complete: true,
        ...(removed.length === 0 ? { shared: 'whole' as const } : {}),
      };
    }
    const own = buildDeltaContent(content.resources, state.subscription, held.view(), {
      names: pending?.names ?? NO_NAMES,
      all: pending?.all ?? false,
    });
    return { resources: own.resources, removed: own.removed, complete: false };
  }

  protected respond(state: TypeState, pending: Pending | undefined, push: PushRequest, round: Round): void {
    const typeUrl = state.typeUrl;
    // In step with a group whose outcome of this push is known: apply it (push-outcomes.ts).
    const held = state.held.content;
    const shareable = !pending && held !== undefined && state.binding?.stableGroup === true;
    if (shareable) {
      const o = outcomes.find(push, held, state.subscription);
      if (o && (!o.prepared || o.prepared.seq > state.sentSeq)) {
        state.held.setContent(o.content);
        if (!o.prepared) return;
        this.deliver(state, o.content, o.prepared, push);
        return;
      }
    }
    let content: TypeContent;
    try {
      const generated = this.generate(state, push);
      content = contentOf(generated, typeUrl, state.subscription);
    } catch (err) {
      this.log.error({ type: shortTypeName(typeUrl), err: String(err) }, 'ADS generate failed');
      return;
    }
    // The first answer of a type is sent even when empty: the client learns there is nothing.
    const initial = pending !== undefined && state.sentNonce === undefined;
    const plan = this.plan(state, content, pending);
    if (!plan) {
      if (shareable) outcomes.record(push, held, state.subscription, content);
      return;
    }
    if (plan.resources.length === 0 && plan.removed.length === 0 && !initial) return;
    if (!pending && round.push && REMOVED_LAST.has(typeUrl) && plan.removed.length > 0) {
      const later = plan.removed;
      round.deferred.push(() =>
        // Still held by the client at that point (a re-subscription may have intervened).
        this.send(
          state,
          content,
          { resources: [], removed: later.filter((n) => state.held.has(n)), complete: false },
          pending,
          push,
        ),
      );
      if (plan.resources.length === 0) return;
      this.send(state, content, { resources: plan.resources, removed: [], complete: false }, pending, push);
      return;
    }
    const prepared = this.send(state, content, plan, pending, push);
    if (shareable && plan.shared === 'diff' && prepared)
      outcomes.record(push, held, state.subscription, content, { prepared });
  }

  /** The plan's response: the group's cached one when shared, else this stream's own. */
  private prepare(state: TypeState, content: TypeContent, plan: Plan): DeltaPrepared {
    const typeUrl = state.typeUrl;
    if (plan.shared === 'diff' && plan.diff)
      return (
        diffResponses.hit(plan.diff, state.sentSeq) ??
        diffResponses.keep(
          plan.diff,
          new DeltaPrepared(typeUrl, content.pushVersion, plan.diff.changed, plan.diff.removed),
        )
      );
    if (plan.shared === 'whole')
      return (
        fullResponses.hit(content, state.sentSeq) ??
        fullResponses.keep(content, new DeltaPrepared(typeUrl, content.pushVersion, content.resources, []))
      );
    return new DeltaPrepared(typeUrl, content.pushVersion, plan.resources, plan.removed);
  }

  /** Sends the plan's response, if it carries anything; returns it. */
  private send(
    state: TypeState,
    content: TypeContent,
    plan: Plan,
    pending: Pending | undefined,
    push: PushRequest,
  ): DeltaPrepared | undefined {
    const { resources, removed } = plan;
    if (resources.length === 0 && removed.length === 0 && state.sentNonce !== undefined) return undefined;
    const prepared = this.prepare(state, content, plan);
    const held = state.held;
    if (plan.complete) held.setContent(content);
    else {
      for (const r of resources) held.set(r.name, r.version);
      for (const name of removed) held.delete(name);
      held.settle(content);
    }
    this.deliver(state, content, prepared, pending ? undefined : push);
    return prepared;
  }

  /** Writes `prepared` and records it as the type's last response. */
  private deliver(
    state: TypeState,
    content: TypeContent,
    prepared: DeltaPrepared,
    push: PushRequest | undefined,
  ): void {
    state.sentNonce = prepared.nonce;
    state.sentSeq = prepared.seq;
    state.sentVersion = content.pushVersion;
    state.sentAt = Date.now();
    if (!this.write(prepared)) return;
    this.report(prepared, content.pushVersion, push);
  }
}

function sortByName(resources: EncodedResource[]): EncodedResource[] {
  return resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Forced names that do not exist in `content`, sorted (memoized per shared name Set). */
const missing = new WeakMap<ReadonlySet<string>, { content: TypeContent; names: readonly string[] }>();
function missingNames(forced: ReadonlySet<string>, content: TypeContent): readonly string[] {
  const hit = missing.get(forced);
  if (hit && hit.content === content) return hit.names;
  const names = [...forced].filter((n) => !content.byName.has(n)).sort();
  missing.set(forced, { content, names });
  return names;
}
