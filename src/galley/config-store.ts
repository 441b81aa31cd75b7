/**
 * The writable, watchable config store every Galley source writes into and every Pilot consumer
 * reads from (Istio's ConfigStoreController, in memory). Synchronous: a write returns once the
 * change handlers have run, so callers and tests see a consistent order with no timers.
 *
 * Why no-op updates emit nothing: sources re-list on resync (a directory rescan, a Kubernetes
 * re-list, an MCP reconnect) and replay objects that did not change; emitting for those would
 * trigger full pushes for nothing. Istio compares resources the same way before queueing a push.
 */
import { moduleLogger, type Logger } from '../util/log.js';
import { configKey, keyOf, type Config, type IstioKind } from '../model/config.js';
import type { ConfigEvent, ConfigStoreView } from '../model/config-store.js';

export type ConfigChangeHandler = (events: readonly ConfigEvent[]) => void;

/** What a consumer of config changes needs: reads plus batch change events. */
export interface WatchableConfigStore extends ConfigStoreView {
  onChange(handler: ConfigChangeHandler): () => void;
}

/** Identity of one stored config. */
export interface ConfigId {
  readonly kind: IstioKind;
  readonly namespace: string;
  readonly name: string;
}

/** One batch of writes applied together and reported as one list of events. */
export interface ConfigBatch {
  readonly upserts?: readonly Config[];
  readonly deletes?: readonly ConfigId[];
}

/**
 * Structural equality of JSON-like values (plain objects, arrays, primitives). Key order does not
 * matter; `undefined` members are treated as absent, as they are once serialized.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && deepEqual(ra[k], rb[k]));
}

/** Whether two versions of a config mean the same thing (what a push depends on). */
export function sameContent(a: Config, b: Config): boolean {
  return (
    deepEqual(a.spec, b.spec) &&
    deepEqual(a.meta.labels, b.meta.labels) &&
    deepEqual(a.meta.annotations, b.meta.annotations)
  );
}

function compareConfigs(a: Config, b: Config): number {
  if (a.meta.namespace !== b.meta.namespace) return a.meta.namespace < b.meta.namespace ? -1 : 1;
  if (a.meta.name !== b.meta.name) return a.meta.name < b.meta.name ? -1 : 1;
  return 0;
}

export class ConfigStore implements WatchableConfigStore {
  /** kind → `namespace/name` → config. */
  private readonly byKind = new Map<IstioKind, Map<string, Config>>();
  /** Sorted lists, built lazily and dropped when a kind changes. */
  private readonly sorted = new Map<IstioKind, readonly Config[]>();
  /** `Kind/ns/name` → the source that last wrote it (kept even when the write was a no-op). */
  private readonly owners = new Map<string, string>();
  private readonly handlers: ConfigChangeHandler[] = [];

  private readonly log: Logger;

  constructor(log?: Logger) {
    this.log = log ?? moduleLogger('config-store');
  }

  list(kind: IstioKind): readonly Config[] {
    let list = this.sorted.get(kind);
    if (!list) {
      list = [...(this.byKind.get(kind)?.values() ?? [])].sort(compareConfigs);
      this.sorted.set(kind, list);
    }
    return list;
  }

  get(kind: IstioKind, namespace: string, name: string): Config | undefined {
    return this.byKind.get(kind)?.get(`${namespace}/${name}`);
  }

  /** Number of stored configs, all kinds. */
  size(): number {
    let n = 0;
    for (const m of this.byKind.values()) n += m.size;
    return n;
  }

  /** Adds or updates one config; returns the event, or undefined for a no-op. */
  apply(config: Config): ConfigEvent | undefined {
    return this.applyBatch({ upserts: [config] })[0];
  }

  /** Deletes one config; returns the event, or undefined when it was not stored. */
  delete(kind: IstioKind, namespace: string, name: string): ConfigEvent | undefined {
    return this.applyBatch({ deletes: [{ kind, namespace, name }] })[0];
  }

  /**
   * Applies upserts then deletes, and notifies handlers once with every resulting event (none
   * when nothing changed). A config both upserted and deleted in one batch ends up deleted.
   */
  applyBatch(batch: ConfigBatch): readonly ConfigEvent[] {
    const events: ConfigEvent[] = [];
    for (const config of batch.upserts ?? []) {
      const ev = this.upsertOne(config);
      if (ev) events.push(ev);
    }
    for (const id of batch.deletes ?? []) {
      const ev = this.deleteOne(id);
      if (ev) events.push(ev);
    }
    this.emit(events);
    return events;
  }

  /**
   * Makes `configs` the complete set owned by `source`: upserts them and deletes every config that
   * `source` wrote before and that is absent now. Configs owned by other sources are untouched
   * unless `configs` overwrites them (the caller resolves conflicts between sources).
   */
  replaceAll(source: string, configs: readonly Config[]): readonly ConfigEvent[] {
    const keep = new Set(configs.map(keyOf));
    const deletes: ConfigId[] = [];
    for (const [key, owner] of this.owners) {
      if (owner !== source || keep.has(key)) continue;
      const [kind, namespace, name] = splitKey(key);
      deletes.push({ kind, namespace, name });
    }
    const withSource = configs.map((c) =>
      c.meta.source === source ? c : { ...c, meta: { ...c.meta, source } },
    );
    return this.applyBatch({ upserts: withSource, deletes });
  }

  /** Registers a batch handler; returns a function that unregisters it. */
  onChange(handler: ConfigChangeHandler): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  private upsertOne(config: Config): ConfigEvent | undefined {
    const { kind, namespace, name } = config.meta;
    const key = keyOf(config);
    if (config.meta.source !== undefined) this.owners.set(key, config.meta.source);
    let m = this.byKind.get(kind);
    if (!m) {
      m = new Map();
      this.byKind.set(kind, m);
    }
    const id = `${namespace}/${name}`;
    const previous = m.get(id);
    if (previous && sameContent(previous, config)) return undefined;
    m.set(id, config);
    this.sorted.delete(kind);
    return previous ? { type: 'update', config, previous } : { type: 'add', config };
  }

  private deleteOne(id: ConfigId): ConfigEvent | undefined {
    const m = this.byKind.get(id.kind);
    const previous = m?.get(`${id.namespace}/${id.name}`);
    if (!m || !previous) return undefined;
    m.delete(`${id.namespace}/${id.name}`);
    this.owners.delete(configKey(id.kind, id.namespace, id.name));
    this.sorted.delete(id.kind);
    return { type: 'delete', config: previous };
  }

  /** A throwing handler must not starve the others or corrupt the store; it is logged. */
  private emit(events: readonly ConfigEvent[]): void {
    if (events.length === 0) return;
    for (const h of [...this.handlers]) {
      try {
        h(events);
      } catch (err) {
        this.log.error({ err }, 'config change handler failed');
      }
    }
  }
}

function splitKey(key: string): [IstioKind, string, string] {
  const [kind, namespace, ...rest] = key.split('/');
  return [kind as IstioKind, namespace ?? '', rest.join('/')];
}
