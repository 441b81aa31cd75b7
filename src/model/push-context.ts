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
import type { Service } from './service.js';
import { analyze, type AnalysisWarning } from './push-context/analysis.js';
import { sortByAge } from './push-context/config-order.js';
import { DestinationRuleIndex, type ResolvedDestinationRule } from './push-context/destination-rule-index.js';
import { resolveShortName } from './push-context/hosts.js';
import { ServiceIndex } from './push-context/service-index.js';
import { stableStringify } from './push-context/stable-json.js';
import { VirtualServiceIndex, type MeshVirtualService } from './push-context/virtual-service-index.js';

export type { AnalysisWarning } from './push-context/analysis.js';
export { formatWarning } from './push-context/analysis.js';
export type { ResolvedDestinationRule } from './push-context/destination-rule-index.js';
export type { MeshVirtualService } from './push-context/virtual-service-index.js';

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
}

interface Indexes {
  readonly services: ServiceIndex;
  readonly virtualServices: VirtualServiceIndex;
  readonly destinationRules: DestinationRuleIndex;
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
    /** Analysis warnings (`istioctl analyze` style), sorted. */
    readonly warnings: readonly AnalysisWarning[],
    /** Every VirtualService, oldest first (gateway-bound ones included, for later). */
    readonly virtualServices: readonly Config<VirtualServiceSpec>[],
    /** Every DestinationRule, oldest first. */
    readonly destinationRules: readonly Config<DestinationRuleSpec>[],
    /** Gateways, oldest first (used by router generators later). */
    readonly gateways: readonly Config<GatewaySpec>[],
    /** Sidecars, oldest first (sidecar scoping comes later). */
    readonly sidecars: readonly Config<SidecarSpec>[],
    private readonly index: Indexes,
  ) {}

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

/** Content hash of everything a PushContext is built from, except endpoints. */
function computeVersion(input: PushContextInput, domainSuffix: string, rootNamespace: string): string {
  const configs = ISTIO_KINDS.map((kind) =>
    input.configs.list(kind).map((c) => ({
      kind: c.meta.kind,
      namespace: c.meta.namespace,
      name: c.meta.name,
      labels: c.meta.labels,
      annotations: c.meta.annotations,
      creationTimestamp: c.meta.creationTimestamp,
      spec: c.spec,
    })),
  );
  const services = [...input.services].sort((a, b) =>
    `${a.hostname}/${a.namespace}` < `${b.hostname}/${b.namespace}` ? -1 : 1,
  );
  return contentHash(stableStringify({ domainSuffix, rootNamespace, configs, services }));
}

/** Builds an immutable PushContext. Pure: same inputs, same snapshot and version. */
export function buildPushContext(input: PushContextInput): PushContext {
  const domainSuffix = input.domainSuffix ?? DEFAULT_DOMAIN_SUFFIX;
  const rootNamespace = input.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
  const virtualServices = listKind<VirtualServiceSpec>(input.configs, 'VirtualService');
  const destinationRules = listKind<DestinationRuleSpec>(input.configs, 'DestinationRule');
  const index: Indexes = {
    services: new ServiceIndex(input.services),
    virtualServices: new VirtualServiceIndex(virtualServices, domainSuffix),
    destinationRules: new DestinationRuleIndex(destinationRules, domainSuffix, rootNamespace),
  };
  const warnings = analyze({
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
    listKind<GatewaySpec>(input.configs, 'Gateway'),
    listKind<SidecarSpec>(input.configs, 'Sidecar'),
    index,
  );
}
