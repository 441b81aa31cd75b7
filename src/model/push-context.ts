/**
 * PushContext: the immutable snapshot every generator reads during one push (Istio's
 * model.PushContext). It is built by a pure function from the config store, the services and the
 * endpoint index, and indexes what generation asks for over and over: services by hostname,
 * mesh VirtualServices by host, DestinationRules by host with Istio's namespace precedence, all
 * filtered by `exportTo` for the asking proxy's namespace.
 *
 * Endpoints are not part of the snapshot: the EndpointIndex is held by reference so the EDS fast
 * path updates it without a rebuild (design §5); `version` therefore hashes configs and services
 * only, and EDS output is keyed by the endpoint index's per-hostname versions as well.
 */
import { contentHash } from '../util/hash.js';
import { ISTIO_KINDS, DEFAULT_DOMAIN_SUFFIX, type Config } from './config.js';
import type { ConfigStoreView } from './config-store.js';
import type { EndpointIndex } from './endpoint-index.js';
import type {
  DestinationRuleSpec,
  GatewaySpec,
  SidecarSpec,
  Subset,
  VirtualServiceSpec,
} from './istio/index.js';
import { withMeshDefaults, type MeshConfig } from './mesh-config.js';
import type { Proxy } from './proxy.js';
import type { Endpoint, Service, ServicePort } from './service.js';
import { analyze, type AnalysisWarning } from './push-context/analysis.js';
import { reuse, type IndexSlot } from './push-context/index-reuse.js';
import { sortByAge } from './push-context/config-order.js';
import { DestinationRuleIndex, type ResolvedDestinationRule } from './push-context/destination-rule-index.js';
import { GatewayIndex, type GatewayVirtualService } from './push-context/gateway-index.js';
import { resolveShortName } from './push-context/hosts.js';
import { ServiceIndex } from './push-context/service-index.js';
import { buildSidecarScope, selectSidecar, type SidecarScope } from './push-context/sidecar-scope.js';
import { stableStringify } from './push-context/stable-json.js';
import { VirtualServiceIndex, type MeshVirtualService } from './push-context/virtual-service-index.js';

export type { AnalysisWarning } from './push-context/analysis.js';
export { formatWarning } from './push-context/analysis.js';
export type { ResolvedDestinationRule } from './push-context/destination-rule-index.js';
export type { MeshVirtualService } from './push-context/virtual-service-index.js';
export type { GatewayVirtualService } from './push-context/gateway-index.js';
export type { EgressListenerScope, SidecarScope } from './push-context/sidecar-scope.js';

/** One of a proxy's own workload's service ports (Istio ServiceTarget), found by its IP. */
export interface ServiceTarget {
  readonly service: Service;
  readonly port: ServicePort;
  readonly endpoint: Endpoint;
}

/** Istio's default root namespace: mesh-wide DestinationRules live there. */
export const DEFAULT_ROOT_NAMESPACE = 'istio-system';

export interface PushContextInput {
  readonly configs: ConfigStoreView;
  readonly services: readonly Service[];
  readonly endpoints: EndpointIndex;
  /** Overrides the computed content hash (tests, debugging). */
  readonly version?: string;
  readonly domainSuffix?: string;
  readonly rootNamespace?: string;
  /** Mesh-wide settings; Istio's defaults when absent. */
  readonly meshConfig?: Partial<MeshConfig>;
}

interface Indexes {
  readonly services: ServiceIndex;
  readonly virtualServices: VirtualServiceIndex;
  readonly destinationRules: DestinationRuleIndex;
  readonly gateways: GatewayIndex;
}

export class PushContext {
  /** @internal use buildPushContext. */
  constructor(
    /** Content hash of configs and services (not endpoints): equal inputs, equal version. */
    readonly version: string,
    readonly domainSuffix: string,
    readonly rootNamespace: string,
    /** Live endpoint index (shared by reference across PushContexts). */
    readonly endpoints: EndpointIndex,
    /** Computes the analysis warnings (once, on first read: they are not on the push path). */
    private readonly analyzeWarnings: () => readonly AnalysisWarning[],
    /** Every VirtualService, oldest first (gateway-bound ones included, for later). */
    readonly virtualServices: readonly Config<VirtualServiceSpec>[],
    /** Every DestinationRule, oldest first. */
    readonly destinationRules: readonly Config<DestinationRuleSpec>[],
    /** Gateways, oldest first. */
    readonly gateways: readonly Config<GatewaySpec>[],
    /** Sidecars, oldest first (see sidecarScope). */
    readonly sidecars: readonly Config<SidecarSpec>[],
    private readonly index: Indexes,
    readonly meshConfig: MeshConfig = withMeshDefaults(undefined),
  ) {}

  private analyzed: readonly AnalysisWarning[] | undefined;

  /** Analysis warnings (`istioctl analyze` style), sorted. */
  get warnings(): readonly AnalysisWarning[] {
    return (this.analyzed ??= this.analyzeWarnings());
  }

