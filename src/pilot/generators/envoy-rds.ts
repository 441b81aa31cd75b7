/**
 * RDS for Envoy-style proxies: sidecar route configs named by port (`"9080"`,
 * sidecar-routes.ts) and gateway route configs `http.PORT` / `https.PORT.NAME.GW.NS`
 * (gateway-routes.ts). Names that build nothing are omitted. A wildcard request (debug tools)
 * gets every name the proxy's listeners reference. Pure.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import { ROUTE_TYPE } from '../../xds/type-urls.js';
import { envoyScopeKey, isRouter } from './envoy-common.js';
import { gatewayRouteNames } from './gateway-listeners.js';
import { buildGatewayRouteConfig } from './gateway-routes.js';
import { fullPushConcerns, NO_IGNORED_KINDS, requestedNames } from './grpc-common.js';
import { buildSidecarRouteConfig, sidecarRouteNames } from './sidecar-routes.js';
import type { GenerateContext, Generator, Resource } from './types.js';

/** Proxy-independent: the same answer for every proxy (so also `mayConcern`). */
function needsPush(request: PushRequest): boolean {
  return fullPushConcerns(request, NO_IGNORED_KINDS);
}

export const envoyRouteGenerator: Generator = {
  typeUrl: ROUTE_TYPE,

  generate({ push, proxy, watched }: GenerateContext): Resource[] {
    const router = isRouter(proxy);
    const names = requestedNames(watched, () =>
      router ? gatewayRouteNames(push, proxy) : sidecarRouteNames(push, proxy),
    );
    const out: Resource[] = [];
    for (const name of names) {
      const message = router
        ? buildGatewayRouteConfig(name, push, proxy)
        : buildSidecarRouteConfig(name, push, proxy);
      if (message) out.push({ name, message });
    }
    return out;
  },

  needsPush,
  mayConcern: needsPush,

  /** Routes depend on namespace (domains, visibility), Sidecar scope and labels (sourceLabels). */
  scopeKey(proxy: Proxy): string {
    return envoyScopeKey(proxy);
  },
};
