/**
 * What the remote registries (Consul, Eureka) share as Pilot sees them: a snapshot of converted
 * services and endpoints (service-snapshot.ts), the sync and outage state (sync-state.ts), and the
 * change handlers. Each adapter adds only how it talks to its registry and what it converts.
 */
import type { Endpoint, Service } from '../model/service.js';
import type { Logger } from '../util/log.js';
import type { RegistrySyncMetrics } from '../util/metrics.js';
import type { RegistryChange, RegistryChangeHandler, ServiceRegistry } from './registry.js';
import { isEmptyChange, ServiceSnapshot } from './service-snapshot.js';
import { SyncState } from './sync-state.js';

export abstract class RemoteRegistry implements ServiceRegistry {
  protected readonly snapshot = new ServiceSnapshot();
  protected readonly sync: SyncState;
  private readonly handlers: RegistryChangeHandler[] = [];

  protected constructor(
    readonly provider: string,
    protected readonly log: Logger,
    metrics: RegistrySyncMetrics | undefined,
  ) {
    this.sync = new SyncState(provider, log, metrics);
  }

  /** Resolves once every source has answered once, or after `timeoutMs`. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    return this.sync.waitForSync(timeoutMs);
  }

  /** True while the registry cannot be reached and the last known endpoints are served. */
  get stale(): boolean {
    return this.sync.stale;
  }

  services(): readonly Service[] {
    return this.snapshot.services();
  }

  endpoints(service: Service): readonly Endpoint[] {
    if (service.registry !== this.provider) return [];
    return this.snapshot.endpoints(service);
  }

  onChange(handler: RegistryChangeHandler): void {
    this.handlers.push(handler);
  }

  /** Tells the handlers about `change`, unless it changes nothing. */
  protected emit(change: RegistryChange): void {
    if (isEmptyChange(change)) return;
    this.log.debug(change, `${this.provider} registry changed`);
    for (const h of [...this.handlers]) h(change);
  }
}
