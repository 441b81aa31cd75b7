/**
 * Several registries seen as one (Istio's aggregate controller): what Pilot's PushContext reads.
 *
 * Endpoint shards: every member registry keeps its own services and endpoints (its shard) and
 * reports its own changes; the aggregate only merges them when read, so one registry's outage
 * (Consul or Eureka serving its last known endpoints, stale) or churn never touches another's.
 *
 * Same host in two registries — the rule, deterministic and independent of timing:
 * - **Precedence** is the constructor order. meshplane's wiring (discovery.ts) orders it
 *   ServiceEntry (explicit config), then Kubernetes, then Consul and Eureka in the order
 *   `--registries` names them.
 * - The host belongs to the FIRST registry that lists any service with that hostname. Every
 *   service of that registry with that hostname is returned (they differ by namespace; the
 *   PushContext picks by visibility); services with that hostname in later registries are hidden
 *   from `services()`: one definition (ports, resolution, labels) decides the clusters.
 * - Endpoints, mode `merge` (the default): the endpoints of a winning service are its own plus
 *   those of every hidden service with the same hostname in later registries, de-duplicated by
 *   address, port and service port name (earlier registry wins) and sorted. A host moving between
 *   registries (a ServiceEntry joined by Consul instances, Kubernetes pods beside Eureka VMs)
 *   keeps every instance reachable; a later registry's endpoints serve only under the port names
 *   the winning definition has.
 * - Endpoints, mode `first`: only the winning registry's endpoints; later registries' instances
 *   of that host are ignored (for a migration that must cut over at once).
 * Istio itself merges only Kubernetes clusters and otherwise lists duplicates, leaving the choice to
 * the PushContext; we resolve it here once so every consumer agrees.
 *
 * Every member registry must report its changes through onChange: the merged view is cached and
 * rebuilt on the next read after a member reports a service change. An endpoint-only change
 * keeps it (the view holds services, not endpoints), so the EDS fast path never re-merges and
 * re-sorts every service of the mesh (issue 3). Changes are forwarded unchanged.
 */
import type { Endpoint, Service } from '../model/service.js';
import { compareEndpoints } from './memory.js';
import {
  serviceKey,
  type RegistryChange,
  type RegistryChangeHandler,
  type ServiceRegistry,
} from './registry.js';

interface MergedView {
  readonly services: readonly Service[];
  /** hostname → index of the registry that owns it. */
  readonly owner: ReadonlyMap<string, number>;
  /** hostname → hidden services of later registries, with their registry index. */
  readonly hidden: ReadonlyMap<string, ReadonlyArray<{ readonly index: number; readonly service: Service }>>;
}

function compareServices(a: Service, b: Service): number {
  if (a.hostname !== b.hostname) return a.hostname < b.hostname ? -1 : 1;
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return 0;
}

/** How endpoints of the same host from several registries combine (see above). */
export type SameHostEndpoints = 'merge' | 'first';

export interface AggregateOptions {
  readonly sameHost?: SameHostEndpoints;
}

export class AggregateRegistry implements ServiceRegistry {
  readonly provider = 'aggregate';
  private readonly members: ServiceRegistry[];
  private readonly handlers: RegistryChangeHandler[] = [];
  private view: MergedView | undefined;

  private readonly sameHost: SameHostEndpoints;

  constructor(registries: readonly ServiceRegistry[] = [], options: AggregateOptions = {}) {
    this.sameHost = options.sameHost ?? 'merge';
    this.members = [];
    for (const r of registries) this.addRegistry(r);
  }

  /** Appends a registry (lowest precedence so far) and reports all its hosts as changed. */
  addRegistry(registry: ServiceRegistry): void {
    this.members.push(registry);
    registry.onChange((change) => this.forward(change));
    this.view = undefined;
    const hosts = registry.services().map((s) => s.hostname);
    if (hosts.length > 0 && this.handlers.length > 0) {
      this.forward({ servicesChanged: [...new Set(hosts)], endpointsChanged: [] });
    }
  }

  registries(): readonly ServiceRegistry[] {
    return this.members;
  }

  services(): readonly Service[] {
    return this.merged().services;
  }

  endpoints(service: Service): readonly Endpoint[] {
    const view = this.merged();
    const ownerIndex = view.owner.get(service.hostname);
    if (ownerIndex === undefined) return [];
    const owner = this.members[ownerIndex]!;
    const own = owner.endpoints(service);
    const hidden = view.hidden.get(service.hostname);
    if (!hidden || hidden.length === 0 || this.sameHost === 'first') return own;
    const seen = new Map<string, Endpoint>();
    const add = (ep: Endpoint): void => {
      const k = `${ep.address}|${ep.port}|${ep.servicePortName}`;
      if (!seen.has(k)) seen.set(k, ep);
    };
    own.forEach(add);
    for (const h of hidden) this.members[h.index]!.endpoints(h.service).forEach(add);
    return [...seen.values()].sort(compareEndpoints);
  }

  onChange(handler: RegistryChangeHandler): void {
    this.handlers.push(handler);
  }

  private forward(change: RegistryChange): void {
    if (change.servicesChanged.length > 0) this.view = undefined;
    for (const h of [...this.handlers]) h(change);
  }

  private merged(): MergedView {
    if (this.view) return this.view;
    const owner = new Map<string, number>();
    const hidden = new Map<string, Array<{ index: number; service: Service }>>();
    const services: Service[] = [];
    const seenKeys = new Set<string>();
    this.members.forEach((registry, index) => {
      for (const service of registry.services()) {
        const o = owner.get(service.hostname);
        if (o === undefined || o === index) {
          owner.set(service.hostname, index);
          const k = serviceKey(service);
          if (!seenKeys.has(k)) {
            seenKeys.add(k);
            services.push(service);
          }
          continue;
        }
        let list = hidden.get(service.hostname);
        if (!list) hidden.set(service.hostname, (list = []));
        list.push({ index, service });
      }
    });
    services.sort(compareServices);
    this.view = { services, owner, hidden };
    return this.view;
  }
}
