/**
 * Sidecar scoping (Istio's SidecarScope): which services, VirtualServices and listeners one
 * sidecar proxy receives, from the Sidecar resource that applies to it. Istio's selection order:
 * a Sidecar in the proxy's namespace whose `workloadSelector` matches the proxy's labels (oldest
 * first), else the proxy namespace's Sidecar without a selector, else the root namespace's one,
 * else the default scope (every host of every namespace, as the egress host `*` + `/` + `*`:
 * everything exported to the proxy's namespace).
 *
 * Egress hosts are `namespace/dnsName`: `*` is any namespace, `.` the Sidecar's namespace (the
 * proxy's, for a root-namespace Sidecar, which Istio applies per namespace), `~` none; the DNS
 * part may be `*` or `*.suffix`. A service is imported when its defining namespace and hostname
 * match; a VirtualService when its namespace and one of its hosts match. Services named as
 * destinations by imported VirtualServices are imported as clusters too (Istio "infers more
 * destinations from virtual services"), so routes never point at a cluster the proxy lacks.
 * See https://istio.io/latest/docs/reference/config/networking/sidecar/. Pure.
 */
import { keyOf, type Config } from '../config.js';
import type {
  IstioEgressListener,
  IstioIngressListener,
  SidecarSpec,
  VirtualServiceSpec,
} from '../istio/index.js';
import type { OutboundTrafficMode } from '../mesh-config.js';
import { protocolFromName, type Protocol, type Service } from '../service.js';
import { hostMatches, matchSpecificity } from './hosts.js';
import type { MeshVirtualService } from './virtual-service-index.js';

export type CaptureMode = 'DEFAULT' | 'IPTABLES' | 'NONE';

export interface EgressHost {
  /** A namespace, `*` (any) or `~` (none); `.` is resolved. */
  readonly namespace: string;
  /** `*`, `*.suffix` or an exact DNS name. */
  readonly host: string;
}

export interface EgressListenerScope {
  /** The listener's port; absent for the catch-all (and the default scope). */
  readonly port?: number;
  readonly protocol?: Protocol;
  readonly bind?: string;
  readonly captureMode: CaptureMode;
  readonly hosts: readonly EgressHost[];
  /** Imported services, one per hostname, sorted by hostname. */
  readonly services: readonly Service[];
  /** Imported mesh VirtualServices, oldest first. */
  readonly virtualServices: readonly MeshVirtualService[];
}

export interface SidecarScope {
  /** `Sidecar/ns/name`, or `default` when no Sidecar applies. */
  readonly id: string;
  readonly config?: Config<SidecarSpec>;
  /** The namespace `.` refers to (the proxy's). */
  readonly namespace: string;
  /** Egress listeners in the Sidecar's order (the catch-all last, as validation requires). */
  readonly egress: readonly EgressListenerScope[];
  readonly ingress: readonly IstioIngressListener[];
  /** Every service the proxy gets clusters for, one per hostname, sorted by hostname. */
  readonly services: readonly Service[];
  readonly outboundTrafficMode: OutboundTrafficMode;
}

export interface SidecarScopeInput {
  readonly proxyNamespace: string;
  readonly sidecar: Config<SidecarSpec> | undefined;
  readonly meshMode: OutboundTrafficMode;
  /** Every service, sorted by hostname (ServiceIndex.all order). */
  readonly allServices: readonly Service[];
  /** Services visible to the proxy namespace, one per hostname (ServiceIndex.visibleTo). */
  readonly visibleServices: readonly Service[];
  readonly isVisible: (service: Service) => boolean;
  /** Mesh VirtualServices visible to the proxy namespace, oldest first. */
  readonly virtualServices: readonly MeshVirtualService[];
  /** The service a destination host (resolved) reaches from the proxy namespace. */
  readonly serviceForHostname: (hostname: string) => Service | undefined;
  readonly resolveHost: (host: string, namespace: string) => string;
}

