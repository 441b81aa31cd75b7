/**
 * The Kubernetes service registry (istiod's kube controller): Services, EndpointSlices, Pods and
 * Nodes from the Kubernetes source's cached view, converted by `conversion.ts`, with each change
 * classified as istiod does: a changed Service definition is a full push (`servicesChanged`);
 * endpoints alone (a slice, a pod's labels or readiness, a node's topology) take the EDS fast path
 * (`endpointsChanged`).
 */
import type { KubeCoreView, CoreChange } from '../../galley/sources/kube-core.js';
import type { KubeObject } from '../../galley/sources/kube-http.js';
import type { Endpoint, Service } from '../../model/service.js';
import { moduleLogger, type Logger } from '../../util/log.js';
import type { RegistryChange, RegistryChangeHandler, ServiceRegistry } from '../registry.js';
import {
  convertEndpoints,
  convertService,
  KUBERNETES_PROVIDER,
  SERVICE_NAME_LABEL,
  type K8sEndpointSlice,
  type K8sNode,
  type K8sPod,
  type K8sService,
} from './conversion.js';

export interface KubeRegistryOptions {
  readonly domainSuffix?: string;
  readonly trustDomain?: string;
  readonly logger?: Logger;
}

interface Entry {
  readonly service: Service;
  readonly endpoints: readonly Endpoint[];
  readonly svcJson: string;
  readonly epJson: string;
}

const nsName = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class KubeRegistry implements ServiceRegistry {
  readonly provider = KUBERNETES_PROVIDER;
  private readonly log: Logger;
  private readonly domainSuffix: string;
  private readonly trustDomain: string;
  /** `ns/name` of the Kubernetes Service → converted entry. */
  private readonly entries = new Map<string, Entry>();
  /** Service `ns/name` → its slices by slice `ns/name`. */
  private readonly slicesByService = new Map<string, Map<string, K8sEndpointSlice>>();
  /** Pod `ns/name` → the Services whose slices point at it. */
  private readonly servicesByPod = new Map<string, Set<string>>();
  private sorted: readonly Service[] | undefined;
  private readonly handlers: RegistryChangeHandler[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly view: KubeCoreView,
    options: KubeRegistryOptions = {},
  ) {
    this.log = options.logger ?? moduleLogger('kube-registry');
    this.domainSuffix = options.domainSuffix ?? 'cluster.local';
    this.trustDomain = options.trustDomain ?? 'cluster.local';
    for (const s of view.list('EndpointSlice')) this.indexSlice(s as K8sEndpointSlice, true);
    this.recompute(new Set(view.list('Service').map(nsName)));
    this.unsubscribe = view.onChange((changes) => this.handle(changes));
  }

  services(): readonly Service[] {
    this.sorted ??= [...this.entries.values()]
      .map((e) => e.service)
      .sort((a, b) =>
        a.hostname !== b.hostname ? (a.hostname < b.hostname ? -1 : 1) : a.namespace < b.namespace ? -1 : 1,
      );
    return this.sorted;
  }

  endpoints(service: Service): readonly Endpoint[] {
    if (service.registry !== KUBERNETES_PROVIDER || !service.sourceKey) return [];
    const [, ns, name] = service.sourceKey.split('/');
    return this.entries.get(`${ns}/${name}`)?.endpoints ?? [];
  }

  onChange(handler: RegistryChangeHandler): void {
    this.handlers.push(handler);
  }

  close(): void {
    this.unsubscribe();
  }

  private serviceKeyOfSlice(slice: K8sEndpointSlice): string | undefined {
    const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    return svc ? `${slice.metadata.namespace ?? ''}/${svc}` : undefined;
  }

  private indexSlice(slice: K8sEndpointSlice, present: boolean): string | undefined {
    const sk = this.serviceKeyOfSlice(slice);
    if (!sk) return undefined;
    const key = nsName(slice as KubeObject);
    let m = this.slicesByService.get(sk);
    if (present) {
      if (!m) this.slicesByService.set(sk, (m = new Map()));
      m.set(key, slice);
    } else if (m) {
      m.delete(key);
      if (m.size === 0) this.slicesByService.delete(sk);
    }
    return sk;
  }

  private handle(changes: readonly CoreChange[]): void {
    const affected = new Set<string>();
    for (const c of changes) {
      const all = [...c.upserts.map((o) => [o, true] as const), ...c.deletes.map((o) => [o, false] as const)];
      for (const [obj, present] of all) {
        if (c.kind === 'Service') affected.add(nsName(obj));
        else if (c.kind === 'EndpointSlice') {
          const sk = this.indexSlice(obj as K8sEndpointSlice, present);
          if (sk) affected.add(sk);
        } else if (c.kind === 'Pod') {
          for (const sk of this.servicesByPod.get(nsName(obj)) ?? []) affected.add(sk);
        } else if (c.kind === 'Node') {
          // Topology labels of a node move the locality of every endpoint on it: rare, recompute all.
          for (const sk of this.entries.keys()) affected.add(sk);
        }
      }
    }
    if (affected.size === 0) return;
    const change = this.recompute(affected);
    if (change.servicesChanged.length === 0 && change.endpointsChanged.length === 0) return;
    this.log.debug(change, 'kubernetes registry changed');
    for (const h of [...this.handlers]) h(change);
  }

  private recompute(keys: ReadonlySet<string>): RegistryChange {
    const servicesChanged = new Set<string>();
    const endpointsChanged = new Set<string>();
    const ctx = {
      pod: (ns: string, name: string) => this.view.get('Pod', ns, name) as K8sPod | undefined,
      node: (name: string) => this.view.get('Node', '', name) as K8sNode | undefined,
    };
    for (const key of keys) {
      const [ns = '', name = ''] = key.split('/');
      const before = this.entries.get(key);
      for (const set of this.servicesByPod.values()) set.delete(key);
      const svc = this.view.get('Service', ns, name) as K8sService | undefined;
      if (!svc) {
        if (before) {
          this.entries.delete(key);
          servicesChanged.add(before.service.hostname);
        }
        continue;
      }
      const slices = [...(this.slicesByService.get(key)?.values() ?? [])];
      for (const s of slices) {
        for (const ep of s.endpoints ?? []) {
          if (ep.targetRef?.kind !== 'Pod' || !ep.targetRef.name) continue;
          const pk = `${ep.targetRef.namespace ?? ns}/${ep.targetRef.name}`;
          let set = this.servicesByPod.get(pk);
          if (!set) this.servicesByPod.set(pk, (set = new Set()));
          set.add(key);
        }
      }
      const service = convertService(svc, this.domainSuffix);
      const endpoints = convertEndpoints(service, svc, slices, ctx, this.trustDomain);
      const after: Entry = {
        service,
        endpoints,
        svcJson: JSON.stringify(service),
        epJson: JSON.stringify(endpoints),
      };
      this.entries.set(key, after);
      if (!before || before.svcJson !== after.svcJson) servicesChanged.add(service.hostname);
      else if (before.epJson !== after.epJson) endpointsChanged.add(service.hostname);
    }
    for (const [pk, set] of this.servicesByPod) if (set.size === 0) this.servicesByPod.delete(pk);
    if (servicesChanged.size > 0) this.sorted = undefined;
    for (const h of servicesChanged) endpointsChanged.delete(h);
    return { servicesChanged: [...servicesChanged].sort(), endpointsChanged: [...endpointsChanged].sort() };
  }
}
