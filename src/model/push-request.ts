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
  const addresses = [...(a.addressesUpdated ?? []), ...(b.addressesUpdated ?? [])];
  return pushRequest(
    a.full || b.full,
    [...refs.values()],
    [...new Set([...a.endpointsUpdated, ...b.endpointsUpdated])],
    addresses.length > 0 ? [...new Set(addresses)] : NO_STRINGS,
    [...new Set([...a.reasons, ...b.reasons])],
    Math.min(a.start, b.start),
  );
}

export function fullPush(
  reason: TriggerReason,
  start: number,
  configs: readonly ConfigRef[] = [],
): PushRequest {
  return pushRequest(true, configs, NO_STRINGS, NO_STRINGS, [reason], start);
}

/** A full push for a registry change of services, with the hostnames whose endpoints changed. */
export function servicePush(start: number, endpointsUpdated: readonly string[]): PushRequest {
  return pushRequest(true, [], endpointsUpdated, NO_STRINGS, ['service'], start);
}

/** An endpoint-only push (the EDS fast path). */
export function endpointPush(
  hostnames: readonly string[],
  addresses: readonly string[],
  start: number,
): PushRequest {
  return pushRequest(false, [], hostnames, addresses, ['endpoint'], start);
}

const NO_STRINGS: readonly string[] = [];

/**
 * Every request the pipeline builds has the same fields in the same order: a push request reaches
 * the filters of every stream, and one object shape keeps that code monomorphic (an endpoint
 * request of another shape deoptimized the fan-out's optimized code on its first push).
 */
function pushRequest(
  full: boolean,
  configsUpdated: readonly ConfigRef[],
  endpointsUpdated: readonly string[],
  addressesUpdated: readonly string[],
  reasons: readonly TriggerReason[],
  start: number,
): PushRequest {
  return { full, configsUpdated, endpointsUpdated, addressesUpdated, reasons, start };
}
