/**
 * `meshplane discovery`: Galley and Pilot in one process, as istiod runs them. Galley's sources
 * fill the ConfigStore that Pilot consumes; the monitoring server reports readiness once the
 * initial config is loaded and xDS is serving.
 */
import type { FastifyInstance } from 'fastify';
import { ConfigStore } from './galley/config-store.js';
import { DirectorySource } from './galley/sources/directory-source.js';
import type { DiscoveryOptions } from './options.js';
import { startMonitoringServer } from './pilot/monitoring-server.js';
import { Pilot } from './pilot/pilot.js';
import { ServiceEntryRegistry } from './registry/serviceentry/controller.js';
import { moduleLogger, type Logger } from './util/log.js';

export class Discovery {
  private readonly log: Logger;
  private readonly root: Logger;
  private readonly store: ConfigStore;
  private directory: DirectorySource | undefined;
  private pilot: Pilot | undefined;
  private http: FastifyInstance | undefined;
  private configLoaded = false;

  constructor(
    private readonly options: DiscoveryOptions,
    logger: Logger,
  ) {
    this.root = logger;
    this.log = moduleLogger('discovery', logger);
    this.store = new ConfigStore(logger);
  }

  async start(): Promise<void> {
    const opts = this.options;
    if (opts.kubeconfig) throw new Error('--kubeconfig: the Kubernetes source is not built yet (issue 4)');
    for (const r of opts.registries) {
      if (r !== 'serviceentry') throw new Error(`--registries: registry ${r} is not built yet`);
    }
    const logger = this.root;
    this.http = await startMonitoringServer({
      address: opts.httpAddress,
      logger,
      isReady: () => this.configLoaded && (this.pilot?.isServing() ?? false),
      debug: {
        syncz: () => this.pilot?.connections() ?? [],
        configz: () => ({
          version: this.pilot?.pushContext().version,
          configs: [
            'ServiceEntry',
            'WorkloadEntry',
            'DestinationRule',
            'VirtualService',
            'Gateway',
            'Sidecar',
          ].flatMap((k) => this.store.list(k as 'ServiceEntry')),
          rejected: this.directory?.errors() ?? [],
        }),
        registryz: () => this.pilot?.pushContext().services() ?? [],
        push_status: () => ({
          version: this.pilot?.pushContext().version,
          warnings: this.pilot?.pushContext().warnings ?? [],
        }),
      },
    });
    if (opts.configDir) {
      this.directory = new DirectorySource({ dir: opts.configDir, store: this.store, logger });
      await this.directory.start();
    }
    const serviceEntries = new ServiceEntryRegistry(this.store, {
      domainSuffix: opts.domainSuffix,
      logger: moduleLogger('serviceentry', logger),
    });
    this.pilot = new Pilot({
      store: this.store,
      registries: [serviceEntries],
      xdsAddress: opts.xdsAddress,
      debounceAfterMs: opts.debounceAfterMs,
      debounceMaxMs: opts.debounceMaxMs,
      domainSuffix: opts.domainSuffix,
      logger,
    });
    await this.pilot.start();
    this.configLoaded = true;
    this.log.info({ xds: opts.xdsAddress, http: opts.httpAddress }, 'meshplane discovery ready');
  }

  async stop(): Promise<void> {
    this.directory?.stop();
    await this.pilot?.stop();
    await this.http?.close();
  }
}
