/**
 * A sidecar's listeners, assembled from its Sidecar scope as istiod does (ListenerBuilder for
 * sidecars):
 * - explicit egress listeners (a Sidecar `egress` entry with a port) first: `BIND_PORT`, bound to
 *   its port when `captureMode: NONE` (127.0.0.1 unless `bind` says otherwise), HTTP through RDS
 *   named by the port, other protocols through tcp_proxy to the listener's service on that port;
 * - then, for the catch-all egress listener (or the default scope), one listener per service
 *   port: HTTP ports share `0.0.0.0_PORT` routed by RDS `"PORT"`; TCP ports listen on the
 *   service's VIP (`VIP_PORT`) or, without one, on `0.0.0.0_PORT` (TLS/HTTPS by SNI there); UDP
 *   is not proxied. VirtualService `tcp`/`tls` routes pick the tcp_proxy destinations;
 * - inbound: one chain per workload port in `virtualInbound` (or a bound listener for a
 *   `captureMode: NONE` ingress listener);
 * - `virtualOutbound` and `virtualInbound`, unless the node says `INTERCEPTION_MODE: NONE`, in
 *   which case outbound listeners bind 127.0.0.1 themselves.
 * Pure.
 */
import type { EgressListenerScope } from '../../model/push-context/sidecar-scope.js';
import { virtualServiceInScope } from '../../model/push-context/sidecar-scope.js';
import type { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import { isHttpProtocol, type Service, type ServicePort } from '../../model/service.js';
import { tcpProxyFilter } from '../networking/listener/build-filters.js';
import {
  buildBoundInboundListener,
  buildVirtualInboundListener,
  buildVirtualOutboundListener,
} from '../networking/listener/build-sidecar-listeners.js';
import { OutboundListenerSet } from '../networking/listener/outbound-listener-set.js';
import { buildOutboundClusterName } from '../networking/naming.js';
import type { ProtoObject } from '../networking/proto-values.js';
import { captureDisabled, envoyDestinationResolver, sidecarInboundPorts } from './envoy-common.js';
import { l4MatchApplies, l4Target, targetStatPrefix, tlsMatchApplies } from './envoy-tcp-routes.js';

const WILDCARD = '0.0.0.0';
const LOCALHOST = '127.0.0.1';

function isTlsProtocol(port: ServicePort): boolean {
  return port.protocol === 'TLS' || port.protocol === 'HTTPS';
}

/** The first plain IP VIP of a service (CIDR ranges are not listener addresses). */
function serviceVip(service: Service): string | undefined {
  return service.addresses.find((a) => !a.includes('/'));
}

/** tcp_proxy target of a service port: a matching VirtualService tcp/tls route, else its cluster. */
function tcpTarget(
  push: PushContext,
  proxy: Proxy,
  l: EgressListenerScope,
  service: Service,
  port: ServicePort,
) {
  const fallback = buildOutboundClusterName(service.hostname, port.port);
  const vs = virtualServiceInScope(l, service.hostname);
  if (!vs) return fallback;
  const vsNamespace = vs.config.meta.namespace;
  const source = { namespace: proxy.namespace, labels: proxy.labels, vsNamespace, port: port.port };
  const resolve = envoyDestinationResolver(push, proxy, vsNamespace, port.port);
  if (isTlsProtocol(port)) {
    for (const r of vs.config.spec.tls ?? []) {
      if (!(r.match ?? []).some((m) => tlsMatchApplies(m, source, service.hostname))) continue;
      const target = l4Target(r.route, resolve);
      if (target) return target;
    }
  }
  for (const r of vs.config.spec.tcp ?? []) {
    const matches = r.match ?? [];
    if (matches.length > 0 && !matches.some((m) => l4MatchApplies(m, source))) continue;
    const target = l4Target(r.route, resolve);
    if (target) return target;
  }
  return fallback;
}

function addTcp(
  set: OutboundListenerSet,
  address: string,
  bindToPort: boolean,
  target: string | ReturnType<typeof tcpTarget>,
  service: Service,
  port: ServicePort,
): void {
  const sni = address === WILDCARD && isTlsProtocol(port) ? [service.hostname] : undefined;
  set.addTcp(address, port.port, bindToPort, {
    name: buildOutboundClusterName(service.hostname, port.port),
    filters: [tcpProxyFilter(targetStatPrefix(target), target)],
    ...(sni ? { serverNames: sni } : {}),
  });
}

function addExplicitEgress(
  set: OutboundListenerSet,
  push: PushContext,
  proxy: Proxy,
  l: EgressListenerScope,
): void {
  const port = l.port!;
  const bindToPort = l.captureMode === 'NONE' || captureDisabled(proxy);
  const address = l.bind ?? (bindToPort ? LOCALHOST : WILDCARD);
  if (l.protocol && isHttpProtocol(l.protocol)) {
    set.addHttp(address, port, bindToPort, String(port));
    return;
  }
  for (const service of l.services) {
    const sp = service.ports.find((p) => p.port === port && !isHttpProtocol(p.protocol));
    if (sp) addTcp(set, address, bindToPort, tcpTarget(push, proxy, l, service, sp), service, sp);
  }
}

function addCatchAll(set: OutboundListenerSet, push: PushContext, proxy: Proxy, l: EgressListenerScope) {
  const noCapture = captureDisabled(proxy);
  for (const service of l.services) {
    for (const port of service.ports) {
      if (port.protocol === 'UDP') continue;
      if (isHttpProtocol(port.protocol)) {
        set.addHttp(noCapture ? LOCALHOST : WILDCARD, port.port, noCapture, String(port.port));
        continue;
      }
      const address = noCapture ? LOCALHOST : (serviceVip(service) ?? WILDCARD);
      addTcp(set, address, noCapture, tcpTarget(push, proxy, l, service, port), service, port);
    }
  }
}

export function buildSidecarListeners(push: PushContext, proxy: Proxy): ProtoObject[] {
  const scope = push.sidecarScope(proxy);
  const set = new OutboundListenerSet();
  for (const l of scope.egress) if (l.port !== undefined) addExplicitEgress(set, push, proxy, l);
  for (const l of scope.egress) if (l.port === undefined) addCatchAll(set, push, proxy, l);
  const out = set.listeners();
  const inbound = sidecarInboundPorts(push, proxy);
  const taken = new Set(out.map((l) => l['name'] as string));
  for (const p of inbound) {
    if (p.bind === undefined) continue;
    const listener = buildBoundInboundListener(p.bind, p);
    if (!taken.has(listener['name'] as string)) out.push(listener);
  }
  if (!captureDisabled(proxy)) {
    const mesh = push.meshConfig;
    out.push(buildVirtualOutboundListener(mesh.proxyListenPort, scope.outboundTrafficMode));
    out.push(
      buildVirtualInboundListener(
        mesh.proxyInboundListenPort,
        inbound.filter((p) => p.bind === undefined),
      ),
    );
  }
  return out.sort((a, b) => ((a['name'] as string) < (b['name'] as string) ? -1 : 1));
}
