/** Envoy xDS v3 type URLs (xDS protocol: "Type URLs"). */
export const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
export const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const ENDPOINT_TYPE = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
export const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

export const HCM_TYPE =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
export const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
export const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
export const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/**
 * Push order for ADS (xDS protocol, "Eventual consistency considerations"): clusters before the
 * endpoints that warm them, listeners before the routes they reference.
 */
export const PUSH_ORDER: readonly string[] = [
  CLUSTER_TYPE,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  ROUTE_TYPE,
  SECRET_TYPE,
];

/** Short names used in logs, metrics and debug output. */
export function shortTypeName(typeUrl: string): string {
  switch (typeUrl) {
    case LISTENER_TYPE:
      return 'LDS';
    case ROUTE_TYPE:
      return 'RDS';
    case CLUSTER_TYPE:
      return 'CDS';
    case ENDPOINT_TYPE:
      return 'EDS';
    case SECRET_TYPE:
      return 'SDS';
    default:
      return typeUrl;
  }
}

/** Types whose SotW responses must carry the full state (xDS protocol, "Deleting resources"). */
export function isFullStateType(typeUrl: string): boolean {
  return typeUrl === LISTENER_TYPE || typeUrl === CLUSTER_TYPE;
}

function typeOrder(typeUrl: string): number {
  const i = PUSH_ORDER.indexOf(typeUrl);
  return i < 0 ? PUSH_ORDER.length : i;
}

/** Types in push order (CDS, EDS, LDS, RDS, SDS), then any other type by name. */
export function inPushOrder(types: Iterable<string>): string[] {
  return [...types].sort((a, b) => typeOrder(a) - typeOrder(b) || (a < b ? -1 : a > b ? 1 : 0));
}
