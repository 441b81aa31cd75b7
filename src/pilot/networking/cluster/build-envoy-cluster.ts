/**
 * Outbound clusters for Envoy-style proxies (Istio's cluster builder, v1alpha3/cluster.go), one per
 * service port and DestinationRule subset, named `outbound|PORT|SUBSET|HOST`:
 * - discovery type from the service's resolution: STATIC (registry endpoints) → EDS over ADS with
 *   `service_name` = the cluster name (MOSN asks EDS by cluster name, so they must agree); DNS →
 *   STRICT_DNS and DNS_ROUND_ROBIN → LOGICAL_DNS with the endpoints inline (LOGICAL_DNS takes
 *   exactly one, the first); NONE → ORIGINAL_DST (passthrough to the address the app dialled);
 * - load balancing: Istio's default LEAST_REQUEST; `simple` ROUND_ROBIN, RANDOM,
 *   LEAST_REQUEST/LEAST_CONN, PASSTHROUGH (ORIGINAL_DST); `consistentHash` → RING_HASH (or
 *   MAGLEV with `maglev`); `localityLbSetting.distribute` → locality-weighted balancing (the
 *   weights themselves are set on the EDS localities);
 * - connection pool → circuit breakers on top of Istio's defaults (every threshold at the uint32
 *   maximum, because Envoy's own defaults of 1024 throttle a busy sidecar), connect timeout, TCP
 *   keepalive, HTTP idle timeout, max requests per connection, max connection duration;
 * - outlier detection as Istio maps it (`minHealthPercent` → the healthy panic threshold);
 * - TLS origination (build-upstream-tls.ts);
 * - HTTP/2 upstream for HTTP2 and GRPC ports (or `h2UpgradePolicy: UPGRADE`) through
 *   `HttpProtocolOptions`.
 * Pure.
 */
import type {
  ConnectionPoolSettings,
  LoadBalancerSettings,
  TrafficPolicy,
} from '../../../model/istio/index.js';
import type { Endpoint, ServicePort, Service } from '../../../model/service.js';
import { matchesLabels } from '../endpoint/build-load-assignment.js';
import { HTTP_PROTOCOL_OPTIONS_KEY, HTTP_PROTOCOL_OPTIONS_TYPE } from '../envoy-types.js';
import { durationFromMs, durationFromText, uint32Value, type ProtoObject } from '../proto-values.js';
import { buildOutlierDetection } from './build-cluster-policy.js';
import { buildUpstreamTransportSocket } from './build-upstream-tls.js';

const MAX_UINT32 = 4294967295;
const DEFAULT_MIN_RING_SIZE = 1024;
const DEFAULT_MAGLEV_TABLE = 65537;

export interface EnvoyClusterInput {
  readonly name: string;
  readonly service: Service;
  readonly port: ServicePort;
  /** Subset name ('' for the default cluster). */
  readonly subset: string;
  readonly subsetLabels?: Readonly<Record<string, string>>;
  /** The effective policy (DestinationRule merged for this port and subset). */
  readonly policy: TrafficPolicy | undefined;
  /** Endpoints of the service port: DNS clusters carry them inline. */
  readonly endpoints: readonly Endpoint[];
  readonly connectTimeoutMs: number;
}

/** EDS over ADS under the cluster's own name. */
export function edsClusterConfig(name: string): ProtoObject {
  return { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: name };
}

