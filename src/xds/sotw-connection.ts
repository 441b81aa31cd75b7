/**
 * State-of-the-world ADS (`StreamAggregatedResources`). Each response carries a type's whole
 * subscribed set with a content-hash `version_info` and a fresh nonce; a push is written only when
 * that set changed for this stream, so a NACKed set is never resent (xDS protocol, "When to send
 * an update").
 */
import { randomUUID } from 'node:crypto';
import type { PushRequest } from '../model/push-request.js';
import type { DiscoveryRequest, DiscoveryResponse } from './ads-messages.js';
import { buildSotwContent, toAny } from './build-response.js';
import { XdsConnection } from './connection.js';
import type { Pending, Round } from './connection-types.js';
import { shouldRespondSotw } from './should-respond.js';
import { newTypeState, type TypeState } from './type-state.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, shortTypeName } from './type-urls.js';

/**
 * Warming (xDS protocol, "Resource warming"): Envoy finishes warming a cluster only on an EDS
 * response and a listener only on an RDS response, even when those did not change.
 */
const WARMED_BY: ReadonlyMap<string, string> = new Map([
  [ENDPOINT_TYPE, CLUSTER_TYPE],
  [ROUTE_TYPE, LISTENER_TYPE],
]);

export class SotwConnection extends XdsConnection<DiscoveryRequest, DiscoveryResponse> {
  protected handleRequest(req: DiscoveryRequest, typeUrl: string): void {
    const state = this.types.get(typeUrl);
    const decision = shouldRespondSotw(state, req, this.deps.wildcardType(typeUrl));
    const type = shortTypeName(typeUrl);
    if (decision.kind === 'stale') {
      this.log.debug({ type, nonce: req.response_nonce, sent: state?.sentNonce }, 'ADS stale nonce ignored');
      return;
    }
    let s = state;
    if (!s) {
      if (!this.deps.source.supports(this.proxy!, typeUrl)) {
        this.log.warn({ type }, 'ADS request for an unsupported type ignored');
        return;
      }
      s = newTypeState(typeUrl, decision.subscription);
      this.types.set(typeUrl, s);
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
    this.log.debug({ type, kind: decision.kind, respond: decision.respond }, 'ADS request');
    if (decision.respond) this.want(typeUrl);
  }

  protected forcedByRound(typeUrl: string, round: Round): boolean {
    const parent = WARMED_BY.get(typeUrl);
    if (!round.push || !parent || !round.sent.has(parent)) return false;
    // A NACKed set stays unsent until it changes, warming or not.
    return this.types.get(typeUrl)?.nack === undefined;
  }

  protected async respond(
    state: TypeState,
    pending: Pending | undefined,
    push: PushRequest,
    round: Round,
  ): Promise<void> {
    const typeUrl = state.typeUrl;
    let generated;
    try {
      const { wildcard, names } = state.subscription;
      generated = this.deps.source.generate(this.proxy!, { typeUrl, wildcard, names }, push);
    } catch (err) {
      this.log.error({ type: shortTypeName(typeUrl), err: String(err) }, 'ADS generate failed');
      return;
    }
    const content = buildSotwContent(
      generated.resources.filter((r) => r.typeUrl === typeUrl),
      state.subscription,
    );
    const forced = pending !== undefined || this.forcedByRound(typeUrl, round);
    if (!forced && content.version === state.sentVersion) return;
    const nonce = randomUUID();
    state.sentNonce = nonce;
    state.sentVersion = content.version;
    state.sentAt = Date.now();
    state.sent = new Map(content.resources.map((r) => [r.name, r.version]));
    round.sent.add(typeUrl);
    const ok = await this.write({
      version_info: content.version,
      resources: content.resources.map(toAny),
      type_url: typeUrl,
      nonce,
    });
    if (!ok) return;
    this.report({
      typeUrl,
      nonce,
      version: content.version,
      resources: content.resources.length,
      removed: 0,
      trigger: pending ? 'request' : 'push',
      pushStart: pending ? undefined : push.start,
    });
  }
}
