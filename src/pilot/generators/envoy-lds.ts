/**
 * LDS for Envoy-style proxies (Envoy, MOSN): Istio's sidecar listener model for `sidecar~` nodes
 * (sidecar-listeners.ts) and Gateway servers for `router~` nodes (gateway-listeners.ts). LDS is a
 * wildcard type for Envoy; named requests get the named subset. Pure.
 */
import type { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import { LISTENER_TYPE } from '../../xds/type-urls.js';
import { envoyScopeKey, isRouter, sidecarInboundKey, touchesOwnWorkload } from './envoy-common.js';
import { buildGatewayListeners } from './gateway-listeners.js';
import { fullPushConcerns } from './grpc-common.js';
import { buildSidecarListeners } from './sidecar-listeners.js';
import type { GenerateContext, Generator, Resource } from './types.js';

/** Listeners never read DestinationRules. */
const IGNORED_KINDS: ReadonlySet<string> = new Set(['DestinationRule']);

export const envoyListenerGenerator: Generator = {
  typeUrl: LISTENER_TYPE,

  generate({ push, proxy, watched }: GenerateContext): Resource[] {
    const all = isRouter(proxy) ? buildGatewayListeners(push, proxy) : buildSidecarListeners(push, proxy);
    const wanted = (name: string) => watched.wildcard || watched.names.has(name);
    return all.map((message) => ({ name: message['name'] as string, message })).filter((r) => wanted(r.name));
  },

  needsPush(request: PushRequest, proxy: Proxy): boolean {
    // Endpoint-only pushes: only a sidecar whose own workload changed (its inbound side).
    if (!request.full) return touchesOwnWorkload(request, proxy);
    return fullPushConcerns(request, IGNORED_KINDS);
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
