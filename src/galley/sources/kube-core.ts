/**
 * The Kubernetes objects the service registry reads (Services, EndpointSlices, Pods, Nodes,
 * Namespaces), as the Kubernetes source caches them, filtered by namespace selection
 * (istiod's `discoverySelectors`): objects in a namespace that is not selected are invisible, and
 * a namespace entering or leaving the selection shows up as upserts or deletes of its objects.
 * `src/registry/kube/controller.ts` consumes this view; over MCP the same collections travel as
 * `core/v1/Service`, `discovery.k8s.io/v1/EndpointSlice`, ...
 */
import type { KubeObject } from './kube-http.js';
import type { CoreKind } from './kube-resources.js';

export interface CoreChange {
  readonly kind: CoreKind;
  readonly upserts: readonly KubeObject[];
  readonly deletes: readonly KubeObject[];
}

export type CoreChangeHandler = (changes: readonly CoreChange[]) => void;

/** Read side of the cached core objects (what a registry needs). */
export interface KubeCoreView {
  /** Objects of a kind in selected namespaces (Nodes and Namespaces: all), unsorted. */
  list(kind: CoreKind): readonly KubeObject[];
  get(kind: CoreKind, namespace: string, name: string): KubeObject | undefined;
  onChange(handler: CoreChangeHandler): () => void;
}

/** Label selector by `matchLabels` (every pair must match), as discoverySelectors' common form. */
export function matchesLabels(
  labels: Readonly<Record<string, string>> | undefined,
  selector: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Kinds that live in no namespace, or are namespaces: never filtered. */
const CLUSTER_SCOPED: ReadonlySet<CoreKind> = new Set<CoreKind>(['Node', 'Namespace']);

export class KubeCoreObjects implements KubeCoreView {
  private readonly caches = new Map<CoreKind, Map<string, KubeObject>>();
  private readonly handlers: CoreChangeHandler[] = [];

  constructor(private readonly selected: (namespace: string) => boolean) {}

  private cache(kind: CoreKind): Map<string, KubeObject> {
    let m = this.caches.get(kind);
    if (!m) {
      m = new Map();
      this.caches.set(kind, m);
    }
    return m;
  }

  private visible(kind: CoreKind, obj: KubeObject): boolean {
    return CLUSTER_SCOPED.has(kind) || this.selected(obj.metadata.namespace ?? '');
  }

  list(kind: CoreKind): readonly KubeObject[] {
    return [...this.cache(kind).values()].filter((o) => this.visible(kind, o));
  }

  get(kind: CoreKind, namespace: string, name: string): KubeObject | undefined {
    const obj = this.cache(kind).get(`${namespace}/${name}`);
    return obj && this.visible(kind, obj) ? obj : undefined;
  }

  onChange(handler: CoreChangeHandler): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  /** Applies an informer batch and emits the visible part of it. */
  apply(kind: CoreKind, upserts: readonly KubeObject[], deletes: readonly KubeObject[], emit = true): void {
    const cache = this.cache(kind);
    for (const o of upserts) cache.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
    for (const o of deletes) cache.delete(`${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    if (!emit) return;
    const change: CoreChange = {
      kind,
      upserts: upserts.filter((o) => this.visible(kind, o)),
      deletes: deletes.filter((o) => this.visible(kind, o)),
    };
    if (change.upserts.length > 0 || change.deletes.length > 0) this.emit([change]);
  }

  /**
   * A namespace entered (`nowSelected`) or left the selection: its objects appear as upserts or
   * disappear as deletes, in one notification.
   */
  namespaceSelectionChanged(namespace: string, nowSelected: boolean): void {
    const changes: CoreChange[] = [];
    for (const [kind, cache] of this.caches) {
      if (CLUSTER_SCOPED.has(kind)) continue;
      const objs = [...cache.values()].filter((o) => (o.metadata.namespace ?? '') === namespace);
      if (objs.length === 0) continue;
      changes.push(nowSelected ? { kind, upserts: objs, deletes: [] } : { kind, upserts: [], deletes: objs });
    }
    if (changes.length > 0) this.emit(changes);
  }

  /** Everything visible, as one notification (after the initial sync). */
  emitAll(): void {
    const changes: CoreChange[] = [];
    for (const kind of this.caches.keys()) changes.push({ kind, upserts: this.list(kind), deletes: [] });
    this.emit(changes);
  }

  private emit(changes: readonly CoreChange[]): void {
    for (const h of [...this.handlers]) h(changes);
  }
}
