/**
 * What changed and why: the unit the debouncer merges and every generator's "does this concern
 * me" filter reads (Istio's PushRequest). Pure.
 */

export type TriggerReason = 'config' | 'endpoint' | 'service' | 'proxy' | 'full' | 'unknown';

export interface ConfigRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface PushRequest {
  /** A full push rebuilds the PushContext; an incremental one is endpoints only (EDS fast path). */
  readonly full: boolean;
  /** Configs that changed; empty on a full push means "anything may have changed". */
  readonly configsUpdated: readonly ConfigRef[];
  /** Hostnames whose endpoints changed (EDS fast path). */
  readonly endpointsUpdated: readonly string[];
  /**
   * EDS fast path: the addresses of those hostnames' endpoints, before and after. A sidecar whose
   * own address is among them may have gained or lost inbound listeners and clusters.
   */
  readonly addressesUpdated?: readonly string[];
  readonly reasons: readonly TriggerReason[];
  /** When the first merged event happened (ms since epoch), for convergence metrics. */
  readonly start: number;
}

export function mergePushRequests(a: PushRequest | undefined, b: PushRequest): PushRequest {
  if (!a) return b;
  const refs = new Map<string, ConfigRef>();
  for (const r of [...a.configsUpdated, ...b.configsUpdated])
    refs.set(`${r.kind}/${r.namespace}/${r.name}`, r);
  return {
    full: a.full || b.full,
    configsUpdated: [...refs.values()],
    endpointsUpdated: [...new Set([...a.endpointsUpdated, ...b.endpointsUpdated])],
    ...(a.addressesUpdated || b.addressesUpdated
      ? { addressesUpdated: [...new Set([...(a.addressesUpdated ?? []), ...(b.addressesUpdated ?? [])])] }
      : {}),
    reasons: [...new Set([...a.reasons, ...b.reasons])],
    start: Math.min(a.start, b.start),
  };
}

export function fullPush(
  reason: TriggerReason,
  start: number,
  configs: readonly ConfigRef[] = [],
): PushRequest {
  return { full: true, configsUpdated: configs, endpointsUpdated: [], reasons: [reason], start };
}
