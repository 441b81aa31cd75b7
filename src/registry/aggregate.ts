/**
 * Several registries seen as one (Istio's aggregate controller): what Pilot's PushContext reads.
 *
 * Same host in two registries — the rule, chosen to be deterministic and predictable:
 * - the host belongs to the FIRST registry, in constructor order, that lists any service with
 *   that hostname. Every service of that registry with that hostname is returned (they differ by
 *   namespace; the PushContext picks by visibility); services with that hostname in later
 *   registries are hidden from `services()`;
 * - the endpoints of a winning service are its own endpoints plus the endpoints of every hidden
 *   service with the same hostname in later registries, de-duplicated by address, port and service
 *   port name (first seen wins) and sorted. So a host moving between registries (a VM in a
 *   ServiceEntry joined by Consul instances) keeps every instance reachable while one definition
 *   (ports, resolution) decides the clusters.
 * Istio itself merges only Kubernetes clusters and otherwise lists duplicates, leaving the choice to
 * the PushContext; we resolve it here once so every consumer agrees.
 *
 * Every member registry must report its changes through onChange: the merged view is cached and
 * rebuilt on the next read after any member reports a change. Changes are forwarded unchanged.
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

export class AggregateRegistry implements ServiceRegistry {
  readonly provider = 'aggregate';
  private readonly members: ServiceRegistry[];
  private readonly handlers: RegistryChangeHandler[] = [];
  private view: MergedView | undefined;

  constructor(registries: readonly ServiceRegistry[] = []) {
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
    if (!hidden || hidden.length === 0) return own;
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
    this.view = undefined;
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
