/**
 * LDS for Envoy-style proxies (Envoy, MOSN): Istio's sidecar listener model for `sidecar~` nodes
 * (sidecar-listeners.ts) and Gateway servers for `router~` nodes (gateway-listeners.ts). LDS is a
 * wildcard type for Envoy; named requests get the named subset. Pure.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import { LISTENER_TYPE } from '../../xds/type-urls.js';
import { envoyScopeKey, isRouter } from './envoy-common.js';
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

  needsPush(request: PushRequest): boolean {
    return fullPushConcerns(request, IGNORED_KINDS);
  },

  /** Inbound listeners depend on the proxy's IP (its own endpoints); scoping on namespace and labels. */
  scopeKey(proxy: Proxy): string {
    return envoyScopeKey(proxy, { ip: !isRouter(proxy) });
  },
};
