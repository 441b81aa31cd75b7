/**
 * Cluster-level translations of a DestinationRule traffic policy for proxyless gRPC clients.
 *
 * Load balancing: gRPC accepts only `lb_policy` ROUND_ROBIN or RING_HASH (or a
 * `load_balancing_policy` naming a registered policy; @grpc/grpc-js-xds 1.14 registers round_robin,
 * ring_hash, pick_first, client-side WRR and wrr_locality — no least_request). Anything else is
 * NACKed, so like Istio's grpcgen we fall back to ROUND_ROBIN for LEAST_REQUEST, LEAST_CONN,
 * RANDOM and PASSTHROUGH. `consistentHash` selects RING_HASH (gRFC A42); maglev is served as
 * RING_HASH for the same reason.
 *
 * Outlier detection follows Istio's applyOutlierDetection field mapping; success-rate ejection is
 * turned off explicitly because gRPC (gRFC A50) enables it when `enforcing_success_rate` is unset,
 * which Istio's API never asks for. Note gRPC implements only success-rate and
 * failure-percentage ejection: the consecutive-error fields are sent for Envoy parity and ignored
 * by gRPC clients.
 *
 * Circuit breakers: `connectionPool` limits become the DEFAULT priority thresholds; gRPC reads
 * `max_requests` (gRFC A32). Pure.
 */
import type {
  ConnectionPoolSettings,
  LoadBalancerSettings,
  OutlierDetection,
} from '../../../model/istio/index.js';
import { durationFromText, uint32Value, type ProtoObject } from '../proto-values.js';

/** gRPC caps ring sizes at 8M entries (grpc-js NACKs larger values). */
const MAX_RING_SIZE = 8_388_608;
/** Envoy's (and Istio's) default minimum ring size. */
const DEFAULT_MIN_RING_SIZE = 1024;

/** Sets `lb_policy` / `ring_hash_lb_config` on `cluster` from the load balancer settings. */
export function applyLoadBalancer(cluster: ProtoObject, lb: LoadBalancerSettings | undefined): void {
  const hash = lb?.consistentHash;
  if (!hash) return; // ROUND_ROBIN is the enum default.
  const requested = hash.ringHash?.minimumRingSize ?? hash.minimumRingSize;
  const minimum = requested && requested > 0 ? Math.min(requested, MAX_RING_SIZE) : DEFAULT_MIN_RING_SIZE;
  cluster['lb_policy'] = 'RING_HASH';
  cluster['ring_hash_lb_config'] = { minimum_ring_size: { value: minimum } };
}

export function buildOutlierDetection(od: OutlierDetection | undefined): ProtoObject | undefined {
  if (!od) return undefined;
  const out: ProtoObject = { enforcing_success_rate: uint32Value(0) };
  if (od.consecutiveErrors !== undefined && od.consecutiveErrors > 0) {
    // Deprecated field: Istio maps it to gateway errors only (istio/api#617).
    out['consecutive_gateway_failure'] = uint32Value(od.consecutiveErrors);
    out['enforcing_consecutive_gateway_failure'] = uint32Value(100);
    out['enforcing_consecutive_5xx'] = uint32Value(0);
  }
  if (od.consecutive5xxErrors !== undefined) {
    out['consecutive_5xx'] = uint32Value(od.consecutive5xxErrors);
    out['enforcing_consecutive_5xx'] = uint32Value(od.consecutive5xxErrors > 0 ? 100 : 0);
  }
  if (od.consecutiveGatewayErrors !== undefined) {
    out['consecutive_gateway_failure'] = uint32Value(od.consecutiveGatewayErrors);
    out['enforcing_consecutive_gateway_failure'] = uint32Value(od.consecutiveGatewayErrors > 0 ? 100 : 0);
  }
  const interval = durationFromText(od.interval);
  if (interval) out['interval'] = interval;
  const baseEjection = durationFromText(od.baseEjectionTime);
  if (baseEjection) out['base_ejection_time'] = baseEjection;
  if (od.maxEjectionPercent !== undefined && od.maxEjectionPercent > 0) {
    out['max_ejection_percent'] = uint32Value(Math.min(100, od.maxEjectionPercent));
  }
  if (od.splitExternalLocalOriginErrors) {
    out['split_external_local_origin_errors'] = true;
    if (od.consecutiveLocalOriginFailures !== undefined) {
      out['consecutive_local_origin_failure'] = uint32Value(od.consecutiveLocalOriginFailures);
      out['enforcing_consecutive_local_origin_failure'] = uint32Value(100);
    }
  }
  return out;
}

export function buildCircuitBreakers(pool: ConnectionPoolSettings | undefined): ProtoObject | undefined {
  if (!pool) return undefined;
  const threshold: ProtoObject = {};
  if (pool.tcp?.maxConnections !== undefined && pool.tcp.maxConnections > 0) {
    threshold['max_connections'] = uint32Value(pool.tcp.maxConnections);
  }
  const http = pool.http;
  if (http?.http1MaxPendingRequests !== undefined && http.http1MaxPendingRequests > 0) {
    threshold['max_pending_requests'] = uint32Value(http.http1MaxPendingRequests);
  }
  if (http?.http2MaxRequests !== undefined && http.http2MaxRequests > 0) {
    threshold['max_requests'] = uint32Value(http.http2MaxRequests);
  }
  if (http?.maxRetries !== undefined && http.maxRetries > 0) {
    threshold['max_retries'] = uint32Value(http.maxRetries);
  }
  if (Object.keys(threshold).length === 0) return undefined;
  return { thresholds: [{ priority: 'DEFAULT', ...threshold }] };
}
