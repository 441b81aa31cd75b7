/**
 * The Eureka service registry (Istio's Eureka adapter, removed in Istio 1.0, brought back), as a
 * Eureka client fetches (https://github.com/Netflix/eureka/wiki/Eureka-REST-operations): one full
 * fetch of `/apps`, then `/apps/delta` every interval, reconciled by the apps hashcode — when the
 * delta applied to the local copy does not give the server's hashcode, a full fetch follows.
 * Conversion (`conversion.ts`) is pure; this file only does the HTTP and the bookkeeping.
 *
 * Outages (issue 7): a failed fetch leaves every converted service and endpoint in place, marks
 * the registry stale (SyncState: a log line, `meshplane_registry_stale{provider="eureka"}`) and
 * retries with back-off; after an outage the first good answer is a full fetch, applied as is
 * (an empty registry included), which ends the outage.
 */
import { moduleLogger, type Logger } from '../../util/log.js';
import type { RegistrySyncMetrics } from '../../util/metrics.js';
import { getJson } from '../http-json.js';
import { RemoteRegistry } from '../remote-registry.js';
import { backoffMs, sleep } from '../sync-state.js';
import {
  applyDelta,
  appsHashcode,
  convertEurekaInstances,
  EUREKA_PROVIDER,
  indexInstances,
  parseApplications,
  type EurekaApplications,
  type EurekaInstance,
} from './conversion.js';
import { parseEurekaUrl, type EurekaConnection } from './settings.js';

export interface EurekaRegistryOptions {
  /** `--eureka-url`, query parameters included (settings.ts). */
  readonly url: string;
  readonly logger?: Logger;
  readonly metrics?: RegistrySyncMetrics;
  /** Overrides the URL's `interval` (tests). */
  readonly intervalMs?: number;
  readonly requestTimeoutMs?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

export class EurekaRegistry extends RemoteRegistry {
  private readonly connection: EurekaConnection;
  private readonly abort = new AbortController();
  /** The server's registry as last fetched, every status included (the hashcode counts them all). */
  private state: Map<string, EurekaInstance> | undefined;
  private started = false;
  /** Full fetches done (debug view, tests). */
  fullFetches = 0;

  constructor(private readonly options: EurekaRegistryOptions) {
    super(EUREKA_PROVIDER, options.logger ?? moduleLogger('eureka-registry'), options.metrics);
    const parsed = parseEurekaUrl(options.url);
    if (!parsed.ok) throw new Error(parsed.error);
    this.connection = parsed.value;
  }

  /** Starts fetching; resolves at once (see `waitForSync`). */
  start(): Promise<void> {
    if (this.started) return Promise.resolve();
    this.started = true;
    this.log.info(
      { url: this.connection.baseUrl, intervalMs: this.interval(), ...this.connection.settings },
      'following the Eureka registry',
    );
    void this.loop();
    return Promise.resolve();
  }

  close(): void {
    this.abort.abort();
  }

  private interval(): number {
    return this.options.intervalMs ?? this.connection.intervalMs;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (this.state === undefined) await this.fullFetch();
        else await this.deltaFetch(this.state);
        if (signal.aborted) return;
        failures = 0;
        this.sync.succeeded();
        this.sync.markSynced();
        await sleep(this.interval(), signal);
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        // After a failure, trust nothing incremental: the next good answer is a full fetch.
        this.state = undefined;
        this.sync.failed(err, 'fetch');
        const o = this.options;
        await sleep(backoffMs(failures, o.backoffBaseMs ?? 500, o.backoffMaxMs ?? 10_000), signal);
      }
    }
  }

  private async get(path: string): Promise<EurekaApplications> {
    const res = await getJson(`${this.connection.baseUrl}${path}`, {
      signal: this.abort.signal,
      timeoutMs: this.options.requestTimeoutMs ?? 15_000,
    });
    const apps = parseApplications(res.body);
    if (!apps) throw new Error(`GET ${path}: not an {"applications": ...} document`);
    return apps;
  }

  private async fullFetch(): Promise<void> {
    const apps = await this.get('/apps');
    if (this.abort.signal.aborted) return;
    this.fullFetches++;
    this.apply(indexInstances(apps.instances));
  }

  private async deltaFetch(state: ReadonlyMap<string, EurekaInstance>): Promise<void> {
    const delta = await this.get('/apps/delta');
    if (this.abort.signal.aborted) return;
    const next = applyDelta(state, delta.instances);
    const local = appsHashcode(next.values());
    if (local !== delta.hashcode) {
      this.log.debug({ local, server: delta.hashcode }, 'eureka apps hashcode mismatch: full fetch');
      await this.fullFetch();
      return;
    }
    this.apply(next);
  }

  private apply(state: Map<string, EurekaInstance>): void {
    this.state = state;
    this.emit(this.snapshot.replaceAll(convertEurekaInstances(state.values(), this.connection.settings)));
  }
}
