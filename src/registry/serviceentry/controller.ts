/**
 * The ServiceEntry registry (Istio's serviceentry controller): keeps the Services and Endpoints of
 * every ServiceEntry (and the WorkloadEntries they select) in step with the config store, and says
 * what kind of change each config event was.
 *
 * Change classification, as Istio: when a change leaves every Service definition as it was and
 * moves only endpoints (a WorkloadEntry added, changed or removed; a ServiceEntry whose
 * `spec.endpoints` alone changed) it is reported in `endpointsChanged` only, and Pilot takes the
 * EDS fast path (incremental push, no PushContext rebuild). Anything that changes a Service (ports,
 * hosts, resolution, location, addresses, exportTo, labels) is in `servicesChanged` (a full push).
 *
 * Same host, same namespace, several ServiceEntries: the oldest one (creation time, then name)
 * defines the Service, as Istio's PushContext picks the oldest; endpoints of all of them are merged.
 */
import { configKey, type Config } from '../../model/config.js';
import type { ConfigEvent } from '../../model/config-store.js';
import type { ServiceEntrySpec, WorkloadEntrySpec } from '../../model/istio/index.js';
import type { Endpoint, Service } from '../../model/service.js';
import type { WatchableConfigStore } from '../../galley/config-store.js';
import { moduleLogger, type Logger } from '../../util/log.js';
import { compareEndpoints } from '../memory.js';
import {
  serviceKey,
  type RegistryChange,
  type RegistryChangeHandler,
  type ServiceRegistry,
} from '../registry.js';
import { convertServiceEntry, SERVICE_ENTRY_PROVIDER, type ConvertedService } from './conversion.js';

export interface ServiceEntryRegistryOptions {
  readonly domainSuffix?: string;
  readonly logger?: Logger;
}

interface EntryRef {
  readonly namespace: string;
  readonly name: string;
}

interface Contribution {
  readonly order: readonly [string, string];
  readonly converted: ConvertedService;
}

export class ServiceEntryRegistry implements ServiceRegistry {
  readonly provider = SERVICE_ENTRY_PROVIDER;
  private readonly log: Logger;
  private readonly domainSuffix: string;
  /** ServiceEntry key → its converted services. */
  private readonly perEntry = new Map<string, { order: [string, string]; converted: ConvertedService[] }>();
  /** Service key (`ns/host`) → the ServiceEntry keys that define it. */
  private readonly contributors = new Map<string, Set<string>>();
  /** Service key → merged service and endpoints, with their JSON for cheap comparison. */
  private readonly merged = new Map<
    string,
    { converted: ConvertedService; svcJson: string; epJson: string }
  >();
  private sorted: readonly Service[] | undefined;
  private readonly handlers: RegistryChangeHandler[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: WatchableConfigStore,
    options: ServiceEntryRegistryOptions = {},
  ) {
    this.log = options.logger ?? moduleLogger('serviceentry');
    this.domainSuffix = options.domainSuffix ?? 'cluster.local';
    const all = new Map<string, EntryRef>();
    for (const se of store.list('ServiceEntry')) all.set(keyOfEntry(se.meta), se.meta);
    this.recompute(all);
    this.unsubscribe = store.onChange((events) => this.handle(events));
  }

  services(): readonly Service[] {
    this.sorted ??= [...this.merged.values()]
      .map((m) => m.converted.service)
      .sort((a, b) =>
        a.hostname !== b.hostname ? (a.hostname < b.hostname ? -1 : 1) : a.namespace < b.namespace ? -1 : 1,
      );
    return this.sorted;
  }

  endpoints(service: Service): readonly Endpoint[] {
    return this.merged.get(serviceKey(service))?.converted.endpoints ?? [];
  }

  onChange(handler: RegistryChangeHandler): void {
    this.handlers.push(handler);
  }

  /** Stops following the config store. */
  close(): void {
    this.unsubscribe();
  }

  private handle(events: readonly ConfigEvent[]): void {
    const affected = new Map<string, EntryRef>();
    const weNamespaces = new Set<string>();
    for (const ev of events) {
      const kind = ev.config.meta.kind;
      if (kind === 'ServiceEntry') {
        affected.set(keyOfEntry(ev.config.meta), ev.config.meta);
      } else if (kind === 'WorkloadEntry') {
        weNamespaces.add(ev.config.meta.namespace);
        if (ev.previous) weNamespaces.add(ev.previous.meta.namespace);
      }
    }
    if (weNamespaces.size > 0) {
      for (const se of this.store.list('ServiceEntry') as readonly Config<ServiceEntrySpec>[]) {
        if (se.spec.workloadSelector && weNamespaces.has(se.meta.namespace)) {
          affected.set(keyOfEntry(se.meta), se.meta);
        }
      }
    }
    if (affected.size === 0) return;
    const change = this.recompute(affected);
    if (change.servicesChanged.length === 0 && change.endpointsChanged.length === 0) return;
    this.log.debug(change, 'serviceentry registry changed');
    for (const h of [...this.handlers]) h(change);
  }

