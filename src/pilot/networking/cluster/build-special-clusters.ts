/**
 * Istio's fixed clusters for sidecars and the inbound clusters of a proxy's own workload:
 * - `PassthroughCluster`: ORIGINAL_DST, where ALLOW_ANY sends traffic to unknown destinations;
 * - `BlackHoleCluster`: STATIC with no endpoints, where REGISTRY_ONLY sends it (and gateways'
 *   unmatched traffic): the connection is closed;
 * - `InboundPassthroughCluster`: ORIGINAL_DST for inbound traffic to ports no service declares,
 *   sourced from 127.0.0.6 as Istio does so the app sees a local peer and iptables lets it pass;
 * - `inbound|PORT||`: the workload's own port, a STATIC cluster to the address the application
 *   listens on (`127.0.0.1:PORT`, or a Sidecar ingress `defaultEndpoint`). Istio 1.10+ dials the
 *   pod IP through ORIGINAL_DST instead; a static loopback target works without iptables (the
 *   `captureMode: NONE` deployments and MOSN's Istio 1.10 model) and needs no original
 *   destination. Unix socket endpoints become pipe addresses.
 * Pure.
 */
import type { ServicePort } from '../../../model/service.js';
import {
  BLACKHOLE_CLUSTER,
  HTTP_PROTOCOL_OPTIONS_KEY,
  HTTP_PROTOCOL_OPTIONS_TYPE,
  INBOUND_PASSTHROUGH_CLUSTER,
  PASSTHROUGH_CLUSTER,
} from '../envoy-types.js';
import { buildInboundClusterName } from '../naming.js';
import { durationFromMs, type ProtoObject } from '../proto-values.js';

const UNIX_PREFIX = 'unix://';

export function buildPassthroughCluster(connectTimeoutMs: number): ProtoObject {
  return {
    name: PASSTHROUGH_CLUSTER,
    type: 'ORIGINAL_DST',
    connect_timeout: durationFromMs(connectTimeoutMs),
    lb_policy: 'CLUSTER_PROVIDED',
  };
}

export function buildBlackHoleCluster(connectTimeoutMs: number): ProtoObject {
  return { name: BLACKHOLE_CLUSTER, type: 'STATIC', connect_timeout: durationFromMs(connectTimeoutMs) };
}

export function buildInboundPassthroughCluster(connectTimeoutMs: number): ProtoObject {
  return {
    name: INBOUND_PASSTHROUGH_CLUSTER,
    type: 'ORIGINAL_DST',
    connect_timeout: durationFromMs(connectTimeoutMs),
    lb_policy: 'CLUSTER_PROVIDED',
    upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } },
  };
}

/** `127.0.0.1:8080`, `[::1]:8080`, `0.0.0.0:8080` (→ loopback) or `unix:///path`. */
export function endpointAddress(target: string): ProtoObject | undefined {
  if (target.startsWith(UNIX_PREFIX)) return { pipe: { path: target.slice(UNIX_PREFIX.length) } };
  const colon = target.lastIndexOf(':');
  if (colon < 0) return undefined;
  let host = target.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(target.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return { socket_address: { address: host, port_value: port } };
}

export interface InboundClusterInput {
  /** The port the cluster is named after (the workload's port). */
  readonly port: number;
  /** Where the application listens (`127.0.0.1:PORT` unless a Sidecar ingress says otherwise). */
  readonly target: string;
  readonly protocol?: ServicePort['protocol'];
  readonly connectTimeoutMs: number;
}

export function buildInboundCluster(input: InboundClusterInput): ProtoObject {
  const name = buildInboundClusterName(input.port);
  const address = endpointAddress(input.target) ?? endpointAddress(`127.0.0.1:${input.port}`)!;
  const cluster: ProtoObject = {
    name,
    type: 'STATIC',
    connect_timeout: durationFromMs(input.connectTimeoutMs),
    lb_policy: 'ROUND_ROBIN',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] },
  };
  if (input.protocol === 'HTTP2' || input.protocol === 'GRPC') {
    cluster['typed_extension_protocol_options'] = {
      [HTTP_PROTOCOL_OPTIONS_KEY]: {
        '@type': HTTP_PROTOCOL_OPTIONS_TYPE,
        explicit_http_config: { http2_protocol_options: {} },
      },
    };
  }
  return cluster;
}
