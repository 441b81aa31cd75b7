/**
 * Lookups shared by the Envoy-style generators (sidecars and gateways): which services a proxy
 * gets clusters for, what a cluster name refers to, destination resolution for routes, the
 * workload's inbound ports, and the scope keys that let proxies with the same inputs share
 * encoded resources. Pure.
 */
import type { Destination, Subset, TrafficPolicy } from '../../model/istio/index.js';
import type { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import { stableStringify } from '../../model/push-context/stable-json.js';
import { protocolFromName, type Protocol, type Service, type ServicePort } from '../../model/service.js';
import { mergeTrafficPolicy } from '../networking/cluster/traffic-policy.js';
import { buildOutboundClusterName, parseClusterName } from '../networking/naming.js';
import type { DestinationResolver } from '../networking/route/build-route-action.js';

/** Gateway proxies (`router~...`) get gateway listeners instead of the sidecar model. */
export function isRouter(proxy: Proxy): boolean {
  return proxy.type === 'router';
}

/**
 * Istio's `INTERCEPTION_MODE: NONE` node metadata: no iptables, so no virtual listeners, and
 * outbound listeners bind 127.0.0.1 themselves.
 */
export function captureDisabled(proxy: Proxy): boolean {
  return proxy.metadata['INTERCEPTION_MODE'] === 'NONE';
}

/**
 * Whether the proxy reports an Istio version before 1.11 (node metadata `ISTIO_VERSION`, as
 * istiod gates features on it): such proxies (MOSN's Istio 1.10 adapter) read header matchers
 * only from the pre-Envoy-1.19 fields.
 */
export function legacyMatchers(proxy: Proxy): boolean {
  const version = proxy.metadata['ISTIO_VERSION'];
  if (typeof version !== 'string') return false;
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major < 1 || (major === 1 && minor < 11);
}

/**
 * What an Envoy-style proxy's output depends on besides the PushContext. `parts` adds the IPs
 * (inbound), the locality (EDS priorities).
 */
/**
 * A sidecar's own workload as its inbound listeners and clusters see it: the inbound ports,
 * protocols and targets. Sidecars of one Deployment (different IPs, same ports) share it, so
 * they share their CDS and LDS (issue 3: keyed by IP, 2,000 sidecars were 2,000 generations).
 */
/**
 * An endpoint-only push concerns a sidecar's inbound listeners and clusters when its own address
 * is among the endpoints that changed (its workload joined, left or changed a service).
 */
export function touchesOwnWorkload(request: PushRequest, proxy: Proxy): boolean {
  if (request.full || isRouter(proxy) || !request.addressesUpdated) return false;
  return request.addressesUpdated.some((a) => proxy.ipAddresses.includes(a));
}

export function sidecarInboundKey(push: PushContext | undefined, proxy: Proxy): string {
  if (isRouter(proxy)) return '';
  if (!push) return `ip:${proxy.ipAddresses.join(',')}`;
  return stableStringify(sidecarInboundPorts(push, proxy));
}

export function envoyScopeKey(proxy: Proxy, parts: { ip?: boolean; locality?: boolean } = {}): string {
  const key = [
    proxy.type,
    proxy.namespace,
    proxy.dnsDomain,
    stableStringify(proxy.labels),
    captureDisabled(proxy) ? 'nocapture' : '',
    legacyMatchers(proxy) ? 'legacy' : '',
  ];
  if (parts.ip) key.push(proxy.ipAddresses.join(','));
  if (parts.locality) key.push(`${proxy.locality.region}/${proxy.locality.zone}/${proxy.locality.subzone}`);
  return key.join('|');
}

/** Services the proxy gets clusters for: its Sidecar scope, or everything visible (gateways). */
export function clusterServices(push: PushContext, proxy: Proxy): readonly Service[] {
  return isRouter(proxy) ? push.servicesVisibleTo(proxy.namespace) : push.sidecarScope(proxy).services;
}

export interface EnvoyClusterRef {
  readonly name: string;
  readonly service: Service;
  readonly port: ServicePort;
  readonly subset: string;
  readonly subsetDef?: Subset;
  readonly policy: TrafficPolicy | undefined;
}

function clusterRefs(push: PushContext, proxy: Proxy, service: Service): EnvoyClusterRef[] {
  const rule = push.destinationRule(service.hostname, proxy.namespace)?.spec;
  const out: EnvoyClusterRef[] = [];
  for (const port of service.ports) {
    if (port.protocol === 'UDP') continue;
    out.push({
      name: buildOutboundClusterName(service.hostname, port.port),
      service,
      port,
      subset: '',
      policy: mergeTrafficPolicy(rule?.trafficPolicy, undefined, port.port),
    });
    for (const subset of rule?.subsets ?? []) {
      if (!subset.name) continue;
      out.push({
        name: buildOutboundClusterName(service.hostname, port.port, subset.name),
        service,
        port,
        subset: subset.name,
        subsetDef: subset,
        policy: mergeTrafficPolicy(rule?.trafficPolicy, subset.trafficPolicy, port.port),
      });
    }
  }
  return out;
}

/** Every outbound cluster of the proxy, sorted by name. */
export function allEnvoyClusterRefs(push: PushContext, proxy: Proxy): EnvoyClusterRef[] {
  const byName = new Map<string, EnvoyClusterRef>();
  for (const service of clusterServices(push, proxy)) {
    for (const ref of clusterRefs(push, proxy, service)) if (!byName.has(ref.name)) byName.set(ref.name, ref);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const hostIndexes = new WeakMap<readonly Service[], Map<string, Service>>();

/** hostname → service over a (memoized, immutable) service list. */
function hostIndex(services: readonly Service[]): Map<string, Service> {
  let index = hostIndexes.get(services);
  if (!index) {
    index = new Map(services.map((s) => [s.hostname, s]));
    hostIndexes.set(services, index);
  }
  return index;
}

/** What an outbound cluster name refers to for this proxy (only clusters it has). */
export function resolveEnvoyCluster(
  push: PushContext,
  proxy: Proxy,
  name: string,
): EnvoyClusterRef | undefined {
  const parts = parseClusterName(name);
  if (!parts || parts.direction !== 'outbound') return undefined;
  const service = hostIndex(clusterServices(push, proxy)).get(parts.hostname);
  if (!service) return undefined;
  return clusterRefs(push, proxy, service).find((r) => r.name === name);
}

/**
 * Route destinations → cluster names, as Istio's GetDestinationCluster: hosts resolve relative
 * to the VirtualService's namespace; no port means the service's only port, else the port being
 * routed. The consistent hash comes from the destination's DestinationRule for the proxy.
 */
export function envoyDestinationResolver(
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
    const rule = push.destinationRule(hostname, proxy.namespace)?.spec;
    const subsetPolicy = subset ? rule?.subsets?.find((s) => s.name === subset)?.trafficPolicy : undefined;
    const hash = rule
      ? mergeTrafficPolicy(rule.trafficPolicy, subsetPolicy, port)?.loadBalancer?.consistentHash
      : undefined;
    return {
      cluster: buildOutboundClusterName(hostname, port, subset),
      ...(hash ? { consistentHash: hash } : {}),
    };
  };
}

export interface SidecarInboundPort {
  readonly port: number;
  readonly protocol: Protocol;
  /** Where the application listens. */
  readonly target: string;
  /** Bound listener address when the port is not captured (`captureMode: NONE`). */
  readonly bind?: string;
}

/**
 * The proxy's inbound ports: the Sidecar's `ingress` listeners when it has any, else the ports
 * of the proxy's own endpoints (found by IP), each once (the first service port wins), sorted.
 */
export function sidecarInboundPorts(push: PushContext, proxy: Proxy): SidecarInboundPort[] {
  const scope = push.sidecarScope(proxy);
  const noCapture = captureDisabled(proxy);
  if (scope.ingress.length > 0) {
    const out: SidecarInboundPort[] = [];
    for (const l of scope.ingress) {
      const port = l.port?.number;
      if (!port || out.some((p) => p.port === port)) continue;
      const bound = l.captureMode === 'NONE' || noCapture;
      out.push({
        port,
        protocol: protocolFromName(l.port?.protocol ?? l.port?.name),
        target: l.defaultEndpoint || `127.0.0.1:${port}`,
        ...(bound ? { bind: l.bind || '0.0.0.0' } : {}),
      });
    }
    return out.sort((a, b) => a.port - b.port);
  }
  if (noCapture) return [];
  const byPort = new Map<number, SidecarInboundPort>();
  for (const t of push.serviceTargets(proxy)) {
    const port = t.endpoint.port;
    if (t.port.protocol === 'UDP' || byPort.has(port)) continue;
    byPort.set(port, { port, protocol: t.port.protocol, target: `127.0.0.1:${port}` });
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}
