/**
 * Reachability of a remote registry (Consul, Eureka), as one small state machine shared by their
 * controllers so both say the same thing the same way (issue 7, "outages"):
 * - a failed request (network error, timeout, non-2xx, unparsable body) marks the registry
 *   **stale**: its last known services and endpoints keep being served, one warn log line says so
 *   (once per outage, not per retry), `meshplane_registry_stale{provider}` goes to 1 and
 *   `meshplane_registry_sync_errors_total{provider}` counts every failed attempt;
 * - the first good answer ends the outage: one info log line, the gauge back to 0;
 * - a good answer that happens to be empty is a good answer: it removes services, and is never
 *   confused with a failure (nor a failure with an empty answer: a failure changes no data).
 */
import type { Logger } from '../util/log.js';
import type { RegistrySyncMetrics } from '../util/metrics.js';

export class SyncState {
  /** Sources (one per watch loop) whose last request failed. */
  private readonly failing = new Set<string>();
  private hasSynced = false;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly provider: string,
    private readonly log: Logger,
    private readonly metrics?: RegistrySyncMetrics,
  ) {
    metrics?.registryStale(provider, false);
  }

  /** True while some request to the registry fails and last known data is being served. */
  get stale(): boolean {
    return this.failing.size > 0;
  }

  /** True once one complete answer has been applied (`markSynced`). */
  get synced(): boolean {
    return this.hasSynced;
  }

  /** A request of `source` (a watch loop; `''` when there is one) failed. */
  failed(err: unknown, what: string, source = ''): void {
    this.metrics?.registrySyncError(this.provider);
    const message = err instanceof Error ? err.message : String(err);
    const wasStale = this.stale;
    this.failing.add(source);
    if (wasStale) {
      this.log.debug({ provider: this.provider, what, err: message }, 'retry failed');
      return;
    }
    this.metrics?.registryStale(this.provider, true);
    this.log.warn(
      { provider: this.provider, what, err: message },
      `${this.provider} registry unreachable: serving last known endpoints (stale) until it answers`,
    );
  }

  /** A request of `source` got a good answer (possibly an empty one). */
  succeeded(source = ''): void {
    if (!this.failing.delete(source) || this.failing.size > 0) return;
    this.metrics?.registryStale(this.provider, false);
    this.log.info({ provider: this.provider }, `${this.provider} registry reachable again: resynced`);
  }

  /** A source went away (e.g. a Consul service left the catalog): its failures no longer count. */
  forget(source: string): void {
    if (this.failing.has(source)) this.succeeded(source);
  }

  /** The first complete view of the registry has been applied. */
  markSynced(): void {
    if (this.hasSynced) return;
    this.hasSynced = true;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves on the first complete view, or after `timeoutMs` (whichever first); true if synced. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.hasSynced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref?.();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

/** Retry delay after `failures` consecutive failures: doubling from `baseMs`, capped at `maxMs`. */
export function backoffMs(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 20));
}

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
