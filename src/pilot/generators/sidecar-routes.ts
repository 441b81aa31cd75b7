/**
 * A sidecar's outbound RouteConfiguration named by port (`"9080"`), as istiod's
 * buildSidecarOutboundHTTPRouteConfig: the egress listener serving that port (the Sidecar
 * listener with that port, else the catch-all) contributes
 * - one virtual host `HOST:PORT` per imported service with an HTTP port equal to PORT, routed by
 *   the VirtualService of that listener for the host (or the default route), with Istio's domains
 *   (host spellings for the proxy's namespace, VIPs);
 * - one virtual host per VirtualService host that is no service (an external name, a wildcard),
 *   domains `HOST` and `HOST:PORT`, when the VirtualService has routes for this port;
 * - the fall-through virtual host (`allow_any` to PassthroughCluster, or `block_all` 502).
 * Domains already claimed by an earlier virtual host are dropped (Envoy rejects duplicates).
 * `validate_clusters: false` as Istio: a route to a missing subset fails requests, not the
 * whole configuration. Pure.
 */
import type { PushContext } from '../../model/push-context.js';
import { egressListenerForPort, virtualServiceInScope } from '../../model/push-context/sidecar-scope.js';
import type { Proxy } from '../../model/proxy.js';
import { isHttpProtocol } from '../../model/service.js';
import { buildOutboundClusterName, buildVirtualHostName } from '../networking/naming.js';
import type { ProtoObject } from '../networking/proto-values.js';
import {
  buildEnvoyVirtualHost,
  buildEnvoyVirtualServiceRoutes,
  buildFallthroughVirtualHost,
  buildSidecarDomains,
  dedupeDomains,
  type EnvoyVirtualHostInput,
} from '../networking/route/build-envoy-virtual-host.js';
import { envoyDestinationResolver, legacyMatchers } from './envoy-common.js';

/** Parses a sidecar route config name (a port number). */
export function parseSidecarRouteName(name: string): number | undefined {
  if (!/^\d{1,5}$/.test(name)) return undefined;
  const port = Number(name);
  return port >= 1 && port <= 65535 ? port : undefined;
}

export function buildSidecarRouteConfig(
  name: string,
  push: PushContext,
  proxy: Proxy,
): ProtoObject | undefined {
  const port = parseSidecarRouteName(name);
  if (port === undefined) return undefined;
  const scope = push.sidecarScope(proxy);
  const listener = egressListenerForPort(scope, port);
  if (!listener) return undefined;
  const taken = new Set<string>();
  const source = { namespace: proxy.namespace, labels: proxy.labels };
  const legacy = legacyMatchers(proxy);
  const virtualHosts: ProtoObject[] = [];
  const serviceHosts = new Set<string>();
  for (const service of listener.services) {
    const sp = service.ports.find((p) => p.port === port && isHttpProtocol(p.protocol));
    if (!sp) continue;
    serviceHosts.add(service.hostname);
    const vs = virtualServiceInScope(listener, service.hostname);
    const vsNamespace = vs?.config.meta.namespace ?? service.namespace;
    const resolve = envoyDestinationResolver(push, proxy, vsNamespace, port);
    const domains = dedupeDomains(
      buildSidecarDomains(service.hostname, port, service.addresses, proxy.namespace, push.domainSuffix),
      taken,
    );
    if (domains.length === 0) continue;
    const defaultCluster = buildOutboundClusterName(service.hostname, port);
    const hash = resolve({ host: service.hostname, port: { number: port } }).consistentHash;
    virtualHosts.push(
      buildEnvoyVirtualHost({
        name: buildVirtualHostName(service.hostname, port),
        domains,
        port,
        defaultCluster,
        ...(hash ? { defaultConsistentHash: hash } : {}),
        ...(vs ? { virtualService: { spec: vs.config.spec, namespace: vsNamespace } } : {}),
        source,
        legacyMatchers: legacy,
        resolve,
      }),
    );
  }
  for (const vs of listener.virtualServices) {
    const vsNamespace = vs.config.meta.namespace;
    for (const host of vs.hosts) {
      if (serviceHosts.has(host) || host === '*') continue;
      if (virtualServiceInScope(listener, host) !== vs) continue;
      const input: EnvoyVirtualHostInput = {
        name: buildVirtualHostName(host, port),
        domains: [host, `${host}:${port}`],
        port,
        virtualService: { spec: vs.config.spec, namespace: vsNamespace },
        source,
        legacyMatchers: legacy,
        resolve: envoyDestinationResolver(push, proxy, vsNamespace, port),
      };
      if (buildEnvoyVirtualServiceRoutes(input).length === 0) continue;
      const domains = dedupeDomains(input.domains, taken);
      if (domains.length === 0) continue;
      serviceHosts.add(host);
      virtualHosts.push(buildEnvoyVirtualHost({ ...input, domains }));
    }
  }
  const fallthrough = buildFallthroughVirtualHost(scope.outboundTrafficMode);
  fallthrough['domains'] = dedupeDomains(fallthrough['domains'] as string[], taken);
  if ((fallthrough['domains'] as string[]).length > 0) virtualHosts.push(fallthrough);
  virtualHosts.sort((a, b) => ((a['name'] as string) < (b['name'] as string) ? -1 : 1));
  return { name, virtual_hosts: virtualHosts, validate_clusters: { value: false } };
}

/** Every sidecar route config name the proxy's HTTP listeners reference. */
export function sidecarRouteNames(push: PushContext, proxy: Proxy): string[] {
  const scope = push.sidecarScope(proxy);
  const ports = new Set<number>();
  for (const l of scope.egress) {
    if (l.port !== undefined) {
      if (l.protocol && isHttpProtocol(l.protocol)) ports.add(l.port);
      continue;
    }
    for (const s of l.services) for (const p of s.ports) if (isHttpProtocol(p.protocol)) ports.add(p.port);
  }
  return [...ports].sort((a, b) => a - b).map(String);
}
