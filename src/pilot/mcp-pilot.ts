/**
 * Pilot fed over MCP (design §1): an {@link McpClient} fills a local ConfigStore (Istio kinds) and
 * a local copy of the Kubernetes core objects from Galley, and the usual Pilot wiring reads them:
 * the ServiceEntry registry on the store, the Kubernetes registry on the core objects. Pilot
 * never talks to Kubernetes itself, and several Pilots can share one Galley.
 *
 * xDS starts serving only once every collection has been received, so a proxy never sees a
 * half-loaded mesh. When Galley goes away Pilot keeps serving what it holds; the client catches
 * up on reconnect, and a reconnect that brings no change reaches no proxy.
 */
import type { ApplyOutcome } from '../mcp/apply.js';
import { hostname } from 'node:os';
import { ConfigStore } from '../galley/config-store.js';
import { KubeCoreObjects } from '../galley/sources/kube-core.js';
import { McpApplier } from '../mcp/apply.js';
import { McpClient } from '../mcp/client.js';
import { CORE_COLLECTIONS, ISTIO_COLLECTIONS } from '../mcp/collections.js';
import { ISTIO_KINDS } from '../model/config.js';
import { KubeRegistry } from '../registry/kube/controller.js';
import type { ServiceRegistry } from '../registry/registry.js';
import {
  REMOTE_REGISTRY_NAMES,
  startRemoteRegistries,
  type RemoteRegistries,
} from '../registry/remote-registries.js';
import { ServiceEntryRegistry } from '../registry/serviceentry/controller.js';
import { setupSecureXds, type XdsSecurityOptions } from '../security/xds-security.js';
import { moduleLogger, type Logger } from '../util/log.js';
import type { ServerConnectionOptions } from '../xds/server-channel-options.js';
import type { MeshplaneMetrics } from '../util/metrics.js';
import { buildPilotDebugViews } from './debug/pilot-debug-views.js';
import type { RejectedConfig } from './debug/rejected-configs.js';
import type { DebugView } from './monitoring-server.js';
import { buildGeneratorMap } from './generators/index.js';
import { Pilot } from './pilot.js';

export type RegistryName = 'kubernetes' | 'consul' | 'eureka' | 'serviceentry';

export interface McpPilotOptions {
  /** Galley's MCP address, `host:port`. */
  readonly mcpServer: string;
  readonly registries: readonly RegistryName[];
  readonly xdsAddress: string;
  readonly debounceAfterMs: number;
  readonly debounceMaxMs: number;
  readonly domainSuffix: string;
  readonly logger: Logger;
  readonly metrics?: MeshplaneMetrics;
  /** Node id shown in Galley's `/debug/mcpz` (default `pilot~HOSTNAME~PID`). */
  readonly nodeId?: string;
  readonly mcpInitialBackoffMs?: number;
  readonly mcpMaxBackoffMs?: number;
  /** `--consul-address` and `--eureka-url` (registry/remote-registries.ts). */
  readonly consulAddress?: string;
  readonly eurekaUrl?: string;
  /** Keepalive and maximum connection age of xDS connections. */
  readonly connection?: ServerConnectionOptions;
  /** Configs proxies reject, on every change (`meshplane discovery` hands them to Galley). */
  readonly onRejectedConfigs?: (list: readonly RejectedConfig[]) => void;
  /** xDS over TLS and its client authentication (`--secure-xds-address`...); absent: plaintext only. */
  readonly security?: XdsSecurityOptions;
}

export class McpPilot {
  /** Pilot's copy of the Istio config, written only by the MCP client. */
  readonly store: ConfigStore;
  private readonly core = new KubeCoreObjects(() => true);
  private readonly client: McpClient;
  private readonly log: Logger;
  private pilot: Pilot | undefined;
  private kubeRegistry: KubeRegistry | undefined;
  private remote: RemoteRegistries | undefined;
  private stopped = false;

