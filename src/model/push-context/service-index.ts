/**
 * Services by hostname with `exportTo` visibility (Istio's PushContext service index). A hostname
 * may be defined in several namespaces (ServiceEntries); a proxy sees the one in its own
 * namespace first, else the oldest visible one, as Istio's ServiceForHostname. Pure, immutable
 * after construction (lookups are memoized).
 */
import type { Service } from '../service.js';
import { isVisibleTo } from './visibility.js';

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareServices(a: Service, b: Service): number {
  return cmp(a.creationTimestamp ?? '', b.creationTimestamp ?? '') || cmp(a.namespace, b.namespace);
}

export class ServiceIndex {
  private readonly byHost = new Map<string, Service[]>();
  private readonly sortedAll: readonly Service[];
  private readonly visibleMemo = new Map<string, readonly Service[]>();

  constructor(services: readonly Service[]) {
    for (const svc of services) {
      const list = this.byHost.get(svc.hostname);
      if (list) list.push(svc);
      else this.byHost.set(svc.hostname, [svc]);
    }
    for (const list of this.byHost.values()) list.sort(compareServices);
    this.sortedAll = [...services].sort((a, b) => cmp(a.hostname, b.hostname) || compareServices(a, b));
  }

  /** Every service, sorted by hostname. */
  all(): readonly Service[] {
    return this.sortedAll;
  }

  /** Whether `service` is exported to `namespace` (its own namespace always sees it unless `~`). */
  static isVisible(service: Service, namespace: string): boolean {
    return isVisibleTo(service.exportTo, service.namespace, namespace);
  }

  /** The service a proxy in `namespace` reaches under `hostname`. */
  forHostname(hostname: string, namespace: string): Service | undefined {
    const list = this.byHost.get(hostname);
    if (!list) return undefined;
    const visible = list.filter((s) => ServiceIndex.isVisible(s, namespace));
    return visible.find((s) => s.namespace === namespace) ?? visible[0];
  }

  /** One service per hostname visible from `namespace`, sorted by hostname. */
  visibleTo(namespace: string): readonly Service[] {
    const cached = this.visibleMemo.get(namespace);
    if (cached) return cached;
    const out: Service[] = [];
    for (const hostname of [...this.byHost.keys()].sort()) {
      const svc = this.forHostname(hostname, namespace);
      if (svc) out.push(svc);
    }
    this.visibleMemo.set(namespace, out);
    return out;
  }
}
