/**
 * The Kubernetes source (design §1, issue 4): Istio networking config from the API server's CRDs
 * into the ConfigStore, and the core objects of the Kubernetes registry into a {@link KubeCoreView}.
 *
 * - One informer per served Istio kind, on the storage version (`networking.istio.io/v1`): the API
 *   server converts objects written as v1beta1 or v1alpha3, so watching one version sees all.
 * - Every object goes through the same validator as the config directory and the webhook
 *   (`validateObject`). A rejected object is logged once per content change (not again when only
 *   its status moved, e.g. after our own status write), counted in `galley_validation_failed`,
 *   listed by `errors()` and reported to `onVerdict` (the status writer puts a condition in its
 *   status, `src/galley/status`); it is not served, but its last good version
 *   (an earlier resourceVersion of the same object) keeps being served, as the directory source
 *   does, so a bad edit that slipped past the webhook never takes a route away.
 * - Namespace selection (istiod's discoverySelectors, `matchLabels` form): objects in other
 *   namespaces are ignored; a namespace whose labels start or stop matching adds or removes its
 *   objects at once.
 * - While the API server is away the informers keep their caches, so the store keeps serving the
 *   last known state; after it returns, relists deliver only what changed (no push storm).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { configKey, ISTIO_GROUP, ISTIO_KINDS, type Config, type IstioKind } from '../../model/config.js';
import type { Logger } from '../../util/log.js';
import type { ConfigEventMetrics, ValidationMetrics } from '../../util/metrics.js';
import type { ConfigId, ConfigStore } from '../config-store.js';
import { deepEqual, sameContent } from '../config-store.js';
import type { ObjectVerdict } from '../status/validation-status.js';
import { formatConfigError, type ConfigError } from '../validation/result.js';
import { validateObject } from '../validation/validate.js';
import { KubeCoreObjects, matchesLabels, type KubeCoreView } from './kube-core.js';
import { KubeHttp, type KubeHttpOptions, type KubeObject } from './kube-http.js';
import { KubeInformer, type InformerBatch } from './kube-informer.js';
import {
  CORE_RESOURCES,
  ISTIO_STORAGE_VERSION,
  istioCollectionPath,
  istioCrdOf,
  type CoreKind,
} from './kube-resources.js';

export const KUBERNETES_SOURCE = 'kubernetes';

export interface KubeSourceOptions {
  readonly kubeConfig: KubeConfig;
  readonly store: ConfigStore;
  readonly logger: Logger;
  /** Only namespaces whose labels include all of these are read; unset or empty: every namespace. */
  readonly namespaceSelector?: Readonly<Record<string, string>>;
  /** Istio kinds to watch (default: all served kinds). */
  readonly kinds?: readonly IstioKind[];
  /** Also watch Services, EndpointSlices, Pods and Nodes for the registry (default true). */
  readonly watchCore?: boolean;
  readonly http?: KubeHttpOptions;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Validation verdicts and watch events (`galley_validation_*`, `pilot_k8s_cfg_events`). */
  readonly metrics?: ValidationMetrics & ConfigEventMetrics;
  /** Every verdict on an Istio object, and its removal (`object` undefined): the status writer. */
  readonly onVerdict?: (verdict: ObjectVerdict) => void;
}

interface Rejection {
  readonly resourceVersion: string;
  readonly errors: readonly ConfigError[];
  /** What was validated (spec, labels, annotations): an equal later version is not re-validated. */
  readonly content: unknown;
}

/** What validation depends on besides identity; status and resourceVersion are not part of it. */
const contentOf = (obj: KubeObject): unknown => ({
  spec: obj['spec'],
  labels: obj.metadata.labels,
  annotations: obj.metadata.annotations,
});

export class KubeSource {
  private readonly http: KubeHttp;
  private readonly log: Logger;
  private readonly selector: Readonly<Record<string, string>>;
  private readonly istio = new Map<IstioKind, KubeInformer<KubeObject>>();
  private readonly coreInformers = new Map<CoreKind, KubeInformer<KubeObject>>();
  private readonly served = new Map<string, Config>();
  private readonly lastGood = new Map<string, Config>();
  private readonly rejections = new Map<string, Rejection>();
  /** Selected namespaces (only tracked when a selector is set). */
  private readonly selectedNamespaces = new Set<string>();
  private ready = false;
  /** The core objects for `src/registry/kube`. */
  readonly core: KubeCoreView;
  private readonly coreObjects: KubeCoreObjects;