  constructor(private readonly options: McpPilotOptions) {
    this.log = moduleLogger('mcp-pilot', options.logger);
    for (const r of options.registries) {
      if (r !== 'serviceentry' && r !== 'kubernetes' && !REMOTE_REGISTRY_NAMES.includes(r))
        throw new Error(`--registries: registry ${r} is not built yet`);
    }
    this.store = new ConfigStore(options.logger);
    const kube = options.registries.includes('kubernetes');
    const applier = new McpApplier({
      store: this.store,
      ...(kube ? { core: this.core } : {}),
    });
    this.client = new McpClient({
      address: options.mcpServer,
      collections: [...ISTIO_COLLECTIONS, ...(kube ? CORE_COLLECTIONS : [])].map((c) => c.typeUrl),
      applier,
      nodeId: options.nodeId ?? `pilot~${hostname()}~${process.pid}`,
      nodeMetadata: { COMPONENT: 'pilot' },
      logger: options.logger,
      ...(options.mcpInitialBackoffMs !== undefined ? { initialBackoffMs: options.mcpInitialBackoffMs } : {}),
      ...(options.mcpMaxBackoffMs !== undefined ? { maxBackoffMs: options.mcpMaxBackoffMs } : {}),
      ...(options.metrics ? { onApplied: (o: ApplyOutcome) => options.metrics!.mcpApplied(o) } : {}),
    });
    options.metrics?.setMcpSubscription(() => {
      const status = this.client.status();
      return {
        connected: status.connected,
        collections: status.collections.map((c) => ({ collection: c.collection, resources: c.resources })),
      };
    });
  }

  /** Connects to Galley, waits for the first full copy of every collection, then serves xDS. */
  async start(): Promise<number> {
    const opts = this.options;
    // Certificates and authentication first: a bad flag or CA directory fails the start at once.
    const secureXds = opts.security ? await setupSecureXds(opts.security, opts.logger) : undefined;
    if (opts.xdsAddress === 'off' && !secureXds)
      throw new Error('--xds-address off and no --secure-xds-address: nothing would serve xDS');
    this.client.start();
    this.log.info({ galley: opts.mcpServer }, 'waiting for the initial config from Galley');
    await this.client.synced();
    if (this.stopped) return 0;
    const registries: ServiceRegistry[] = [
      new ServiceEntryRegistry(this.store, {
        domainSuffix: opts.domainSuffix,
        logger: moduleLogger('serviceentry', opts.logger),
      }),
    ];
    if (opts.registries.includes('kubernetes')) {
      this.kubeRegistry = new KubeRegistry(this.core, {
        domainSuffix: opts.domainSuffix,
        logger: opts.logger,
      });
      registries.push(this.kubeRegistry);
    }
    // Consul and Eureka, after the config-backed registries (the aggregate's precedence).
    this.remote = await startRemoteRegistries({
      registries: opts.registries,
      consulAddress: opts.consulAddress,
      eurekaUrl: opts.eurekaUrl,
      logger: opts.logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
    if (this.stopped) {
      this.remote.close();
      return 0;
    }
    registries.push(...this.remote.registries);
    const pilot = new Pilot({
      store: this.store,
      registries,
      xdsAddress: opts.xdsAddress,
      ...(secureXds ? { secureXds } : {}),
      debounceAfterMs: opts.debounceAfterMs,
      debounceMaxMs: opts.debounceMaxMs,
      domainSuffix: opts.domainSuffix,
      logger: opts.logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      ...(opts.connection ? { connection: opts.connection } : {}),
      ...(opts.onRejectedConfigs ? { onRejectedConfigs: opts.onRejectedConfigs } : {}),
    });
    this.pilot = pilot;
    const metrics = opts.metrics;
    metrics?.setConnectedProxies(() => pilot.connections().length);
    metrics?.setServices(() => pilot.pushContext().services().length);
    return pilot.start();
  }

  isReady(): boolean {
    return this.client.isSynced() && (this.pilot?.isServing() ?? false);
  }

  /** Debug views (`/debug/<name>`) Pilot contributes to whichever HTTP server hosts it. */
  debugViews(): Record<string, DebugView> {
    const pilotViews = buildPilotDebugViews({
      connections: () => this.pilot?.connections() ?? [],
      pushContext: () => this.pilot?.pushContext(),
      // The same map Pilot serves from (pilot.ts builds it with no extras).
      generators: buildGeneratorMap(),
    });
    return {
      ...pilotViews,
      mcp: () => this.client.status(),
      configz: () => ({
        version: this.pilot?.pushContext().version,
        configs: ISTIO_KINDS.flatMap((k) => [...this.store.list(k)]),
      }),
    };
  }

  /** Stops; with `drainMs`, proxies' streams end spread over that window (graceful shutdown). */
  async stop(drainMs?: number): Promise<void> {
    this.stopped = true;
    this.client.stop();
    this.kubeRegistry?.close();
    this.remote?.close();
    await this.pilot?.stop(drainMs);
  }
}