  private readonly scopeMemo = new Map<string, SidecarScope>();
  private targetIndex:
    | { readonly revision: number; readonly byAddress: ReadonlyMap<string, readonly ServiceTarget[]> }
    | undefined;

  /**
   * The Sidecar scope of a sidecar proxy (services, VirtualServices and listeners it receives),
   * memoized per (namespace, applied Sidecar): proxies sharing both share the scope.
   */
  sidecarScope(proxy: Pick<Proxy, 'namespace' | 'labels'>): SidecarScope {
    const sidecar = selectSidecar(this.sidecars, proxy.namespace, proxy.labels, this.rootNamespace);
    const key = `${proxy.namespace}|${sidecar ? `${sidecar.meta.namespace}/${sidecar.meta.name}` : ''}`;
    const cached = this.scopeMemo.get(key);
    if (cached) return cached;
    const scope = buildSidecarScope({
      proxyNamespace: proxy.namespace,
      sidecar,
      meshMode: this.meshConfig.outboundTrafficPolicy.mode,
      allServices: this.index.services.all(),
      visibleServices: this.servicesVisibleTo(proxy.namespace),
      isVisible: (s) => ServiceIndex.isVisible(s, proxy.namespace),
      virtualServices: this.virtualServicesVisibleTo(proxy.namespace),
      serviceForHostname: (h) => this.serviceForHostname(h, proxy.namespace),
      resolveHost: (h, ns) => this.resolveHost(h, ns),
    });
    this.scopeMemo.set(key, scope);
    return scope;
  }

  /**
   * The service ports whose endpoints carry one of the proxy's IPs: its own workload, which
   * inbound listeners and clusters serve. Read from the live endpoint index (memoized per
   * endpoint revision).
   */
  serviceTargets(proxy: Pick<Proxy, 'ipAddresses'>): readonly ServiceTarget[] {
    if (proxy.ipAddresses.length === 0) return [];
    const byAddress = this.targetsByAddress();
    if (proxy.ipAddresses.length === 1) return byAddress.get(proxy.ipAddresses[0]!) ?? [];
    return proxy.ipAddresses.flatMap((ip) => byAddress.get(ip) ?? []);
  }

  /**
   * Every endpoint's service port by address, built once per endpoint revision: thousands of
   * sidecars each look up their own workload on every push, which a scan of every endpoint per
   * proxy made quadratic.
   */
  private targetsByAddress(): ReadonlyMap<string, readonly ServiceTarget[]> {
    const revision = this.endpoints.revision;
    if (this.targetIndex?.revision === revision) return this.targetIndex.byAddress;
    const byAddress = new Map<string, ServiceTarget[]>();
    for (const service of this.index.services.all()) {
      for (const endpoint of this.endpoints.endpoints(service)) {
        const port = service.ports.find((p) => p.name === endpoint.servicePortName);
        if (!port) continue;
        const list = byAddress.get(endpoint.address);
        if (list) list.push({ service, port, endpoint });
        else byAddress.set(endpoint.address, [{ service, port, endpoint }]);
      }
    }
    this.targetIndex = { revision, byAddress };
    return byAddress;
  }

  /** Gateways that select a gateway proxy with these labels, oldest first. */
  gatewaysFor(labels: Readonly<Record<string, string>>): readonly Config<GatewaySpec>[] {
    return this.index.gateways.forProxy(labels);
  }

  /** VirtualServices bound to gateway `ns/name`, visible to `proxyNamespace`, oldest first. */
  virtualServicesForGateway(gatewayName: string, proxyNamespace: string): readonly GatewayVirtualService[] {
    return this.index.gateways.virtualServices(gatewayName, proxyNamespace);
  }

  /** Every service, sorted by hostname. */
  services(): readonly Service[] {
    return this.index.services.all();
  }

  /** One service per hostname visible from `namespace` (exportTo), sorted by hostname. */
  servicesVisibleTo(namespace: string): readonly Service[] {
    return this.index.services.visibleTo(namespace);
  }

  /** The service a proxy in `namespace` reaches under `hostname`, if it may see one. */
  serviceForHostname(hostname: string, namespace: string): Service | undefined {
    return this.index.services.forHostname(hostname, namespace);
  }

  /** Mesh VirtualServices visible from `namespace`, oldest first. */
  virtualServicesVisibleTo(namespace: string): readonly MeshVirtualService[] {
    return this.index.virtualServices.visibleTo(namespace);
  }

  /** The mesh VirtualService that routes `hostname` for proxies in `namespace`. */
  virtualServiceForHost(hostname: string, namespace: string): MeshVirtualService | undefined {
    return this.index.virtualServices.forHost(hostname, namespace);
  }

  /**
   * The DestinationRule for traffic from `proxyNamespace` to `hostname` (Istio precedence: proxy
   * namespace, service namespace, root namespace).
   */
  destinationRule(hostname: string, proxyNamespace: string): ResolvedDestinationRule | undefined {
    const service = this.serviceForHostname(hostname, proxyNamespace);
    return this.index.destinationRules.lookup(hostname, proxyNamespace, service?.namespace);
  }

