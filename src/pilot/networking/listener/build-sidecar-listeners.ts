/**
 * The fixed listeners of Istio's sidecar model and the inbound filter chains of the proxy's own
 * workload (Istio ListenerBuilder):
 * - `virtualOutbound` on 0.0.0.0:15001: where iptables redirects outbound connections;
 *   `use_original_dst` hands each connection to the listener bound (bind_to_port false) to its
 *   original destination, and what matches none goes to PassthroughCluster (ALLOW_ANY) or
 *   BlackHoleCluster (REGISTRY_ONLY);
 * - `virtualInbound` on 0.0.0.0:15006: the `original_dst` listener filter restores the
 *   destination, one filter chain per inbound port (`destination_port`), connections to 15006
 *   itself are dropped (a loop), and everything else goes to InboundPassthroughCluster;
 * - an inbound port serves HTTP through an inline route configuration `inbound|PORT||` (one
 *   virtual host `inbound|http|PORT`, every domain, to the `inbound|PORT||` cluster) and other
 *   protocols through tcp_proxy;
 * - a Sidecar ingress listener with `captureMode: NONE` is its own listener bound to its port.
 * Pure.
 */
import { isHttpProtocol, type Protocol } from '../../../model/service.js';
import type { OutboundTrafficMode } from '../../../model/mesh-config.js';
import {
  BLACKHOLE_CLUSTER,
  INBOUND_PASSTHROUGH_CLUSTER,
  ORIGINAL_DST_FILTER,
  ORIGINAL_DST_TYPE,
  PASSTHROUGH_CLUSTER,
  VIRTUAL_INBOUND_LISTENER,
  VIRTUAL_OUTBOUND_LISTENER,
} from '../envoy-types.js';
import { buildInboundClusterName } from '../naming.js';
import { emptyAny, type ProtoObject } from '../proto-values.js';
import { hcmFilter, listenerName, socketAddress, tcpProxyFilter } from './build-filters.js';

export function originalDstListenerFilter(): ProtoObject {
  return { name: ORIGINAL_DST_FILTER, typed_config: emptyAny(ORIGINAL_DST_TYPE) };
}

export function buildVirtualOutboundListener(port: number, mode: OutboundTrafficMode): ProtoObject {
  const cluster = mode === 'REGISTRY_ONLY' ? BLACKHOLE_CLUSTER : PASSTHROUGH_CLUSTER;
  return {
    name: VIRTUAL_OUTBOUND_LISTENER,
    address: socketAddress('0.0.0.0', port),
    use_original_dst: { value: true },
    traffic_direction: 'OUTBOUND',
    filter_chains: [
      { name: `${VIRTUAL_OUTBOUND_LISTENER}-catchall-tcp`, filters: [tcpProxyFilter(cluster, cluster)] },
    ],
  };
}

export interface InboundPort {
  /** The workload port (and the `inbound|PORT||` cluster's name). */
  readonly port: number;
  readonly protocol: Protocol;
}

/** The network filters serving one inbound port. */
export function buildInboundFilters(p: InboundPort): ProtoObject[] {
  const cluster = buildInboundClusterName(p.port);
  const statPrefix = `inbound_0.0.0.0_${p.port}`;
  if (!isHttpProtocol(p.protocol)) return [tcpProxyFilter(cluster, cluster)];
  const routeConfig = {
    name: cluster,
    virtual_hosts: [
      {
        name: `inbound|http|${p.port}`,
        domains: ['*'],
        routes: [
          {
            name: 'default',
            match: { prefix: '/' },
            route: { cluster, timeout: { seconds: 0, nanos: 0 } },
          },
        ],
      },
    ],
    validate_clusters: { value: false },
  };
  return [hcmFilter({ statPrefix, direction: 'inbound', routeConfig })];
}

export function buildVirtualInboundListener(port: number, inbound: readonly InboundPort[]): ProtoObject {
  const chains: ProtoObject[] = [
    {
      name: `${VIRTUAL_INBOUND_LISTENER}-blackhole`,
      filter_chain_match: { destination_port: { value: port } },
      filters: [tcpProxyFilter(BLACKHOLE_CLUSTER, BLACKHOLE_CLUSTER)],
    },
  ];
  for (const p of inbound) {
    if (p.port === port) continue;
    chains.push({
      name: `inbound_0.0.0.0_${p.port}`,
      filter_chain_match: { destination_port: { value: p.port } },
      filters: buildInboundFilters(p),
    });
  }
  chains.push({
    name: `${VIRTUAL_INBOUND_LISTENER}-ipv4`,
    filter_chain_match: { prefix_ranges: [{ address_prefix: '0.0.0.0', prefix_len: { value: 0 } }] },
    filters: [tcpProxyFilter(INBOUND_PASSTHROUGH_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER)],
  });
  return {
    name: VIRTUAL_INBOUND_LISTENER,
    address: socketAddress('0.0.0.0', port),
    listener_filters: [originalDstListenerFilter()],
    traffic_direction: 'INBOUND',
    filter_chains: chains,
  };
}

/** A Sidecar ingress listener that binds its own port (`captureMode: NONE`). */
export function buildBoundInboundListener(bind: string, p: InboundPort): ProtoObject {
  return {
    name: listenerName(bind, p.port),
    address: socketAddress(bind, p.port),
    traffic_direction: 'INBOUND',
    filter_chains: [{ name: `inbound_${bind}_${p.port}`, filters: buildInboundFilters(p) }],
  };
}
