/**
 * A gateway proxy's RouteConfigurations (Istio's buildGatewayHTTPRouteConfig): `http.PORT` merges
 * every plain HTTP server on the port, `https.PORT.NAME.GATEWAY.NS` is one HTTPS server's. For each
 * server, the VirtualServices bound to its Gateway (`gateways:`), in a namespace its hosts allow
 * (`ns/host`), contribute a virtual host per VirtualService host that intersects a server host
 * (the more specific of the two names it), routed by the VirtualService's `http` routes for this
 * gateway and port; the oldest VirtualService keeps a host claimed twice. Domains are `HOST` and
 * `HOST:PORT` (`*` alone for a wildcard server). An `httpsRedirect` server's virtual hosts
 * redirect every request to HTTPS (`require_tls: ALL`), with or without VirtualServices. No
 * virtual host at all gives Istio's `blackhole:PORT` (404). Pure.
 */
import type { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import { hostMatches } from '../../model/push-context/hosts.js';
import { hostsIntersect } from '../../model/push-context/sidecar-scope.js';
import { buildVirtualHostName } from '../networking/naming.js';
import type { ProtoObject } from '../networking/proto-values.js';
import {
  buildEnvoyVirtualHost,
  buildEnvoyVirtualServiceRoutes,
  buildGatewayBlackholeVirtualHost,
  dedupeDomains,
  type EnvoyVirtualHostInput,
} from '../networking/route/build-envoy-virtual-host.js';
import { envoyDestinationResolver, legacyMatchers } from './envoy-common.js';
import { gatewayServers, type GatewayServer } from './gateway-servers.js';

function domainsFor(host: string, port: number): string[] {
  return host === '*' ? ['*'] : [host, `${host}:${port}`];
}

/** The virtual host name for the intersection of a VirtualService host and a server host. */
function effectiveHost(vsHost: string, serverHost: string): string {
  return hostMatches(vsHost, serverHost) ? vsHost : serverHost;
}

function serverVirtualHosts(
  push: PushContext,
  proxy: Proxy,
  s: GatewayServer,
  claimed: Map<string, ProtoObject>,
): void {
  const redirect = s.server.tls?.httpsRedirect === true;
  for (const vs of push.virtualServicesForGateway(s.gatewayName, proxy.namespace)) {
    const ns = vs.config.meta.namespace;
    for (const vsHost of vs.hosts) {
      for (const sh of s.hosts) {
        if (sh.namespace !== '*' && sh.namespace !== ns) continue;
        if (!hostsIntersect(vsHost, sh.host)) continue;
        const host = effectiveHost(vsHost, sh.host);
        if (claimed.has(host)) continue;
        const input: EnvoyVirtualHostInput = {
          name: buildVirtualHostName(host, s.port),
          domains: domainsFor(host, s.port),
          port: s.port,
          virtualService: { spec: vs.config.spec, namespace: ns },
          source: { namespace: proxy.namespace, labels: proxy.labels, gateway: s.gatewayName },
          legacyMatchers: legacyMatchers(proxy),
          resolve: envoyDestinationResolver(push, proxy, ns, s.port),
          ...(redirect ? { requireTls: true } : {}),
        };
        if (!redirect && buildEnvoyVirtualServiceRoutes(input).length === 0) continue;
        claimed.set(host, buildEnvoyVirtualHost(input));
      }
    }
  }
  if (!redirect) return;
  for (const sh of s.hosts) {
    if (claimed.has(sh.host)) continue;
    claimed.set(sh.host, {
      name: buildVirtualHostName(sh.host, s.port),
      domains: domainsFor(sh.host, s.port),
      routes: [],
      require_tls: 'ALL',
    });
  }
}

export function buildGatewayRouteConfig(
  name: string,
  push: PushContext,
  proxy: Proxy,
): ProtoObject | undefined {
  const servers = gatewayServers(push, proxy).filter((s) => s.routeName === name);
  if (servers.length === 0) return undefined;
  const claimed = new Map<string, ProtoObject>();
  for (const s of servers) serverVirtualHosts(push, proxy, s, claimed);
  const taken = new Set<string>();
  const virtualHosts: ProtoObject[] = [];
  for (const host of [...claimed.keys()].sort()) {
    const vh = claimed.get(host)!;
    const domains = dedupeDomains(vh['domains'] as string[], taken);
    if (domains.length > 0) virtualHosts.push({ ...vh, domains });
  }
  if (virtualHosts.length === 0) virtualHosts.push(buildGatewayBlackholeVirtualHost(servers[0]!.port));
  return { name, virtual_hosts: virtualHosts, validate_clusters: { value: false } };
}
