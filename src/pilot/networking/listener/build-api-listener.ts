/**
 * The client-side Listener a proxyless gRPC client asks for when it dials `xds:///host:port`
 * (gRFC A27): an `api_listener` wrapping an HttpConnectionManager whose routes come over ADS
 * (`rds.config_source.ads`) under the route config name. The HTTP filters are exactly
 * `[fault, router]` (gRFC A39/A33: the router must be last, names unique, every filter a type
 * the client knows) so per-route fault overrides keyed by `envoy.filters.http.fault` apply.
 * No `listener_filters`, no `use_original_dst`, no address: gRPC rejects or ignores them. Pure.
 */
import { FAULT_TYPE, HCM_TYPE, ROUTER_TYPE } from '../../../xds/type-urls.js';
import type { ProtoObject } from '../proto-values.js';
import { FAULT_FILTER_NAME } from '../route/build-fault.js';

export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';

/** The HCM's HTTP filter chain for proxyless clients. */
export function buildClientHttpFilters(): ProtoObject[] {
  return [
    { name: FAULT_FILTER_NAME, typed_config: { '@type': FAULT_TYPE } },
    { name: ROUTER_FILTER_NAME, typed_config: { '@type': ROUTER_TYPE } },
  ];
}

/** Listener `name` (the dial target) routing through RouteConfiguration `routeConfigName`. */
export function buildApiListener(name: string, routeConfigName: string): ProtoObject {
  return {
    name,
    api_listener: {
      api_listener: {
        '@type': HCM_TYPE,
        rds: {
          config_source: { ads: {}, resource_api_version: 'V3' },
          route_config_name: routeConfigName,
        },
        http_filters: buildClientHttpFilters(),
      },
    },
  };
}
