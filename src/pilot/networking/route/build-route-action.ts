/**
 * VirtualService `HTTPRoute` destinations and policies → Envoy `RouteAction` for gRPC clients
 * (gRFC A28 routing, A31 timeouts, A42 ring hash, A44 retries), following Istio's
 * applyHTTPRouteDestination:
 * - one destination → `cluster`; several → `weighted_clusters` in the written order, dropping
 *   weight-0 entries as Istio does (weights need not sum to 100). If that leaves nothing, every
 *   destination gets weight 1 rather than sending the zero total gRPC NACKs;
 * - `timeout` → `max_stream_duration.max_stream_duration` and `grpc_timeout_header_max` (gRPC
 *   caps the call deadline with it);
 * - `retries` → `retry_policy` (see build-retry.ts);
 * - each destination's DestinationRule consistent hash → `hash_policy`: `httpHeaderName` as a
 *   header policy, `useSourceIp` as gRPC's per-channel key (filter_state `io.grpc.channel_id`),
 *   the only hash inputs gRPC implements; cookies and query parameters have no gRPC meaning.
 * Rewrites, header operations and mirrors have no effect on gRPC clients and are not sent.
 * Pure.
 */
import type { ConsistentHashLB, Destination, HTTPRoute } from '../../../model/istio/index.js';
import { durationFromText, uint32Value, type ProtoObject } from '../proto-values.js';
import { buildRetryPolicy } from './build-retry.js';

export interface ResolvedDestination {
  /** Cluster name (`outbound|PORT|SUBSET|HOST`). */
  readonly cluster: string;
  /** The consistent hash that applies to this destination, if its cluster uses RING_HASH. */
  readonly consistentHash?: ConsistentHashLB;
}

export type DestinationResolver = (destination: Destination) => ResolvedDestination;

/** gRPC-supported hash policy for a consistent-hash setting, or `undefined`. */
export function buildHashPolicy(hash: ConsistentHashLB | undefined): ProtoObject | undefined {
  if (!hash) return undefined;
  if (hash.httpHeaderName) return { header: { header_name: hash.httpHeaderName } };
  if (hash.useSourceIp) return { filter_state: { key: 'io.grpc.channel_id' } };
  return undefined;
}

/** Whether `http` forwards to destinations (as opposed to redirect, direct response, delegate). */
export function hasForwardingDestinations(http: HTTPRoute): boolean {
  return (
    !http.redirect &&
    !http.directResponse &&
    !http.delegate &&
    (http.route ?? []).some((r) => r.destination?.host !== undefined && r.destination.host !== '')
  );
}

function clusterSpecifier(
  http: HTTPRoute,
  resolve: DestinationResolver,
): { spec: ProtoObject; hashes: ProtoObject[] } {
  const dests = (http.route ?? []).filter((r) => r.destination?.host);
  const hashes: ProtoObject[] = [];
  const addHash = (hash: ConsistentHashLB | undefined): void => {
    const policy = buildHashPolicy(hash);
    if (policy && !hashes.some((h) => JSON.stringify(h) === JSON.stringify(policy))) hashes.push(policy);
  };
  if (dests.length === 1) {
    const resolved = resolve(dests[0]!.destination!);
    addHash(resolved.consistentHash);
    return { spec: { cluster: resolved.cluster }, hashes };
  }
  let weighted = dests.filter((d) => (d.weight ?? 0) > 0);
  const equal = weighted.length === 0;
  if (equal) weighted = dests;
  const clusters = weighted.map((d) => {
    const resolved = resolve(d.destination!);
    addHash(resolved.consistentHash);
    return { name: resolved.cluster, weight: uint32Value(equal ? 1 : (d.weight ?? 0)) };
  });
  return { spec: { weighted_clusters: { clusters } }, hashes };
}

/** The RouteAction of a forwarding route, or `undefined` when `http` does not forward. */
export function buildRouteAction(http: HTTPRoute, resolve: DestinationResolver): ProtoObject | undefined {
  if (!hasForwardingDestinations(http)) return undefined;
  const { spec, hashes } = clusterSpecifier(http, resolve);
  const action: ProtoObject = { ...spec };
  const timeout = durationFromText(http.timeout);
  if (timeout && (timeout.seconds > 0 || timeout.nanos > 0)) {
    action['max_stream_duration'] = { max_stream_duration: timeout, grpc_timeout_header_max: timeout };
  }
  const retry = buildRetryPolicy(http.retries);
  if (retry) action['retry_policy'] = retry;
  if (hashes.length > 0) action['hash_policy'] = hashes;
  return action;
}
