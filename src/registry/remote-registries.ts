/**
 * The remote registries (Consul, Eureka) a Pilot follows besides its config-backed ones, built
 * from `--registries`, `--consul-address` and `--eureka-url`, in the order `--registries` names
 * them (the aggregate's precedence, aggregate.ts). Start waits a bounded time for each one's
 * first complete answer so the first push already carries their endpoints, yet a registry that
 * is down at start never blocks Pilot: it is served (empty, stale) and fills in when it answers.
 */
import type { Logger } from '../util/log.js';
import { moduleLogger } from '../util/log.js';
import type { RegistrySyncMetrics } from '../util/metrics.js';
import { ConsulRegistry } from './consul/controller.js';
import { EurekaRegistry } from './eureka/controller.js';
import type { ServiceRegistry } from './registry.js';

/** Consul's own default agent address (CONSUL_HTTP_ADDR unset). */
export const DEFAULT_CONSUL_ADDRESS = 'http://127.0.0.1:8500';
/** Spring Cloud Netflix's default Eureka server URL. */
export const DEFAULT_EUREKA_URL = 'http://127.0.0.1:8761/eureka';

export interface RemoteRegistryOptions {
  /** `--registries`, in order; names other than consul and eureka are ignored here. */
  readonly registries: readonly string[];
  readonly consulAddress?: string;
  readonly eurekaUrl?: string;
  readonly logger: Logger;
  readonly metrics?: RegistrySyncMetrics;
  /** Longest wait for a registry's first answer at start (default 5 s). */
  readonly initialSyncTimeoutMs?: number;
}

export interface RemoteRegistries {
  readonly registries: readonly ServiceRegistry[];
  close(): void;
}

type Remote = ServiceRegistry & {
  start(): Promise<void>;
  waitForSync(ms: number): Promise<boolean>;
  close(): void;
};

/** Names accepted by `startRemoteRegistries`. */
export const REMOTE_REGISTRY_NAMES: readonly string[] = ['consul', 'eureka'];

export async function startRemoteRegistries(o: RemoteRegistryOptions): Promise<RemoteRegistries> {
  const remotes: Remote[] = [];
  for (const name of new Set(o.registries)) {
    if (name === 'consul') {
      remotes.push(
        new ConsulRegistry({
          address: o.consulAddress ?? DEFAULT_CONSUL_ADDRESS,
          logger: moduleLogger('consul-registry', o.logger),
          ...(o.metrics ? { metrics: o.metrics } : {}),
        }),
      );
    } else if (name === 'eureka') {
      remotes.push(
        new EurekaRegistry({
          url: o.eurekaUrl ?? DEFAULT_EUREKA_URL,
          logger: moduleLogger('eureka-registry', o.logger),
          ...(o.metrics ? { metrics: o.metrics } : {}),
        }),
      );
    }
  }
  try {
    await Promise.all(remotes.map((r) => r.start()));
  } catch (err) {
    for (const r of remotes) r.close();
    throw err;
  }
  const timeout = o.initialSyncTimeoutMs ?? 5000;
  const synced = await Promise.all(remotes.map((r) => r.waitForSync(timeout)));
  remotes.forEach((r, i) => {
    if (!synced[i]) {
      o.logger.warn(
        { provider: r.provider, timeoutMs: timeout },
        `${r.provider} registry has not answered yet: starting without its services, they follow when it answers`,
      );
    }
  });
  return {
    registries: remotes,
    close: () => remotes.forEach((r) => r.close()),
  };
}