  /** A named subset of `hostname`'s DestinationRule, as seen from `proxyNamespace`. */
  subset(hostname: string, subsetName: string, proxyNamespace: string): Subset | undefined {
    return this.destinationRule(hostname, proxyNamespace)?.spec.subsets?.find((s) => s.name === subsetName);
  }

  /** Resolves a host written in a config of `namespace` (short names are relative to it). */
  resolveHost(host: string, namespace: string): string {
    return resolveShortName(host, namespace, this.domainSuffix);
  }
}

function listKind<S>(configs: ConfigStoreView, kind: (typeof ISTIO_KINDS)[number]): Config<S>[] {
  return sortByAge(configs.list(kind) as readonly Config<S>[]);
}

/**
 * Hashes of configs and services by identity. Both are immutable values (a change is a new
 * object), so a rebuild after one change hashes one object, not thousands (issue 3: hashing every
 * config on every push cost 40–110 ms at 1,000 services).
 */
const itemHashes = new WeakMap<object, string>();

function itemHash(item: object, project: () => unknown): string {
  let hash = itemHashes.get(item);
  if (hash === undefined) {
    hash = contentHash(stableStringify(project()));
    itemHashes.set(item, hash);
  }
  return hash;
}

/** Content hash of everything a PushContext is built from, except endpoints. */
function computeVersion(input: PushContextInput, domainSuffix: string, rootNamespace: string): string {
  const parts: string[] = [stableStringify({ domainSuffix, rootNamespace, mesh: input.meshConfig })];
  for (const kind of ISTIO_KINDS) {
    for (const c of input.configs.list(kind)) {
      parts.push(
        itemHash(c, () => ({
          kind: c.meta.kind,
          namespace: c.meta.namespace,
          name: c.meta.name,
          labels: c.meta.labels,
          annotations: c.meta.annotations,
          creationTimestamp: c.meta.creationTimestamp,
          spec: c.spec,
        })),
      );
    }
  }
  const services = [...input.services].sort((a, b) =>
    `${a.hostname}/${a.namespace}` < `${b.hostname}/${b.namespace}` ? -1 : 1,
  );
  for (const svc of services) parts.push(itemHash(svc, () => svc));
  return contentHash(parts.join('\n'));
}

/** The indexes of the last build (index-reuse.ts). */
const lastIndexes = {
  services: { inputs: [], key: '', index: undefined } as IndexSlot<ServiceIndex>,
  virtualServices: { inputs: [], key: '', index: undefined } as IndexSlot<VirtualServiceIndex>,
  destinationRules: { inputs: [], key: '', index: undefined } as IndexSlot<DestinationRuleIndex>,
  gateways: { inputs: [], key: '', index: undefined } as IndexSlot<GatewayIndex>,
};

/** Builds an immutable PushContext. Pure: same inputs, same snapshot and version. */
export function buildPushContext(input: PushContextInput): PushContext {
  const domainSuffix = input.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
  const rootNamespace = input.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
  const virtualServices = listKind<VirtualServiceSpec>(input.configs, 'VirtualService');
  const destinationRules = listKind<DestinationRuleSpec>(input.configs, 'DestinationRule');
  const gateways = listKind<GatewaySpec>(input.configs, 'Gateway');
  // A rebuild usually follows one change: the indexes of the kinds it did not touch are reused.
  const index: Indexes = {
    services: reuse(lastIndexes.services, [input.services], '', () => new ServiceIndex(input.services)),
    virtualServices: reuse(
      lastIndexes.virtualServices,
      [virtualServices],
      domainSuffix,
      () => new VirtualServiceIndex(virtualServices, domainSuffix),
    ),
    destinationRules: reuse(
      lastIndexes.destinationRules,
      [destinationRules],
      `${domainSuffix}|${rootNamespace}`,
      () => new DestinationRuleIndex(destinationRules, domainSuffix, rootNamespace),
    ),
    gateways: reuse(
      lastIndexes.gateways,
      [gateways, virtualServices],
      domainSuffix,
      () => new GatewayIndex(gateways, virtualServices, domainSuffix),
    ),
  };
  const warnings = (): AnalysisWarning[] =>
    analyze({
      virtualServices: index.virtualServices.all(),
      destinationRules,
      services: index.services,
      domainSuffix,
    }).sort((a, b) => {
      const ka = `${a.kind}/${a.namespace}/${a.name}/${a.path}`;
      const kb = `${b.kind}/${b.namespace}/${b.name}/${b.path}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  return new PushContext(
    input.version ?? computeVersion(input, domainSuffix, rootNamespace),
    domainSuffix,
    rootNamespace,
    input.endpoints,
    warnings,
    virtualServices,
    destinationRules,
    gateways,
    listKind<SidecarSpec>(input.configs, 'Sidecar'),
    index,
    withMeshDefaults(input.meshConfig),
  );
}
