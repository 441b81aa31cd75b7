/**
 * CDS for Envoy-style proxies: an outbound cluster for every service port (and DestinationRule
 * subset) in the proxy's scope (its Sidecar scope, or everything visible for a gateway), built
 * by build-envoy-cluster.ts; Istio's BlackHoleCluster; and for sidecars PassthroughCluster,
 * InboundPassthroughCluster and the `inbound|PORT||` clusters of the proxy's own workload. CDS is
 * a wildcard type for Envoy and MOSN; named requests get the named subset. Pure.
 */
import type { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import { CLUSTER_TYPE } from '../../xds/type-urls.js';
import { buildEnvoyCluster } from '../networking/cluster/build-envoy-cluster.js';
import {
  buildBlackHoleCluster,
  buildInboundCluster,
  buildInboundPassthroughCluster,
  buildPassthroughCluster,
} from '../networking/cluster/build-special-clusters.js';
import type { ProtoObject } from '../networking/proto-values.js';
import {
  allEnvoyClusterRefs,
  envoyScopeKey,
  isRouter,
  sidecarInboundKey,
  sidecarInboundPorts,
  touchesOwnWorkload,
} from './envoy-common.js';
import { fullPushConcerns, NO_IGNORED_KINDS } from './grpc-common.js';
import type { GenerateContext, Generator, Resource } from './types.js';

export const envoyClusterGenerator: Generator = {
  typeUrl: CLUSTER_TYPE,

  generate({ push, proxy, watched }: GenerateContext): Resource[] {
    const timeout = push.meshConfig.connectTimeoutMs;
    const messages: ProtoObject[] = allEnvoyClusterRefs(push, proxy).map((ref) =>
      buildEnvoyCluster({
        name: ref.name,
        service: ref.service,
        port: ref.port,
        subset: ref.subset,
        ...(ref.subsetDef?.labels ? { subsetLabels: ref.subsetDef.labels } : {}),
        policy: ref.policy,
        endpoints: push.endpoints.endpoints(ref.service, ref.port.name),
        connectTimeoutMs: timeout,
      }),
    );
    messages.push(buildBlackHoleCluster(timeout));
    if (!isRouter(proxy)) {
      messages.push(buildPassthroughCluster(timeout), buildInboundPassthroughCluster(timeout));
      for (const p of sidecarInboundPorts(push, proxy)) {
        messages.push(
          buildInboundCluster({
            port: p.port,
            target: p.target,
            protocol: p.protocol,
            connectTimeoutMs: timeout,
          }),
        );
      }
    }
    const seen = new Set<string>();
    const out: Resource[] = [];
    for (const message of messages) {
      const name = message['name'] as string;
      if (seen.has(name) || !(watched.wildcard || watched.names.has(name))) continue;
      seen.add(name);
      out.push({ name, message });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  },

  needsPush(request: PushRequest, proxy: Proxy): boolean {
    // Endpoint-only pushes: only a sidecar whose own workload changed (its inbound side).
    if (!request.full) return touchesOwnWorkload(request, proxy);
    return fullPushConcerns(request, NO_IGNORED_KINDS);
  },

  /**
   * Scoping depends on namespace and labels; inbound clusters and listeners on the proxy's own
   * workload (its inbound ports, found by IP in the endpoints), not on the IP itself.
   */
  scopeKey(proxy: Proxy, push?: PushContext): string {
    return `${envoyScopeKey(proxy)}|${sidecarInboundKey(push, proxy)}`;
  },
  scopeUsesPush: true,
};
