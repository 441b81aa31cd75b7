/**
 * The converted services of one remote registry (Consul, Eureka) and the change classification
 * every registry owes Pilot (registry.ts): replacing a service whose definition is unchanged but
 * whose endpoints moved is an endpoints-only change (EDS fast path); anything else about a service
 * (added, removed, ports, labels) is a services change (full push). Replacing with identical data
 * reports nothing, so re-reading an unchanged registry never triggers a push.
 */
import type { Endpoint, Service } from '../model/service.js';
import { serviceKey, type RegistryChange } from './registry.js';

export interface ConvertedService {
  readonly service: Service;
  readonly endpoints: readonly Endpoint[];
}

interface Entry extends ConvertedService {
  readonly svcJson: string;
  readonly epJson: string;
}

export class ServiceSnapshot {
  private readonly entries = new Map<string, Entry>();
  private sorted: readonly Service[] | undefined;

  services(): readonly Service[] {
    this.sorted ??= [...this.entries.values()]
      .map((e) => e.service)
      .sort((a, b) =>
        a.hostname !== b.hostname ? (a.hostname < b.hostname ? -1 : 1) : a.namespace < b.namespace ? -1 : 1,
      );
    return this.sorted;
  }

  endpoints(service: Pick<Service, 'hostname' | 'namespace'>): readonly Endpoint[] {
    return this.entries.get(serviceKey(service))?.endpoints ?? [];
  }

  /** Service keys (`namespace/hostname`) currently held. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Upserts `next` and removes the services whose keys are in `remove` (and not in `next`).
   * Returns what changed, hostnames sorted; a host in servicesChanged is not repeated in
   * endpointsChanged.
   */
  update(next: readonly ConvertedService[], remove: Iterable<string> = []): RegistryChange {
    const servicesChanged = new Set<string>();
    const endpointsChanged = new Set<string>();
    const upserted = new Set<string>();
    for (const c of next) {
      const key = serviceKey(c.service);
      upserted.add(key);
      const before = this.entries.get(key);
      const after: Entry = {
        ...c,
        svcJson: JSON.stringify(c.service),
        epJson: JSON.stringify(c.endpoints),
      };
      if (before && before.svcJson === after.svcJson && before.epJson === after.epJson) continue;
      this.entries.set(key, after);
      if (!before || before.svcJson !== after.svcJson) servicesChanged.add(c.service.hostname);
      else endpointsChanged.add(c.service.hostname);
    }
    for (const key of remove) {
      if (upserted.has(key)) continue;
      const before = this.entries.get(key);
      if (!before) continue;
      this.entries.delete(key);
      servicesChanged.add(before.service.hostname);
    }
    if (servicesChanged.size > 0) this.sorted = undefined;
    for (const h of servicesChanged) endpointsChanged.delete(h);
    return { servicesChanged: [...servicesChanged].sort(), endpointsChanged: [...endpointsChanged].sort() };
  }

  /** Makes `next` the complete content: everything else is removed. */
  replaceAll(next: readonly ConvertedService[]): RegistryChange {
    return this.update(next, this.keys());
  }
}

export function isEmptyChange(change: RegistryChange): boolean {
  return change.servicesChanged.length === 0 && change.endpointsChanged.length === 0;
}
