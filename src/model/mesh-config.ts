/**
 * The subset of Istio's MeshConfig (istio/api `mesh/v1alpha1/config.proto`) that changes what
 * Envoy-style proxies receive, with Istio's defaults. It is an optional PushContext input: a
 * control plane with no mesh config serves exactly what an istiod with the default mesh config
 * serves. Pure data.
 * See https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/.
 */

export type OutboundTrafficMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

export interface MeshConfig {
  /**
   * What a sidecar does with traffic to destinations outside its registry view: ALLOW_ANY sends it
   * to `PassthroughCluster` (original destination), REGISTRY_ONLY to `BlackHoleCluster`. A Sidecar
   * resource's `outboundTrafficPolicy` overrides it per workload.
   */
  readonly outboundTrafficPolicy: { readonly mode: OutboundTrafficMode };
  /** Upstream connect timeout of every cluster (`connectTimeout`, Istio default 10s), in ms. */
  readonly connectTimeoutMs: number;
  /** Port of the virtual outbound listener iptables redirects to (`proxyListenPort`). */
  readonly proxyListenPort: number;
  /** Port of the virtual inbound listener (`proxyInboundListenPort`). */
  readonly proxyInboundListenPort: number;
  /**
   * Locality-aware load balancing (`localityLbSetting.enabled`, default on): endpoints are put
   * in priorities by locality when a DestinationRule also sets outlier detection.
   */
  readonly localityLbEnabled: boolean;
}

export const DEFAULT_MESH_CONFIG: MeshConfig = {
  outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
  connectTimeoutMs: 10_000,
  proxyListenPort: 15001,
  proxyInboundListenPort: 15006,
  localityLbEnabled: true,
};

/** Fills every field a partial mesh config leaves out with Istio's default. */
export function withMeshDefaults(partial: Partial<MeshConfig> | undefined): MeshConfig {
  return { ...DEFAULT_MESH_CONFIG, ...(partial ?? {}) };
}
