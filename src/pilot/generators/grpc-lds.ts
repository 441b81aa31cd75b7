/**
 * LDS for proxyless gRPC clients (Istio grpcgen BuildListeners, gRFC A27): one ApiListener per
 * subscribed `host:port` that names a service port the client may see, named exactly as
 * subscribed (a client may watch `greeter:50051` and `greeter.ns.svc.cluster.local:50051` at
 * once). Names that match nothing are omitted, so the client learns they do not exist. A wildcard
 * subscription (debug tools) gets every visible service port as `host:port`. Pure.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import { LISTENER_TYPE } from '../../xds/type-urls.js';
import { buildApiListener } from '../networking/listener/build-api-listener.js';
import { buildProxylessListenerName, buildProxylessRouteName } from '../networking/naming.js';
import { fullPushConcerns, requestedNames, resolveListenerTarget } from './grpc-common.js';
import type { GenerateContext, Generator, Resource } from './types.js';

/** Listeners name services only: routing and policy kinds never change them. */
const IGNORED_KINDS: ReadonlySet<string> = new Set(['VirtualService', 'DestinationRule', 'Gateway']);

/** Proxy-independent: the same answer for every proxy (so also `mayConcern`). */
function needsPush(request: PushRequest): boolean {
  return fullPushConcerns(request, IGNORED_KINDS);
}

export const grpcListenerGenerator: Generator = {
  typeUrl: LISTENER_TYPE,

  generate({ push, proxy, watched }: GenerateContext): Resource[] {
    const names = requestedNames(watched, () =>
      push
        .servicesVisibleTo(proxy.namespace)
        .flatMap((s) => s.ports.map((p) => buildProxylessListenerName(s.hostname, p.port))),
    );
    const out: Resource[] = [];
    for (const name of names) {
      const target = resolveListenerTarget(name, push, proxy);
      if (!target) continue;
      out.push({
        name,
        message: buildApiListener(name, buildProxylessRouteName(target.service.hostname, target.port.port)),
      });
    }
    return out;
  },

  needsPush,
  mayConcern: needsPush,

  /** Short-name expansion depends on the client's namespace and DNS domain. */
  scopeKey(proxy: Proxy): string {
    return `${proxy.namespace}|${proxy.dnsDomain}`;
  },
};
