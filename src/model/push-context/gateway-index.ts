/**
 * Gateways and the VirtualServices bound to them (Istio's gateway merging inputs). A Gateway
 * applies to every gateway proxy whose labels include its `selector` (an empty selector selects
 * all), in any namespace, as istiod does by default. A VirtualService binds to a gateway by
 * naming it in `gateways`: `ns/name`, or a short `name` relative to the VirtualService's own
 * namespace; `exportTo` is honoured relative to the gateway proxy's namespace.
 * See https://istio.io/latest/docs/reference/config/networking/gateway/. Pure, immutable.
 */
import type { Config } from '../config.js';
import type { GatewaySpec, VirtualServiceSpec } from '../istio/index.js';
import { sortByAge } from './config-order.js';
import { resolveShortName } from './hosts.js';
import { MESH_GATEWAY } from './virtual-service-index.js';
import { isVisibleTo } from './visibility.js';

export interface GatewayVirtualService {
  readonly config: Config<VirtualServiceSpec>;
  /** `spec.hosts` resolved to FQDNs (wildcards kept). */
  readonly hosts: readonly string[];
}

/** `namespace/name` of a gateway reference written in a config of `namespace`. */
export function resolveGatewayName(ref: string, namespace: string): string {
  return ref.includes('/') ? ref : `${namespace}/${ref}`;
}

export class GatewayIndex {
  private readonly gateways: readonly Config<GatewaySpec>[];
  private readonly byGateway = new Map<string, GatewayVirtualService[]>();

  constructor(
    gateways: readonly Config<GatewaySpec>[],
    virtualServices: readonly Config<VirtualServiceSpec>[],
    domainSuffix: string,
  ) {
    this.gateways = sortByAge(gateways);
    for (const config of sortByAge(virtualServices)) {
      const ns = config.meta.namespace;
      const hosts = (config.spec.hosts ?? []).map((h) => resolveShortName(h, ns, domainSuffix));
      const names = new Set(
        (config.spec.gateways ?? []).filter((g) => g !== MESH_GATEWAY).map((g) => resolveGatewayName(g, ns)),
      );
      for (const name of names) {
        const list = this.byGateway.get(name) ?? [];
        list.push({ config, hosts });
        this.byGateway.set(name, list);
      }
    }
  }

  /** Gateways whose selector the proxy's labels satisfy, oldest first. */
  forProxy(labels: Readonly<Record<string, string>>): Config<GatewaySpec>[] {
    return this.gateways.filter((g) =>
      Object.entries(g.spec.selector ?? {}).every(([k, v]) => labels[k] === v),
    );
  }

  /** VirtualServices bound to gateway `ns/name` and visible to `proxyNamespace`, oldest first. */
  virtualServices(gatewayName: string, proxyNamespace: string): GatewayVirtualService[] {
    return (this.byGateway.get(gatewayName) ?? []).filter((vs) =>
      isVisibleTo(vs.config.spec.exportTo, vs.config.meta.namespace, proxyNamespace),
    );
  }
}
