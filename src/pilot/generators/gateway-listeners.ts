/**
 * A gateway proxy's listeners (Istio's buildGatewayListeners): one listener `BIND_PORT` per server
 * port, bound to it, whose first server decides the family:
 * - HTTP: one chain, the HttpConnectionManager reading RDS `http.PORT`;
 * - TLS family (HTTPS, TLS): one chain per HTTPS server, selected by SNI (its hosts), terminating
 *   TLS (build-downstream-tls.ts) into an HCM reading its own `https.…` route config; TLS
 *   PASSTHROUGH servers get one chain per VirtualService `tls` route bound to the gateway,
 *   selected by the route's `sniHosts`, proxying the TCP stream unopened; terminated TLS servers
 *   carry TCP to the first applicable `tcp` route;
 * - TCP: one chain, tcp_proxy to the first applicable VirtualService `tcp` route.
 * Servers of another family on a taken port are ignored (Istio reports that conflict), chains
 * with an identical match are kept once (Envoy rejects duplicates), and a listener left with no
 * chain is not sent. The `tls_inspector` listener filter reads SNI where chains match on it.
 * Pure.
 */
import type { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import { stableStringify } from '../../model/push-context/stable-json.js';
import { hostsIntersect } from '../../model/push-context/sidecar-scope.js';
import { buildDownstreamTransportSocket } from '../networking/listener/build-downstream-tls.js';
import {
  hcmFilter,
  listenerName,
  socketAddress,
  tcpProxyFilter,
} from '../networking/listener/build-filters.js';
import { tlsInspectorListenerFilter } from '../networking/listener/outbound-listener-set.js';
import type { ProtoObject } from '../networking/proto-values.js';
import { envoyDestinationResolver } from './envoy-common.js';
import { l4MatchApplies, l4Target, targetStatPrefix, tlsMatchApplies } from './envoy-tcp-routes.js';
import { gatewayServers, serverSniNames, type GatewayServer, type ServerKind } from './gateway-servers.js';

type Family = 'http' | 'tls' | 'tcp';

function familyOf(kind: ServerKind): Family {
  return kind === 'http' ? 'http' : kind === 'tcp' ? 'tcp' : 'tls';
}

function vsAllowed(server: GatewayServer, vsNamespace: string, vsHosts: readonly string[]): boolean {
  return server.hosts.some(
    (h) =>
      (h.namespace === '*' || h.namespace === vsNamespace) && vsHosts.some((v) => hostsIntersect(v, h.host)),
  );
}

function passthroughChains(push: PushContext, proxy: Proxy, s: GatewayServer): ProtoObject[] {
  const out: ProtoObject[] = [];
  for (const vs of push.virtualServicesForGateway(s.gatewayName, proxy.namespace)) {
    const ns = vs.config.meta.namespace;
    if (!vsAllowed(s, ns, vs.hosts)) continue;
    const source = {
      namespace: proxy.namespace,
      labels: proxy.labels,
      gateway: s.gatewayName,
      vsNamespace: ns,
      port: s.port,
    };
    const resolve = envoyDestinationResolver(push, proxy, ns, s.port);
    for (const route of vs.config.spec.tls ?? []) {
      for (const m of route.match ?? []) {
        if (!tlsMatchApplies(m, source)) continue;
        const target = l4Target(route.route, resolve);
        const sni = [...new Set(m.sniHosts ?? [])].sort();
        if (!target || sni.length === 0) continue;
        out.push({
          filter_chain_match: { server_names: sni },
          filters: [tcpProxyFilter(targetStatPrefix(target), target)],
        });
      }
    }
  }
  return out;
}

function tcpTarget(push: PushContext, proxy: Proxy, s: GatewayServer) {
  for (const vs of push.virtualServicesForGateway(s.gatewayName, proxy.namespace)) {
    const ns = vs.config.meta.namespace;
    if (s.kind !== 'tcp' && !vsAllowed(s, ns, vs.hosts)) continue;
    const source = {
      namespace: proxy.namespace,
      labels: proxy.labels,
      gateway: s.gatewayName,
      vsNamespace: ns,
      port: s.port,
    };
    const resolve = envoyDestinationResolver(push, proxy, ns, s.port);
    for (const route of vs.config.spec.tcp ?? []) {
      const matches = route.match ?? [];
      if (matches.length > 0 && !matches.some((m) => l4MatchApplies(m, source))) continue;
      const target = l4Target(route.route, resolve);
      if (target) return target;
    }
  }
  return undefined;
}

function serverChains(push: PushContext, proxy: Proxy, s: GatewayServer): ProtoObject[] {
  const statPrefix = `outbound_${listenerName(s.bind, s.port)}`;
  if (s.kind === 'http') {
    return [{ filters: [hcmFilter({ statPrefix, direction: 'gateway', rds: s.routeName! })] }];
  }
  if (s.kind === 'tls-passthrough') return passthroughChains(push, proxy, s);
  const target = s.kind === 'https' ? undefined : tcpTarget(push, proxy, s);
  if (s.kind !== 'https' && !target) return [];
  const filters =
    s.kind === 'https'
      ? [hcmFilter({ statPrefix, direction: 'gateway', rds: s.routeName! })]
      : [tcpProxyFilter(targetStatPrefix(target!), target!)];
  const chain: ProtoObject = {};
  if (s.kind !== 'tcp') {
    const sni = serverSniNames(s);
    if (sni.length > 0) chain['filter_chain_match'] = { server_names: sni };
    const socket = buildDownstreamTransportSocket(s.server.tls, s.kind === 'https');
    if (socket) chain['transport_socket'] = socket;
  }
  chain['filters'] = filters;
  return [chain];
}

export function buildGatewayListeners(push: PushContext, proxy: Proxy): ProtoObject[] {
  const byListener = new Map<
    string,
    { s: GatewayServer; family: Family; chains: ProtoObject[]; keys: Set<string> }
  >();
  for (const s of gatewayServers(push, proxy)) {
    const name = listenerName(s.bind, s.port);
    const family = familyOf(s.kind);
    let entry = byListener.get(name);
    if (!entry) {
      entry = { s, family, chains: [], keys: new Set() };
      byListener.set(name, entry);
    }
    if (entry.family !== family) continue;
    if (family === 'http' && entry.chains.length > 0) continue;
    for (const chain of serverChains(push, proxy, s)) {
      const key = stableStringify(chain['filter_chain_match'] ?? {});
      if (entry.keys.has(key)) continue;
      entry.keys.add(key);
      entry.chains.push(chain);
    }
  }
  const out: ProtoObject[] = [];
  for (const name of [...byListener.keys()].sort()) {
    const { s, family, chains } = byListener.get(name)!;
    if (chains.length === 0) continue;
    const listener: ProtoObject = {
      name,
      address: socketAddress(s.bind, s.port),
      traffic_direction: 'OUTBOUND',
    };
    if (family === 'tls') listener['listener_filters'] = [tlsInspectorListenerFilter()];
    listener['filter_chains'] = chains;
    out.push(listener);
  }
  return out;
}

/** The RDS names a gateway proxy's listeners reference. */
export function gatewayRouteNames(push: PushContext, proxy: Proxy): string[] {
  const names = new Set<string>();
  for (const s of gatewayServers(push, proxy)) if (s.routeName) names.add(s.routeName);
  return [...names].sort();
}
