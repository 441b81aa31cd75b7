/**
 * The Consul service registry (Istio's Consul adapter, removed in Istio 1.8, brought back):
 * a blocking query on `/v1/catalog/services` follows the set of services, and one blocking query
 * per service on `/v1/health/service/:name` follows its instances and their health. Conversion
 * (`conversion.ts`) is pure; this file only does the HTTP and the bookkeeping.
 *
 * Outages (issue 7): a failed request leaves every converted service and endpoint in place, marks
 * the registry stale (SyncState: a log line, `meshplane_registry_stale{provider="consul"}`) and
 * retries with back-off; the next good answer (an empty one included) is applied as is and ends
 * the outage. A service leaving the catalog is removed; a service whose health query fails is kept.
 */
import { readFile } from 'node:fs/promises';
import { moduleLogger, type Logger } from '../../util/log.js';
import type { RegistrySyncMetrics } from '../../util/metrics.js';
import { redact } from '../http-json.js';
import { RemoteRegistry } from '../remote-registry.js';
import { runBlockingQuery } from './blocking-query.js';
import {
  consulHealthEntries,
  consulHostname,
  consulServiceNames,
  convertConsulService,
  CONSUL_PROVIDER,
} from './conversion.js';
import { parseConsulAddress, type ConsulConnection } from './settings.js';

export interface ConsulRegistryOptions {
  /** `--consul-address`, query parameters included (settings.ts). */
  readonly address: string;
  readonly logger?: Logger;
  readonly metrics?: RegistrySyncMetrics;
  /** Back-off of failed requests (tests shorten it). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Least time between requests that did not advance the index (tests shorten it). */
  readonly minIdleIntervalMs?: number;
}

interface Watch {
  readonly abort: AbortController;
  /** Whether one answer has been applied (initial sync). */
  answered: boolean;
}

export class ConsulRegistry extends RemoteRegistry {
  private readonly connection: ConsulConnection;
  private readonly watches = new Map<string, Watch>();
  private readonly root = new AbortController();
  private headers: Record<string, string> = {};
  private catalogAnswered = false;
  private started = false;

  constructor(private readonly options: ConsulRegistryOptions) {
    super(CONSUL_PROVIDER, options.logger ?? moduleLogger('consul-registry'), options.metrics);
    const parsed = parseConsulAddress(options.address);
    if (!parsed.ok) throw new Error(parsed.error);
    this.connection = parsed.value;
  }

  /** Starts following Consul; resolves at once (see `waitForSync`). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const c = this.connection;
    let token = c.token;
    if (c.tokenFile) token = (await readFile(c.tokenFile, 'utf8')).trim();
    this.headers = token ? { 'x-consul-token': token } : {};
    this.log.info(
      { address: redact(c.baseUrl), datacenter: c.datacenter, acl: Boolean(token), ...c.settings },
      'following the Consul catalog',
    );
    void runBlockingQuery({
      url: this.url('/v1/catalog/services'),
      headers: this.headers,
      waitSeconds: c.waitSeconds,
      signal: this.root.signal,
      onResult: (body) => this.onCatalog(body),
      onError: (err) => this.sync.failed(err, 'catalog', 'catalog'),
      ...this.loopTiming(),
    });
  }

  close(): void {
    this.root.abort();
    for (const w of this.watches.values()) w.abort.abort();
    this.watches.clear();
  }

  private loopTiming(): { minIdleIntervalMs?: number; backoffBaseMs?: number; backoffMaxMs?: number } {
    const o = this.options;
    return {
      ...(o.minIdleIntervalMs !== undefined ? { minIdleIntervalMs: o.minIdleIntervalMs } : {}),
      ...(o.backoffBaseMs !== undefined ? { backoffBaseMs: o.backoffBaseMs } : {}),
      ...(o.backoffMaxMs !== undefined ? { backoffMaxMs: o.backoffMaxMs } : {}),
    };
  }

  private url(path: string): string {
    const dc = this.connection.datacenter;
    return `${this.connection.baseUrl}${path}${dc ? `?dc=${encodeURIComponent(dc)}` : ''}`;
  }

  private hostKey(name: string): string {
    return `${this.connection.settings.namespace}/${consulHostname(name, this.connection.settings)}`;
  }

  private onCatalog(body: unknown): void {
    const names = consulServiceNames(body);
    if (!names) throw new Error('catalog answer is not an object of service names');
    this.sync.succeeded('catalog');
    const wanted = new Set(names);
    const removed: string[] = [];
    for (const [name, w] of this.watches) {
      if (wanted.has(name)) continue;
      w.abort.abort();
      this.watches.delete(name);
      this.sync.forget(`service:${name}`);
      removed.push(this.hostKey(name));
    }
    for (const name of names) if (!this.watches.has(name)) this.watch(name);
    this.catalogAnswered = true;
    if (removed.length > 0) this.emit(this.snapshot.update([], removed));
    this.checkSynced();
  }

  private watch(name: string): void {
    const w: Watch = { abort: new AbortController(), answered: false };
    this.watches.set(name, w);
    const source = `service:${name}`;
    void runBlockingQuery({
      url: this.url(`/v1/health/service/${encodeURIComponent(name)}`),
      headers: this.headers,
      waitSeconds: this.connection.waitSeconds,
      signal: AbortSignal.any([this.root.signal, w.abort.signal]),
      onResult: (body) => {
        const entries = consulHealthEntries(body);
        if (!entries) throw new Error(`health answer for ${name} is not a list`);
        if (w.abort.signal.aborted) return;
        this.sync.succeeded(source);
        const converted = convertConsulService(name, entries, this.connection.settings);
        this.emit(this.snapshot.update(converted ? [converted] : [], [this.hostKey(name)]));
        w.answered = true;
        this.checkSynced();
      },
      onError: (err) => this.sync.failed(err, `health of ${name}`, source),
      ...this.loopTiming(),
    });
  }

  private checkSynced(): void {
    if (this.sync.synced || !this.catalogAnswered) return;
    for (const w of this.watches.values()) if (!w.answered) return;
    this.sync.markSynced();
  }
}
