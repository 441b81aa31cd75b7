/**
 * VirtualServices bound to the mesh gateway (sidecars and proxyless clients), indexed by host.
 * Hosts are resolved as Istio does (short names relative to the VirtualService's namespace);
 * `exportTo` limits which proxy namespaces see one. When several match a service, an exact host
 * beats a wildcard, a longer wildcard beats a shorter one, and on a tie the oldest wins: Istio
 * drops a later VirtualService's duplicate domains, so the first one routes. Pure, immutable.
 */
import type { Config } from '../config.js';
import type { VirtualServiceSpec } from '../istio/index.js';
import { sortByAge } from './config-order.js';
import { matchSpecificity, resolveShortName } from './hosts.js';
import { isVisibleTo } from './visibility.js';

/** The reserved gateway name that means "every sidecar and proxyless client". */
export const MESH_GATEWAY = 'mesh';

export interface MeshVirtualService {
  readonly config: Config<VirtualServiceSpec>;
  /** `spec.hosts` resolved to FQDNs (wildcards kept). */
  readonly hosts: readonly string[];
}

/** Whether the VirtualService applies to sidecars (no gateways, or `mesh` among them). */
export function appliesToMesh(spec: VirtualServiceSpec): boolean {
  const gateways = spec.gateways ?? [];
  return gateways.length === 0 || gateways.includes(MESH_GATEWAY);
}

export class VirtualServiceIndex {
  private readonly mesh: readonly MeshVirtualService[];
  private readonly visibleMemo = new Map<string, readonly MeshVirtualService[]>();
  private readonly hostMemo = new Map<string, MeshVirtualService | null>();

  constructor(configs: readonly Config<VirtualServiceSpec>[], domainSuffix: string) {
    this.mesh = sortByAge(configs)
      .filter((c) => appliesToMesh(c.spec ?? {}))
      .map((config) => ({
        config,
        hosts: (config.spec?.hosts ?? []).map((h) =>
          resolveShortName(h, config.meta.namespace, domainSuffix),
        ),
      }));
  }

  /** Mesh VirtualServices, oldest first. */
  all(): readonly MeshVirtualService[] {
    return this.mesh;
  }

  visibleTo(namespace: string): readonly MeshVirtualService[] {
    const cached = this.visibleMemo.get(namespace);
    if (cached) return cached;
    const out = this.mesh.filter((vs) =>
      isVisibleTo(vs.config.spec?.exportTo, vs.config.meta.namespace, namespace),
    );
    this.visibleMemo.set(namespace, out);
    return out;
  }

  /** The VirtualService routing `hostname` for proxies in `namespace`. */
  forHost(hostname: string, namespace: string): MeshVirtualService | undefined {
    const key = `${namespace}|${hostname}`;
    const cached = this.hostMemo.get(key);
    if (cached !== undefined) return cached ?? undefined;
    let best: MeshVirtualService | undefined;
    let bestScore = -1;
    for (const vs of this.visibleTo(namespace)) {
      for (const pattern of vs.hosts) {
        const score = matchSpecificity(hostname, pattern);
        if (score > bestScore) {
          best = vs;
          bestScore = score;
        }
      }
    }
    this.hostMemo.set(key, best ?? null);
    return best;
  }

  /** Every mesh VirtualService visible from `namespace` that has a host matching `hostname`. */
  allForHost(hostname: string, namespace: string): MeshVirtualService[] {
    return this.visibleTo(namespace).filter((vs) => vs.hosts.some((p) => matchSpecificity(hostname, p) >= 0));
  }
}
