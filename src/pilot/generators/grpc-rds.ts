/**
 * RDS for proxyless gRPC clients (Istio grpcgen BuildHTTPRoutes): each subscribed
 * `outbound|PORT||HOST` name becomes a RouteConfiguration with one virtual host for that service
 * port, routed by the mesh VirtualService for the host (if any) as seen from the client's
 * namespace. Destination hosts resolve relative to the VirtualService's namespace; a destination
 * without a port uses the service's only port, else the port being routed (Istio
 * GetDestinationCluster). A route to a subset no DestinationRule defines still names its cluster
 * `outbound|PORT|SUBSET|HOST`; that cluster has no endpoints (grpc-common resolveClusterName), so
 * the share of calls routed there fails at once with UNAVAILABLE while the rest keeps working, and
 * the PushContext reports an IST0101 analysis warning. Pure.
 */
import type { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import type { Destination } from '../../model/istio/index.js';
import { ROUTE_TYPE } from '../../xds/type-urls.js';
import { mergeTrafficPolicy } from '../networking/cluster/traffic-policy.js';
import {
  buildOutboundClusterName,
  buildProxylessRouteName,
  parseProxylessRouteName,
} from '../networking/naming.js';
import type { ProtoObject } from '../networking/proto-values.js';
import type { DestinationResolver } from '../networking/route/build-route-action.js';
import { buildDomains, buildVirtualHost } from '../networking/route/build-virtual-host.js';
import { stableStringify } from '../../model/push-context/stable-json.js';
import { hostMatches } from '../../model/push-context/hosts.js';
import { fullPushConcerns, requestedNames } from './grpc-common.js';
import type { GenerateContext, Generator, Resource, ResourceFilter } from './types.js';

const IGNORED_KINDS: ReadonlySet<string> = new Set(['Gateway']);

/** The consistent hash the cluster of (hostname, subset, port) is built with, if any. */
function consistentHashFor(push: PushContext, proxy: Proxy, hostname: string, subset: string, port: number) {
  const rule = push.destinationRule(hostname, proxy.namespace)?.spec;
  if (!rule) return undefined;
  const subsetPolicy = subset ? rule.subsets?.find((s) => s.name === subset)?.trafficPolicy : undefined;
  return mergeTrafficPolicy(rule.trafficPolicy, subsetPolicy, port)?.loadBalancer?.consistentHash;
}

function destinationResolver(
  push: PushContext,
  proxy: Proxy,
  vsNamespace: string,
  routedPort: number,
): DestinationResolver {
  return (dest: Destination) => {
    const hostname = push.resolveHost(dest.host ?? '', vsNamespace);
    const service = push.serviceForHostname(hostname, proxy.namespace);
    let port = routedPort;
    if (dest.port?.number) port = dest.port.number;
    else if (service && service.ports.length === 1) port = service.ports[0]!.port;
    const subset = dest.subset ?? '';
    const consistentHash = consistentHashFor(push, proxy, hostname, subset, port);
    return {
      cluster: buildOutboundClusterName(hostname, port, subset),
      ...(consistentHash ? { consistentHash } : {}),
    };
  };
}

/** The RouteConfiguration named `name` for this client, or `undefined` if it names nothing. */
export function buildGrpcRouteConfig(name: string, push: PushContext, proxy: Proxy): ProtoObject | undefined {
  const parsed = parseProxylessRouteName(name);
  if (!parsed) return undefined;
  const service = push.serviceForHostname(parsed.hostname, proxy.namespace);
  if (!service?.ports.some((p) => p.port === parsed.port)) return undefined;
  const vs = push.virtualServiceForHost(service.hostname, proxy.namespace);
  const defaultHash = consistentHashFor(push, proxy, service.hostname, '', parsed.port);
  const virtualHost = buildVirtualHost({
    hostname: service.hostname,
    port: parsed.port,
    domains: buildDomains(service.hostname, parsed.port, proxy.namespace, push.domainSuffix),
    defaultCluster: buildOutboundClusterName(service.hostname, parsed.port),
    ...(defaultHash ? { defaultConsistentHash: defaultHash } : {}),
    ...(vs ? { virtualService: vs.config.spec } : {}),
    source: { namespace: proxy.namespace, labels: proxy.labels },
    resolve: destinationResolver(push, proxy, vs?.config.meta.namespace ?? service.namespace, parsed.port),
  });
  return { name, virtual_hosts: [virtualHost] };
}

/**
 * A route config `outbound|PORT||HOST` depends on the services, the DestinationRules (hash
 * policies of every destination) and the one VirtualService that routes HOST. So when only
 * VirtualServices changed, only the route configs of hosts they route, before or after the
 * change, may differ; anything else may touch any route config.
 */
function virtualServiceChanges(
  request: PushRequest,
  previous: PushContext,
  push: PushContext,
): ResourceFilter | undefined {
  if (request.configsUpdated.length === 0 || request.reasons.some((r) => r !== 'config')) return undefined;
  const patterns = new Set<string>();
  for (const ref of request.configsUpdated) {
    if (IGNORED_KINDS.has(ref.kind)) continue;
    if (ref.kind !== 'VirtualService') return undefined;
    for (const ctx of [previous, push]) {
      const vs = ctx.virtualServices.find(
        (c) => c.meta.namespace === ref.namespace && c.meta.name === ref.name,
      );
      for (const host of vs?.spec.hosts ?? []) patterns.add(ctx.resolveHost(host, ref.namespace));
    }
  }
  const hosts = [...patterns];
  return (name) => {
    const parsed = parseProxylessRouteName(name);
    return !parsed || hosts.some((h) => hostMatches(parsed.hostname, h));
  };
}

/** Proxy-independent: the same answer for every proxy (so also `mayConcern`). */
function needsPush(request: PushRequest): boolean {
  return fullPushConcerns(request, IGNORED_KINDS);
}

export const grpcRouteGenerator: Generator = {
  typeUrl: ROUTE_TYPE,

  generate({ push, proxy, watched }: GenerateContext): Resource[] {
    const names = requestedNames(watched, () =>
      push
        .servicesVisibleTo(proxy.namespace)
        .flatMap((s) => s.ports.map((p) => buildProxylessRouteName(s.hostname, p.port))),
    );
    const out: Resource[] = [];
    for (const name of names) {
      const message = buildGrpcRouteConfig(name, push, proxy);
      if (message) out.push({ name, message });
    }
    return out;
  },

  needsPush,
  mayConcern: needsPush,

  changedResources: virtualServiceChanges,

  /** Domains depend on the client namespace; `sourceLabels` / `sourceNamespace` matches on both. */
  scopeKey(proxy: Proxy): string {
    return `${proxy.namespace}|${stableStringify(proxy.labels)}`;
  },
};
