/**
 * Network filters of Envoy-style listeners, as Istio writes them:
 * - the HttpConnectionManager, with routes over ADS by name (`rds`, config source `ads`, which
 *   go-control-plane's lint and MOSN both require) or inline (inbound), HTTP filters
 *   `[cors, fault, router]` for outbound and gateway traffic (the router last, as Envoy requires;
 *   per-route CORS and fault overrides are keyed by those filter names) and `[router]` inbound,
 *   websocket upgrades allowed, the client address trusted only at gateways
 *   (`use_remote_address`);
 * - `tcp_proxy` to one cluster or to weighted clusters (weights ≥ 1).
 * Pure.
 */
import { FAULT_TYPE, HCM_TYPE, ROUTER_TYPE, TCP_PROXY_TYPE } from '../../../xds/type-urls.js';
import { CORS_FILTER, CORS_TYPE, HCM_FILTER, TCP_PROXY_FILTER } from '../envoy-types.js';
import type { ProtoObject } from '../proto-values.js';
import { FAULT_FILTER_NAME } from '../route/build-fault.js';
import { ROUTER_FILTER_NAME } from './build-api-listener.js';

export type HttpDirection = 'outbound' | 'inbound' | 'gateway';

export interface HcmInput {
  readonly statPrefix: string;
  readonly direction: HttpDirection;
  /** Route configuration fetched over ADS under this name... */
  readonly rds?: string;
  /** ...or carried inline. */
  readonly routeConfig?: ProtoObject;
}

export function buildHttpFilters(direction: HttpDirection): ProtoObject[] {
  const router = { name: ROUTER_FILTER_NAME, typed_config: { '@type': ROUTER_TYPE } };
  if (direction === 'inbound') return [router];
  return [
    { name: CORS_FILTER, typed_config: { '@type': CORS_TYPE } },
    { name: FAULT_FILTER_NAME, typed_config: { '@type': FAULT_TYPE } },
    router,
  ];
}

export function buildHttpConnectionManager(input: HcmInput): ProtoObject {
  const hcm: ProtoObject = { '@type': HCM_TYPE, stat_prefix: input.statPrefix };
  if (input.rds !== undefined) {
    hcm['rds'] = {
      config_source: { ads: {}, resource_api_version: 'V3' },
      route_config_name: input.rds,
    };
  } else {
    hcm['route_config'] = input.routeConfig ?? { name: input.statPrefix };
  }
  hcm['http_filters'] = buildHttpFilters(input.direction);
  hcm['upgrade_configs'] = [{ upgrade_type: 'websocket' }];
  if (input.direction === 'gateway') hcm['use_remote_address'] = { value: true };
  if (input.direction === 'inbound') hcm['forward_client_cert_details'] = 'APPEND_FORWARD';
  return hcm;
}

export function hcmFilter(input: HcmInput): ProtoObject {
  return { name: HCM_FILTER, typed_config: buildHttpConnectionManager(input) };
}

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
}

/** `tcp_proxy` to `target`: a cluster name, or weighted clusters (one entry collapses). */
export function tcpProxyFilter(statPrefix: string, target: string | readonly WeightedCluster[]): ProtoObject {
  const config: ProtoObject = { '@type': TCP_PROXY_TYPE, stat_prefix: statPrefix };
  if (typeof target === 'string') {
    config['cluster'] = target;
  } else if (target.length === 1) {
    config['cluster'] = target[0]!.name;
  } else {
    config['weighted_clusters'] = {
      clusters: target.map((c) => ({ name: c.name, weight: Math.max(1, Math.round(c.weight)) })),
    };
  }
  return { name: TCP_PROXY_FILTER, typed_config: config };
}

/** `ip_port` listener and filter-chain names, as Istio spells them (`0.0.0.0_9080`). */
export function listenerName(address: string, port: number): string {
  return `${address}_${port}`;
}

export function socketAddress(address: string, port: number): ProtoObject {
  return { socket_address: { address, port_value: port } };
}
