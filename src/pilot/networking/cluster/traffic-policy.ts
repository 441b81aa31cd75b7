/**
 * DestinationRule traffic policy merging, as Istio's MergeTrafficPolicy: a subset's policy
 * overrides the rule's top-level fields it sets, and a `portLevelSettings` entry for the cluster's
 * port replaces load balancer, connection pool, outlier detection and TLS altogether ("port level
 * settings do not inherit": unset fields fall back to defaults, not to the top level). Pure.
 */
import type { TrafficPolicy } from '../../../model/istio/index.js';

const PORT_FIELDS = ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls'] as const;

function applyPortLevel(policy: TrafficPolicy, port: number): TrafficPolicy {
  const { portLevelSettings, ...rest } = policy;
  const match = portLevelSettings?.find((p) => p.port?.number === port);
  if (!match) return rest;
  const out: TrafficPolicy = { ...rest };
  for (const field of PORT_FIELDS) {
    if (match[field] === undefined) delete out[field];
    else (out as Record<string, unknown>)[field] = match[field];
  }
  return out;
}

/**
 * The effective policy of one cluster: the rule's top-level `base` for `port`, then the subset's
 * `override` (if any) for `port`. Returns `undefined` when neither is set.
 */
export function mergeTrafficPolicy(
  base: TrafficPolicy | undefined,
  override: TrafficPolicy | undefined,
  port: number,
): TrafficPolicy | undefined {
  const merged = base ? applyPortLevel(base, port) : undefined;
  if (!override) return merged;
  const out: TrafficPolicy = { ...(merged ?? {}) };
  for (const field of PORT_FIELDS) {
    if (override[field] !== undefined) (out as Record<string, unknown>)[field] = override[field];
  }
  for (const field of ['tunnel', 'proxyProtocol', 'retryBudget'] as const) {
    if (override[field] !== undefined) (out as Record<string, unknown>)[field] = override[field];
  }
  const portLevel = override.portLevelSettings?.find((p) => p.port?.number === port);
  if (portLevel) {
    for (const field of PORT_FIELDS) {
      if (portLevel[field] === undefined) delete out[field];
      else (out as Record<string, unknown>)[field] = portLevel[field];
    }
  }
  return out;
}
