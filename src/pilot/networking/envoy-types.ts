/**
 * Type URLs and well-known names of the Envoy extensions the sidecar and gateway builders use
 * beyond src/xds/type-urls.ts (Envoy's "extension" names, as Istio writes them). Pure constants.
 */
const T = 'type.googleapis.com/';

export const ORIGINAL_DST_TYPE = `${T}envoy.extensions.filters.listener.original_dst.v3.OriginalDst`;
export const TLS_INSPECTOR_TYPE = `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`;
export const CORS_TYPE = `${T}envoy.extensions.filters.http.cors.v3.Cors`;
export const CORS_POLICY_TYPE = `${T}envoy.extensions.filters.http.cors.v3.CorsPolicy`;
export const UPSTREAM_TLS_TYPE = `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`;
export const DOWNSTREAM_TLS_TYPE = `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`;
export const HTTP_PROTOCOL_OPTIONS_TYPE = `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`;
export const PREVIOUS_HOSTS_TYPE = `${T}envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate`;

export const ORIGINAL_DST_FILTER = 'envoy.filters.listener.original_dst';
export const TLS_INSPECTOR_FILTER = 'envoy.filters.listener.tls_inspector';
export const HCM_FILTER = 'envoy.filters.network.http_connection_manager';
export const TCP_PROXY_FILTER = 'envoy.filters.network.tcp_proxy';
export const CORS_FILTER = 'envoy.filters.http.cors';
export const TLS_TRANSPORT_SOCKET = 'envoy.transport_sockets.tls';
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
export const PREVIOUS_HOSTS_PREDICATE = 'envoy.retry_host_predicates.previous_hosts';

/** Istio's special clusters. */
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';

/** Istio's virtual listener names. */
export const VIRTUAL_OUTBOUND_LISTENER = 'virtualOutbound';
export const VIRTUAL_INBOUND_LISTENER = 'virtualInbound';

/** Istio's SDS cluster (the agent's socket) and resource names for workload certificates. */
export const SDS_CLUSTER = 'sds-grpc';
export const SDS_DEFAULT_CERT = 'default';
export const SDS_ROOT_CA = 'ROOTCA';
/** Gateway `credentialName` secrets are asked for as `kubernetes://NAME` over ADS. */
export const KUBERNETES_SECRET_PREFIX = 'kubernetes://';