function matchesLabels(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>) {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The Sidecar that applies to a proxy (see the module comment); `sidecars` oldest first. */
export function selectSidecar(
  sidecars: readonly Config<SidecarSpec>[],
  proxyNamespace: string,
  labels: Readonly<Record<string, string>>,
  rootNamespace: string,
): Config<SidecarSpec> | undefined {
  const hasSelector = (c: Config<SidecarSpec>) =>
    Object.keys(c.spec.workloadSelector?.labels ?? {}).length > 0;
  const inNs = sidecars.filter((c) => c.meta.namespace === proxyNamespace);
  return (
    inNs.find((c) => hasSelector(c) && matchesLabels(c.spec.workloadSelector!.labels!, labels)) ??
    inNs.find((c) => !hasSelector(c)) ??
    sidecars.find((c) => c.meta.namespace === rootNamespace && !hasSelector(c))
  );
}

/** Parses `ns/host` (validation guarantees the slash); `.` becomes `configNamespace`. */
export function parseEgressHost(text: string, configNamespace: string): EgressHost {
  const slash = text.indexOf('/');
  const ns = slash < 0 ? '*' : text.slice(0, slash);
  const host = slash < 0 ? text : text.slice(slash + 1);
  return { namespace: ns === '.' ? configNamespace : ns, host };
}

function namespaceMatches(pattern: string, namespace: string): boolean {
  return pattern === '*' || pattern === namespace;
}

/** Whether two host patterns can name the same host. */
export function hostsIntersect(a: string, b: string): boolean {
  return hostMatches(a, b) || hostMatches(b, a);
}

function importsHost(hosts: readonly EgressHost[], namespace: string, hostname: string): boolean {
  return hosts.some((h) => namespaceMatches(h.namespace, namespace) && hostsIntersect(hostname, h.host));
}

function selectServices(hosts: readonly EgressHost[], input: SidecarScopeInput): Service[] {
  const byHost = new Map<string, Service>();
  for (const svc of input.allServices) {
    if (!input.isVisible(svc) || !importsHost(hosts, svc.namespace, svc.hostname)) continue;
    const current = byHost.get(svc.hostname);
    if (!current || (svc.namespace === input.proxyNamespace && current.namespace !== input.proxyNamespace)) {
      byHost.set(svc.hostname, svc);
    }
  }
  return [...byHost.values()];
}

function selectVirtualServices(hosts: readonly EgressHost[], input: SidecarScopeInput): MeshVirtualService[] {
  return input.virtualServices.filter((vs) =>
    vs.hosts.some((h) => importsHost(hosts, vs.config.meta.namespace, h)),
  );
}

function destinationHosts(spec: VirtualServiceSpec): string[] {
  const out: string[] = [];
  for (const r of spec.http ?? []) {
    for (const d of r.route ?? []) if (d.destination?.host) out.push(d.destination.host);
    if (r.mirror?.host) out.push(r.mirror.host);
    for (const m of r.mirrors ?? []) if (m.destination?.host) out.push(m.destination.host);
  }
  for (const r of [...(spec.tcp ?? []), ...(spec.tls ?? [])]) {
    for (const d of r.route ?? []) if (d.destination?.host) out.push(d.destination.host);
  }
  return out;
}

function buildListener(
  listener: IstioEgressListener | undefined,
  input: SidecarScopeInput,
  configNamespace: string,
): EgressListenerScope {
  const hosts = (listener?.hosts ?? ['*/*']).map((h) => parseEgressHost(h, configNamespace));
  const isDefault = hosts.length === 1 && hosts[0]!.namespace === '*' && hosts[0]!.host === '*';
  const port = listener?.port?.number;
  return {
    ...(port ? { port, protocol: protocolFromName(listener?.port?.protocol ?? listener?.port?.name) } : {}),
    ...(listener?.bind ? { bind: listener.bind } : {}),
    captureMode: listener?.captureMode ?? 'DEFAULT',
    hosts,
    services: isDefault ? [...input.visibleServices] : selectServices(hosts, input),
    virtualServices: isDefault ? [...input.virtualServices] : selectVirtualServices(hosts, input),
  };
}

/** Builds the scope of `input.sidecar` (or the default scope) for one proxy namespace. */
export function buildSidecarScope(input: SidecarScopeInput): SidecarScope {
  const spec = input.sidecar?.spec;
  const egressSpecs = spec?.egress && spec.egress.length > 0 ? spec.egress : [undefined];
  const egress = egressSpecs.map((l) => buildListener(l, input, input.proxyNamespace));
  const services = new Map<string, Service>();
  for (const l of egress)
    for (const s of l.services) if (!services.has(s.hostname)) services.set(s.hostname, s);
  for (const l of egress) {
    for (const vs of l.virtualServices) {
      for (const host of destinationHosts(vs.config.spec)) {
        const svc = input.serviceForHostname(input.resolveHost(host, vs.config.meta.namespace));
        if (svc && !services.has(svc.hostname)) services.set(svc.hostname, svc);
      }
    }
  }
  return {
    id: input.sidecar ? keyOf(input.sidecar) : 'default',
    ...(input.sidecar ? { config: input.sidecar } : {}),
    namespace: input.proxyNamespace,
    egress,
    ingress: spec?.ingress ?? [],
    services: [...services.values()].sort((a, b) => (a.hostname < b.hostname ? -1 : 1)),
    outboundTrafficMode: spec?.outboundTrafficPolicy?.mode ?? input.meshMode,
  };
}

/**
 * The VirtualService of `listener` routing `hostname`: exact beats wildcard, a longer wildcard a
 * shorter one, the oldest wins ties (as the mesh index does, restricted to the listener).
 */
export function virtualServiceInScope(
  listener: EgressListenerScope,
  hostname: string,
): MeshVirtualService | undefined {
  let best: MeshVirtualService | undefined;
  let bestScore = -1;
  for (const vs of listener.virtualServices) {
    for (const pattern of vs.hosts) {
      const score = matchSpecificity(hostname, pattern);
      if (score > bestScore) {
        best = vs;
        bestScore = score;
      }
    }
  }
  return best;
}

/** The egress listener serving route config `port` (Istio GetEgressListenerForRDS). */
export function egressListenerForPort(scope: SidecarScope, port: number): EgressListenerScope | undefined {
  return scope.egress.find((l) => l.port === undefined || l.port === port);
}