  constructor(private readonly options: KubeSourceOptions) {
    this.http = new KubeHttp(options.kubeConfig, options.http);
    this.log = options.logger.child({ source: KUBERNETES_SOURCE });
    this.selector = options.namespaceSelector ?? {};
    this.coreObjects = new KubeCoreObjects((ns) => this.isSelected(ns));
    this.core = this.coreObjects;
    const common = {
      http: this.http,
      logger: this.log,
      ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
      ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
    };
    for (const kind of options.kinds ?? ISTIO_KINDS) {
      this.istio.set(
        kind,
        new KubeInformer<KubeObject>({
          ...common,
          path: istioCollectionPath(kind),
          onBatch: (b) => this.onIstio(kind, b),
        }),
      );
    }
    const coreKinds: CoreKind[] =
      options.watchCore === false ? ['Namespace'] : (Object.keys(CORE_RESOURCES) as CoreKind[]);
    for (const kind of coreKinds) {
      this.coreInformers.set(
        kind,
        new KubeInformer<KubeObject>({
          ...common,
          path: CORE_RESOURCES[kind].path,
          onBatch: (b) => this.onCore(kind, b),
        }),
      );
    }
  }

  /** Starts every informer and resolves once all have listed and the store holds the initial config. */
  async start(): Promise<void> {
    const all = [...this.coreInformers.values(), ...this.istio.values()];
    for (const i of all) i.start();
    await Promise.all(all.map((i) => i.synced()));
    this.ready = true;
    this.recomputeSelection();
    this.reconcile([...this.istio.keys()].flatMap((kind) => this.keysOf(kind)));
    this.coreObjects.emitAll();
    this.log.info(
      { configs: this.served.size, rejected: this.rejections.size, kinds: [...this.istio.keys()] },
      'kubernetes config synced',
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.istio.values(), ...this.coreInformers.values()].map((i) => i.stop()));
  }

  /** Whether every informer has listed once (for /ready). */
  get synced(): boolean {
    return this.ready;
  }

  /** Whether every informer's last call reached the API server. */
  get connected(): boolean {
    return [...this.istio.values(), ...this.coreInformers.values()].every((i) => i.connected);
  }

  /** Objects currently rejected by the validator, sorted by kind/namespace/name. */
  errors(): readonly ConfigError[] {
    return [...this.rejections.keys()].sort().flatMap((k) => this.rejections.get(k)!.errors);
  }

  private isSelected(namespace: string): boolean {
    return Object.keys(this.selector).length === 0 || this.selectedNamespaces.has(namespace);
  }

  private keysOf(kind: IstioKind): string[] {
    return this.istio
      .get(kind)!
      .list()
      .map((o) => configKey(kind, o.metadata.namespace ?? '', o.metadata.name));
  }

  private onIstio(kind: IstioKind, batch: InformerBatch<KubeObject>): void {
    const keyOf = (o: KubeObject): string => configKey(kind, o.metadata.namespace ?? '', o.metadata.name);
    const metrics = this.options.metrics;
    if (metrics) {
      for (const o of batch.upserts) {
        const known = this.lastGood.has(keyOf(o)) || this.rejections.has(keyOf(o));
        metrics.configEvent(kind, known ? 'update' : 'add');
      }
      for (let i = 0; i < batch.deletes.length; i++) metrics.configEvent(kind, 'delete');
    }
    if (!this.ready) return;
    this.reconcile([...batch.upserts, ...batch.deletes].map(keyOf));
  }

  private onCore(kind: CoreKind, batch: InformerBatch<KubeObject>): void {
    if (kind === 'Namespace' && this.ready) {
      // Apply first, so that the view sees the new labels when selection is recomputed.
      this.coreObjects.apply(kind, batch.upserts, batch.deletes);
      this.recomputeSelection();
      return;
    }
    this.coreObjects.apply(kind, batch.upserts, batch.deletes, this.ready);
  }

  /** Re-evaluates the namespace selector; namespaces that changed side re-add or drop their objects. */
  private recomputeSelection(): void {
    if (Object.keys(this.selector).length === 0) return;
    const now = new Set(
      this.coreObjects
        .list('Namespace')
        .filter((ns) => matchesLabels(ns.metadata.labels, this.selector))
        .map((ns) => ns.metadata.name),
    );
    const changed = [...now, ...this.selectedNamespaces].filter(
      (n) => now.has(n) !== this.selectedNamespaces.has(n),
    );
    if (changed.length === 0) return;
    this.selectedNamespaces.clear();
    for (const n of now) this.selectedNamespaces.add(n);
    if (!this.ready) return;
    this.log.info({ namespaces: [...now].sort() }, 'namespace selection changed');
    for (const n of changed) this.coreObjects.namespaceSelectionChanged(n, now.has(n));
    const keys = [...this.istio.keys()].flatMap((kind) => this.keysOf(kind));
    this.reconcile([...keys, ...this.served.keys()]);
  }

  /** Recomputes what to serve for these keys and writes the difference to the store in one batch. */
  private reconcile(keys: readonly string[]): void {
    const upserts: Config[] = [];
    const deletes: ConfigId[] = [];
    for (const key of new Set(keys)) {
      const [kind, namespace, ...rest] = key.split('/') as [IstioKind, string, ...string[]];
      const name = rest.join('/');
      const desired = this.desired(kind, namespace, name, key);
      const current = this.served.get(key);
      if (desired) {
        if (
          !current ||
          current.meta.resourceVersion !== desired.meta.resourceVersion ||
          !sameContent(current, desired)
        ) {
          upserts.push(desired);
        }
        this.served.set(key, desired);
      } else if (current) {
        deletes.push({ kind, namespace, name });
        this.served.delete(key);
      }
    }
    if (upserts.length > 0 || deletes.length > 0) this.options.store.applyBatch({ upserts, deletes });
  }

  /** The config to serve for one object: its current version if valid, else its last good one. */
  private desired(kind: IstioKind, namespace: string, name: string, key: string): Config | undefined {
    const obj = this.istio.get(kind)?.get(namespace, name);
    const verdict = (object: KubeObject | undefined, errors: readonly ConfigError[]): void =>
      this.options.onVerdict?.({ kind, namespace, name, object, errors });
    if (!obj || !this.isSelected(namespace)) {
      const hadGood = this.lastGood.delete(key);
      if (this.rejections.delete(key) || hadGood) verdict(undefined, []);
      return undefined;
    }
    const rv = obj.metadata.resourceVersion ?? '';
    const good = this.lastGood.get(key);
    const rejected = this.rejections.get(key);
    if (good && good.meta.resourceVersion === rv) {
      verdict(obj, []);
      return good;
    }
    if (rejected && (rejected.resourceVersion === rv || deepEqual(rejected.content, contentOf(obj)))) {
      // The same content (only status or resourceVersion moved): still rejected, already reported.
      if (rejected.resourceVersion !== rv) this.rejections.set(key, { ...rejected, resourceVersion: rv });
      verdict(obj, rejected.errors);
      return good;
    }
    const result = validateObject(
      { ...obj, apiVersion: `${ISTIO_GROUP}/${ISTIO_STORAGE_VERSION}`, kind },
      KUBERNETES_SOURCE,
    );
    const resource = {
      group: ISTIO_GROUP,
      version: ISTIO_STORAGE_VERSION,
      resource: istioCrdOf(kind).plural,
    };
    if (result.ok) {
      if (rejected) this.log.info({ kind, namespace, name }, 'config object valid again');
      this.rejections.delete(key);
      this.lastGood.set(key, result.value);
      if (!good || !sameContent(good, result.value)) this.options.metrics?.validationPassed(resource);
      verdict(obj, []);
      return result.value;
    }
    this.options.metrics?.validationFailed(resource, 'invalid_resource');
    this.rejections.set(key, { resourceVersion: rv, errors: result.errors, content: contentOf(obj) });
    verdict(obj, result.errors);
    for (const e of result.errors) {
      this.log.error(
        { kind, namespace, name, path: e.path, resourceVersion: rv },
        `${formatConfigError(e)}${good ? ' (rejected; serving its last good version)' : ' (rejected; not served)'}`,
      );
    }
    return good;
  }
}
