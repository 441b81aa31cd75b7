/**
 * A list+watch informer for one Kubernetes collection (client-go's Reflector + store, reduced to
 * what meshplane needs):
 * - list, then watch from the list's resourceVersion with bookmarks and a randomized server-side
 *   timeout (so replicas do not reconnect in lockstep), then watch again from the last version;
 * - `410 Gone` (the version was compacted away, from the watch call or as a watch ERROR event)
 *   means relist at once;
 * - any other failure (API server away, network, 5xx) keeps the cached state and serves it, and
 *   retries with exponential backoff and jitter (client-go's defaults: 800 ms doubling to 30 s);
 * - a relist is diffed against the cache by resourceVersion and delivered as ONE batch holding
 *   only what changed, so an API server restart does not become a push storm.
 */
import type { Logger } from '../../util/log.js';
import { KubeStatusError, type KubeHttp, type KubeObject, type WatchHandle } from './kube-http.js';

export interface InformerBatch<T extends KubeObject> {
  readonly upserts: readonly T[];
  readonly deletes: readonly T[];
  /** From a (re)list rather than a watch event. */
  readonly relist: boolean;
}

export interface KubeInformerOptions<T extends KubeObject> {
  /** The list and watch calls (a {@link KubeHttp}; tests pass a fake). */
  readonly http: Pick<KubeHttp, 'list' | 'watch'>;
  /** Collection path, e.g. `/apis/networking.istio.io/v1/virtualservices`. */
  readonly path: string;
  readonly logger: Logger;
  /** Extra list/watch parameters (`labelSelector`, `fieldSelector`). */
  readonly params?: Readonly<Record<string, string>>;
  readonly onBatch: (batch: InformerBatch<T>) => void;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Server-side watch timeout range in seconds (default 300–600, as client-go). */
  readonly watchTimeoutSeconds?: readonly [number, number];
}

export function objectKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

export class KubeInformer<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  private resourceVersion = '';
  private stopped = true;
  private watch: WatchHandle | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();
  private generation = 0;
  private syncedFlag = false;
  private resolveSynced: () => void = () => undefined;
  private readonly syncedPromise = new Promise<void>((r) => (this.resolveSynced = r));
  private connectedFlag = false;
  private readonly log: Logger;

  constructor(private readonly options: KubeInformerOptions<T>) {
    this.log = options.logger.child({ informer: options.path });
  }

  /** Starts the list+watch loop in the background. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // A loop of an earlier start may still wait on a call; the generation makes it exit.
    this.generation++;
    this.loop = this.run(this.generation);
  }

  /**
   * Stops the loop and aborts the watch; the cache is kept. Does not wait for a list or watch call
   * in flight: its result is dropped when it arrives.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watch?.abort();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
    await Promise.race([this.loop, Promise.resolve()]);
  }

  /** Resolves after the first successful list. */
  synced(): Promise<void> {
    return this.syncedPromise;
  }

  get hasSynced(): boolean {
    return this.syncedFlag;
  }

  /** Whether the last list or watch call reached the API server. */
  get connected(): boolean {
    return this.connectedFlag;
  }

  list(): readonly T[] {
    return [...this.objects.values()];
  }

  get(namespace: string, name: string): T | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  private async run(generation: number): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 800;
    const max = this.options.maxBackoffMs ?? 30_000;
    let backoff = initial;
    let failures = 0;
    const live = (): boolean => !this.stopped && generation === this.generation;
    while (live()) {
      const started = Date.now();
      let events = 0;
      try {
        if (this.resourceVersion === '') await this.relist();
        const [lo, hi] = this.options.watchTimeoutSeconds ?? [300, 600];
        const timeoutSeconds = String(Math.floor(lo + Math.random() * (hi - lo)));
        this.watch = await this.options.http.watch<T>(
          this.options.path,
          { ...this.options.params, resourceVersion: this.resourceVersion, timeoutSeconds },
          (ev) => {
            events++;
            this.onEvent(ev.type, ev.object);
          },
        );
        if (!live()) this.watch.abort();
        this.markConnected(failures);
        failures = 0;
        backoff = initial;
        const err = await this.watch.done;
        this.watch = undefined;
        if (err) throw err;
        // A normal end (server timeout): watch again from the last version, unless it ended at
        // once with nothing delivered, which would otherwise spin.
        if (events === 0 && Date.now() - started < 1000) await this.sleep(backoff);
      } catch (err) {
        this.watch = undefined;
        if (!live()) break;
        if (err instanceof KubeStatusError && err.code === 410) {
          this.log.info('resource version expired (410 Gone): relisting');
          this.resourceVersion = '';
          continue;
        }
        failures++;
        this.connectedFlag = false;
        // The first failure is news; the retries after it are not.
        if (failures === 1)
          this.log.warn({ err }, 'list/watch failed: serving the last known state, retrying');
        else this.log.debug({ err, failures }, 'list/watch retry failed');
        await this.sleep(backoff * (0.5 + Math.random()));
        backoff = Math.min(backoff * 2, max);
      }
    }
  }

  private markConnected(failures: number): void {
    if (failures > 0) this.log.info({ failures }, 'list/watch reconnected');
    this.connectedFlag = true;
  }

  /** Lists, replaces the cache and delivers only the difference, in one batch. */
  private async relist(): Promise<void> {
    const list = await this.options.http.list<T>(this.options.path, this.options.params ?? {});
    if (this.stopped) return;
    const upserts: T[] = [];
    const deletes: T[] = [];
    const seen = new Set<string>();
    for (const obj of list.items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.objects.get(key);
      if (!old || old.metadata.resourceVersion !== obj.metadata.resourceVersion) upserts.push(obj);
      this.objects.set(key, obj);
    }
    for (const [key, obj] of this.objects) {
      if (!seen.has(key)) {
        this.objects.delete(key);
        deletes.push(obj);
      }
    }
    this.resourceVersion = list.resourceVersion;
    this.connectedFlag = true;
    const first = !this.syncedFlag;
    this.syncedFlag = true;
    if (upserts.length > 0 || deletes.length > 0 || first) this.deliver({ upserts, deletes, relist: true });
    if (first) this.resolveSynced();
  }

  private onEvent(type: string, obj: T): void {
    if (this.stopped) return;
    if (obj?.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    if (type === 'BOOKMARK' || !obj?.metadata?.name) return;
    const key = objectKey(obj);
    if (type === 'DELETED') {
      const old = this.objects.get(key);
      this.objects.delete(key);
      this.deliver({ upserts: [], deletes: [old ?? obj], relist: false });
    } else if (type === 'ADDED' || type === 'MODIFIED') {
      this.objects.set(key, obj);
      this.deliver({ upserts: [obj], deletes: [], relist: false });
    }
  }

  /** A throwing consumer must not kill the watch loop. */
  private deliver(batch: InformerBatch<T>): void {
    try {
      this.options.onBatch(batch);
    } catch (err) {
      this.log.error({ err }, 'informer handler failed');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
      this.sleepTimer.unref();
    });
  }
}
