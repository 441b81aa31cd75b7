/**
 * Incremental (delta) ADS (`DeltaAggregatedResources`). The server tracks the version of every
 * resource the client holds and sends only what differs, with removals in `removed_resources`
 * (xDS protocol, "Incremental xDS"). A reconnecting client's `initial_resource_versions` seed
 * that table, so removals that happened while it was away are sent too (Istio #41494).
 */
import { randomUUID } from 'node:crypto';
import type { PushRequest } from '../model/push-request.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from './ads-messages.js';
import { buildDeltaContent, toResourceMessage } from './build-response.js';
import { XdsConnection } from './connection.js';
import type { Pending, Round } from './connection-types.js';
import type { EncodedResource, GenerateResult } from './source.js';
import { shouldRespondDelta } from './should-respond.js';
import { newTypeState, type TypeState } from './type-state.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, shortTypeName } from './type-urls.js';

/**
 * Make-before-break (xDS protocol, "Eventual consistency considerations"): in a push, clusters
 * and endpoints are removed only after listeners and routes stopped referencing them.
 */
const REMOVED_LAST: ReadonlySet<string> = new Set([CLUSTER_TYPE, ENDPOINT_TYPE]);

export class DeltaConnection extends XdsConnection<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
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
      if (d.initialVersions) s.sent = new Map(d.initialVersions);
      this.types.set(typeUrl, s);
    }
    s.subscription = d.subscription;
    s.namesEverSent = d.namesEverSent;
    for (const name of d.forget) s.sent.delete(name);
    if (d.forgetUnlisted)
      for (const name of [...s.sent.keys()]) if (!d.subscription.names.has(name)) s.sent.delete(name);
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
    this.log.debug({ type, kind: d.kind, respond: d.respond, force: d.force.length }, 'ADS delta request');
    if (d.respond) this.want(typeUrl, d.force, d.forceAll);
  }

  protected forcedByRound(): boolean {
    return false;
  }

  protected async respond(
    state: TypeState,
    pending: Pending | undefined,
    push: PushRequest,
    round: Round,
  ): Promise<void> {
    const typeUrl = state.typeUrl;
    let generated: GenerateResult;
    try {
      const { wildcard, names } = state.subscription;
      generated = this.deps.source.generate(this.proxy!, { typeUrl, wildcard, names }, push);
    } catch (err) {
      this.log.error({ type: shortTypeName(typeUrl), err: String(err) }, 'ADS generate failed');
      return;
    }
    const content = buildDeltaContent(
      generated.resources.filter((r) => r.typeUrl === typeUrl),
      state.subscription,
      state.sent,
      { names: pending?.names ?? new Set(), all: pending?.all ?? false },
    );
    let removed = content.removed;
    if (!pending && round.push && REMOVED_LAST.has(typeUrl) && removed.length > 0) {
      const later = removed;
      removed = [];
      round.deferred.push(() =>
        // Still held by the client at that point (a re-subscription may have intervened).
        this.send(
          state,
          [],
          later.filter((n) => state.sent.has(n)),
          generated.pushVersion,
          undefined,
          push,
        ),
      );
    }
    // The first answer of a type is sent even when empty: the client learns there is nothing.
    const initial = pending !== undefined && state.sentNonce === undefined;
    if (content.resources.length === 0 && removed.length === 0 && !initial) return;
    round.sent.add(typeUrl);
    await this.send(state, content.resources, removed, generated.pushVersion, pending, push);
  }

  private async send(
    state: TypeState,
    resources: readonly EncodedResource[],
    removed: readonly string[],
    systemVersion: string,
    pending: Pending | undefined,
    push: PushRequest,
  ): Promise<void> {
    if (resources.length === 0 && removed.length === 0 && state.sentNonce !== undefined) return;
    const nonce = randomUUID();
    state.sentNonce = nonce;
    state.sentVersion = systemVersion;
    state.sentAt = Date.now();
    for (const r of resources) state.sent.set(r.name, r.version);
    for (const name of removed) state.sent.delete(name);
    const ok = await this.write({
      system_version_info: systemVersion,
      resources: resources.map(toResourceMessage),
      type_url: state.typeUrl,
      removed_resources: [...removed],
      nonce,
    });
    if (!ok) return;
    this.report({
      typeUrl: state.typeUrl,
      nonce,
      version: systemVersion,
      resources: resources.length,
      removed: removed.length,
      trigger: pending ? 'request' : 'push',
      pushStart: pending ? undefined : push.start,
    });
  }
}