function dnsLoadAssignment(input: EnvoyClusterInput, single: boolean): ProtoObject {
  const seen = new Set<string>();
  const lbEndpoints: ProtoObject[] = [];
  for (const ep of input.endpoints) {
    if (!ep.healthy || !matchesLabels(ep.labels, input.subsetLabels)) continue;
    const key = `${ep.address}:${ep.port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lbEndpoints.push({
      endpoint: { address: { socket_address: { address: ep.address, port_value: ep.port } } },
      load_balancing_weight: uint32Value(ep.weight > 0 ? ep.weight : 1),
    });
    if (single) break;
  }
  if (single && lbEndpoints.length === 0 && !input.service.hostname.startsWith('*')) {
    // Envoy requires exactly one endpoint in a LOGICAL_DNS cluster: the host itself.
    lbEndpoints.push({
      endpoint: {
        address: { socket_address: { address: input.service.hostname, port_value: input.port.port } },
      },
    });
  }
  return {
    cluster_name: input.name,
    endpoints: lbEndpoints.length > 0 ? [{ lb_endpoints: lbEndpoints }] : [],
  };
}

function applyDiscoveryType(cluster: ProtoObject, input: EnvoyClusterInput, passthrough: boolean): void {
  const resolution = input.service.resolution;
  if (passthrough || resolution === 'NONE') {
    cluster['type'] = 'ORIGINAL_DST';
    cluster['lb_policy'] = 'CLUSTER_PROVIDED';
  } else if (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') {
    const logical = resolution === 'DNS_ROUND_ROBIN';
    cluster['type'] = logical ? 'LOGICAL_DNS' : 'STRICT_DNS';
    cluster['dns_lookup_family'] = 'V4_ONLY';
    cluster['respect_dns_ttl'] = true;
    cluster['load_assignment'] = dnsLoadAssignment(input, logical);
  } else {
    cluster['type'] = 'EDS';
    cluster['eds_cluster_config'] = edsClusterConfig(input.name);
  }
}

/** `lb_policy` and its config; returns the common_lb_config additions. */
function applyLoadBalancer(cluster: ProtoObject, lb: LoadBalancerSettings | undefined): void {
  if (cluster['lb_policy'] === 'CLUSTER_PROVIDED') return;
  const hash = lb?.consistentHash;
  if (hash?.maglev) {
    cluster['lb_policy'] = 'MAGLEV';
    const size = Number(hash.maglev.tableSize ?? 0);
    cluster['maglev_lb_config'] = { table_size: { value: size > 0 ? size : DEFAULT_MAGLEV_TABLE } };
  } else if (hash) {
    const requested = Number(hash.ringHash?.minimumRingSize ?? hash.minimumRingSize ?? 0);
    cluster['lb_policy'] = 'RING_HASH';
    cluster['ring_hash_lb_config'] = {
      minimum_ring_size: { value: requested > 0 ? requested : DEFAULT_MIN_RING_SIZE },
    };
  } else {
    switch (lb?.simple) {
      case 'ROUND_ROBIN':
        cluster['lb_policy'] = 'ROUND_ROBIN';
        break;
      case 'RANDOM':
        cluster['lb_policy'] = 'RANDOM';
        break;
      default:
        cluster['lb_policy'] = 'LEAST_REQUEST';
    }
  }
  const locality = lb?.localityLbSetting;
  if (locality && locality.enabled !== false && (locality.distribute ?? []).length > 0) {
    cluster['common_lb_config'] = {
      ...((cluster['common_lb_config'] as ProtoObject | undefined) ?? {}),
      locality_weighted_lb_config: {},
    };
  }
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}

function circuitBreakers(pool: ConnectionPoolSettings | undefined): ProtoObject {
  const limit = (n: number | undefined) => uint32Value(positive(n) ?? MAX_UINT32);
  return {
    thresholds: [
      {
        max_connections: limit(pool?.tcp?.maxConnections),
        max_pending_requests: limit(pool?.http?.http1MaxPendingRequests),
        max_requests: limit(pool?.http?.http2MaxRequests),
        max_retries: limit(pool?.http?.maxRetries),
        track_remaining: true,
      },
    ],
  };
}

function httpProtocolOptions(
  port: ServicePort,
  pool: ConnectionPoolSettings | undefined,
): ProtoObject | undefined {
  const http = pool?.http;
  const common: ProtoObject = {};
  const idle = durationFromText(http?.idleTimeout);
  if (idle) common['idle_timeout'] = idle;
  const maxDuration = durationFromText(pool?.tcp?.maxConnectionDuration);
  if (maxDuration) common['max_connection_duration'] = maxDuration;
  const perConn = positive(http?.maxRequestsPerConnection);
  if (perConn) common['max_requests_per_connection'] = uint32Value(perConn);
  const h2 =
    http?.h2UpgradePolicy === 'UPGRADE' ||
    port.protocol === 'HTTP2' ||
    port.protocol === 'GRPC' ||
    port.protocol === 'GRPC-Web';
  const useClient = http?.useClientProtocol === true;
  if (!h2 && !useClient && Object.keys(common).length === 0) return undefined;
  const options: ProtoObject = { '@type': HTTP_PROTOCOL_OPTIONS_TYPE };
  if (Object.keys(common).length > 0) options['common_http_protocol_options'] = common;
  if (useClient) {
    options['use_downstream_protocol_config'] = { http_protocol_options: {}, http2_protocol_options: {} };
  } else {
    const http2: ProtoObject = {};
    const streams = positive(http?.maxConcurrentStreams);
    if (streams) http2['max_concurrent_streams'] = uint32Value(streams);
    options['explicit_http_config'] = h2 ? { http2_protocol_options: http2 } : { http_protocol_options: {} };
  }
  return options;
}

function tcpKeepalive(pool: ConnectionPoolSettings | undefined): ProtoObject | undefined {
  const ka = pool?.tcp?.tcpKeepalive;
  if (!ka) return undefined;
  const out: ProtoObject = {};
  if (ka.probes) out['keepalive_probes'] = uint32Value(ka.probes);
  const time = durationFromText(ka.time);
  if (time) out['keepalive_time'] = uint32Value(time.seconds);
  const interval = durationFromText(ka.interval);
  if (interval) out['keepalive_interval'] = uint32Value(interval.seconds);
  return { tcp_keepalive: out };
}

/** One outbound cluster for an Envoy-style proxy (see the module comment). */
export function buildEnvoyCluster(input: EnvoyClusterInput): ProtoObject {
  const policy = input.policy;
  const pool = policy?.connectionPool;
  const cluster: ProtoObject = { name: input.name };
  applyDiscoveryType(cluster, input, policy?.loadBalancer?.simple === 'PASSTHROUGH');
  const connect = durationFromText(pool?.tcp?.connectTimeout);
  cluster['connect_timeout'] = connect ?? durationFromMs(input.connectTimeoutMs);
  applyLoadBalancer(cluster, policy?.loadBalancer);
  cluster['circuit_breakers'] = circuitBreakers(pool);
  const od = policy?.outlierDetection;
  const outlier = buildOutlierDetection(od);
  if (outlier) {
    delete outlier['enforcing_success_rate'];
    cluster['outlier_detection'] = outlier;
    cluster['common_lb_config'] = {
      ...((cluster['common_lb_config'] as ProtoObject | undefined) ?? {}),
      healthy_panic_threshold: { value: Math.max(0, Math.min(100, od?.minHealthPercent ?? 0)) },
    };
  }
  const keepalive = tcpKeepalive(pool);
  if (keepalive) cluster['upstream_connection_options'] = keepalive;
  const protocolOptions = httpProtocolOptions(input.port, pool);
  if (protocolOptions) {
    cluster['typed_extension_protocol_options'] = { [HTTP_PROTOCOL_OPTIONS_KEY]: protocolOptions };
  }
  const socket = buildUpstreamTransportSocket(policy?.tls, {
    hostname: input.service.hostname,
    port: input.port.port,
    subset: input.subset,
  });
  if (socket) cluster['transport_socket'] = socket;
  return cluster;
}