  /** Re-converts the given ServiceEntries and re-merges the services they touch (before and after). */
  private recompute(entries: ReadonlyMap<string, EntryRef>): RegistryChange {
    const touched = new Set<string>();
    const workloads = new Map<string, Config<WorkloadEntrySpec>[]>();
    const workloadsIn = (ns: string): Config<WorkloadEntrySpec>[] => {
      let list = workloads.get(ns);
      if (!list) {
        list = (this.store.list('WorkloadEntry') as readonly Config<WorkloadEntrySpec>[]).filter(
          (we) => we.meta.namespace === ns,
        );
        workloads.set(ns, list);
      }
      return list;
    };
    for (const [key, ref] of entries) {
      for (const c of this.perEntry.get(key)?.converted ?? []) {
        const sk = serviceKey(c.service);
        touched.add(sk);
        this.contributors.get(sk)?.delete(key);
      }
      this.perEntry.delete(key);
      const se = this.store.get('ServiceEntry', ref.namespace, ref.name) as
        Config<ServiceEntrySpec> | undefined;
      if (!se) continue;
      let converted: ConvertedService[];
      try {
        converted = convertServiceEntry(se, workloadsIn(se.meta.namespace), this.domainSuffix);
      } catch (err) {
        this.log.error({ err, serviceEntry: key }, 'ServiceEntry conversion failed; skipped');
        continue;
      }
      this.perEntry.set(key, { order: [se.meta.creationTimestamp ?? '', se.meta.name], converted });
      for (const c of converted) {
        const sk = serviceKey(c.service);
        touched.add(sk);
        let set = this.contributors.get(sk);
        if (!set) this.contributors.set(sk, (set = new Set()));
        set.add(key);
      }
    }
    const servicesChanged = new Set<string>();
    const endpointsChanged = new Set<string>();
    for (const sk of touched) {
      const before = this.merged.get(sk);
      const after = this.mergeService(sk);
      const host = (before ?? after)!.converted.service.hostname;
      if (!after) {
        this.merged.delete(sk);
        this.contributors.delete(sk);
        servicesChanged.add(host);
        continue;
      }
      this.merged.set(sk, after);
      if (!before || before.svcJson !== after.svcJson) servicesChanged.add(host);
      else if (before.epJson !== after.epJson) endpointsChanged.add(host);
    }
    if (servicesChanged.size > 0) this.sorted = undefined;
    for (const h of servicesChanged) endpointsChanged.delete(h);
    return { servicesChanged: [...servicesChanged].sort(), endpointsChanged: [...endpointsChanged].sort() };
  }

  private mergeService(
    sk: string,
  ): { converted: ConvertedService; svcJson: string; epJson: string } | undefined {
    const parts: Contribution[] = [];
    for (const key of this.contributors.get(sk) ?? []) {
      const entry = this.perEntry.get(key);
      const converted = entry?.converted.find((c) => serviceKey(c.service) === sk);
      if (entry && converted) parts.push({ order: entry.order, converted });
    }
    if (parts.length === 0) return undefined;
    parts.sort((a, b) => compareOrder(a.order, b.order));
    const service = parts[0]!.converted.service;
    let endpoints = parts[0]!.converted.endpoints;
    if (parts.length > 1) {
      const seen = new Map<string, Endpoint>();
      for (const p of parts) {
        for (const ep of p.converted.endpoints) {
          const k = `${ep.address}|${ep.port}|${ep.servicePortName}`;
          if (!seen.has(k)) seen.set(k, ep);
        }
      }
      endpoints = [...seen.values()].sort(compareEndpoints);
    }
    return {
      converted: { service, endpoints },
      svcJson: JSON.stringify(service),
      epJson: JSON.stringify(endpoints),
    };
  }
}

function keyOfEntry(meta: { namespace: string; name: string }): string {
  return configKey('ServiceEntry', meta.namespace, meta.name);
}

function compareOrder(a: readonly [string, string], b: readonly [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}
