/**
 * `meshplane discovery`: Galley and Pilot in one process, as istiod runs them, wired through the
 * same code path as `meshplane galley` + `meshplane pilot`: Galley's MCP server listens on
 * 127.0.0.1 (a free port, or `--mcp-address` to also serve Pilots elsewhere) and this process's
 * Pilot subscribes to it with the MCP client, over loopback gRPC, with the same codec, validation
 * and reconnect logic as a remote Pilot. The monitoring server reports readiness once Galley has
 * loaded its sources and Pilot has received them and serves xDS.
 */
import type { FastifyInstance } from 'fastify';
import { Galley } from './galley/galley.js';
import type { DiscoveryOptions } from './options.js';
import { McpPilot } from './pilot/mcp-pilot.js';
import { startMonitoringServer, type DebugView } from './pilot/monitoring-server.js';
import { pickXdsSecurityOptions } from './security/xds-security.js';
import { moduleLogger, type Logger } from './util/log.js';
import { MeshplaneMetrics } from './util/metrics.js';
import { pickServerConnectionOptions } from './xds/server-channel-options.js';

export class Discovery {
  private readonly log: Logger;
  private readonly root: Logger;
  private galley: Galley | undefined;
  private pilot: McpPilot | undefined;
  private http: FastifyInstance | undefined;
  private configLoaded = false;
  private draining = false;
  /** The process's one metrics registry, served on `/metrics`. */
  readonly metrics = new MeshplaneMetrics({ processMetrics: true });

  constructor(
    private readonly options: DiscoveryOptions,
    logger: Logger,
  ) {
    this.root = logger;
    this.log = moduleLogger('discovery', logger);
  }

  async start(): Promise<void> {
    const opts = this.options;
    const registryNames = new Set(opts.registries ?? (opts.kubeconfig ? ['kubernetes'] : []));
    for (const r of registryNames) {
      if (r !== 'serviceentry' && r !== 'kubernetes' && r !== 'consul' && r !== 'eureka')
        throw new Error(`--registries: registry ${r} is not built yet`);
    }
    const logger = this.root;
    const galleyViews = (): Record<string, DebugView> => this.galley?.debugViews() ?? {};
    const pilotViews = (): Record<string, DebugView> => this.pilot?.debugViews() ?? {};
    this.http = await startMonitoringServer({
      address: opts.httpAddress,
      logger,
      isReady: () => this.configLoaded && (this.pilot?.isReady() ?? false),
      isDraining: () => this.draining,
      metrics: this.metrics,
      debug: {
        syncz: (q) => pilotViews()['syncz']?.(q) ?? [],
        configz: (q) => ({
          version: (pilotViews()['configz']?.(q) as { version?: unknown } | undefined)?.version,
          configs: this.galley?.configs() ?? [],
          rejected: this.galley?.rejected() ?? [],
        }),
        registryz: (q) => pilotViews()['registryz']?.(q) ?? [],
        endpointz: (q) => pilotViews()['endpointz']?.(q) ?? [],
        config_dump: (q) => pilotViews()['config_dump']?.(q) ?? {},
        push_status: (q) => pilotViews()['push_status']?.(q) ?? {},
        mcpz: (q) => galleyViews()['mcpz']?.(q) ?? {},
        mcp: (q) => pilotViews()['mcp']?.(q) ?? {},
      },
    });
    const kube = Boolean(opts.kubeconfig) || registryNames.has('kubernetes');
    this.galley = new Galley({
      configDir: opts.configDir,
      kubeconfig: opts.kubeconfig,
      inCluster: kube && !opts.kubeconfig,
      watchCore: registryNames.has('kubernetes'),
      namespaceSelector: opts.namespaceSelector,
      mcpAddress: opts.mcpAddress ?? '127.0.0.1:0',
      webhookAddress: opts.webhookAddress,
      webhookCert: opts.webhookCert,
      webhookKey: opts.webhookKey,
      webhookService: opts.webhookService,
      caSecretNamespace: opts.caSecretNamespace,
      domainSuffix: opts.domainSuffix,
      logger,
      metrics: this.metrics,
      // Issue 8: replicas agree on `Reconciled` through reports and a leader Lease.
      replicaId: opts.replicaId,
      statusNamespace: opts.statusNamespace,
      statusReportTtlMs: opts.statusReportTtlMs,
      leaderLeaseDurationMs: opts.leaderLeaseDurationMs,
    });
    const mcpPort = await this.galley.start();
    this.pilot = new McpPilot({
      mcpServer: `127.0.0.1:${mcpPort}`,
      registries: [...registryNames] as ('kubernetes' | 'consul' | 'eureka' | 'serviceentry')[],
      consulAddress: opts.consulAddress,
      eurekaUrl: opts.eurekaUrl,
      xdsAddress: opts.xdsAddress,
      debounceAfterMs: opts.debounceAfterMs,
      debounceMaxMs: opts.debounceMaxMs,
      domainSuffix: opts.domainSuffix,
      logger,
      metrics: this.metrics,
      nodeId: `discovery~${process.pid}`,
      // Galley lives in this process: a dropped loopback stream is retried quickly.
      mcpMaxBackoffMs: 1000,
      connection: pickServerConnectionOptions(opts),
      // xDS over TLS; bearer tokens are reviewed by the Kubernetes API Galley watches.
      security: pickXdsSecurityOptions(opts, {
        kubeconfig: opts.kubeconfig,
        inCluster: kube && !opts.kubeconfig,
      }),
      // Issue 8: configs proxies NACK get a `Reconciled` condition (Kubernetes) or a log line.
      onRejectedConfigs: (list) => this.galley?.reportRejections(list),
    });
    await this.pilot.start();
    this.configLoaded = true;
    this.log.info(
      { xds: opts.xdsAddress, http: opts.httpAddress, mcp: mcpPort },
      'meshplane discovery ready',
    );
  }

  /**
   * Graceful shutdown (SIGTERM), each phase logged: /ready turns 503 at once so the Service
   * stops sending new proxies here; xDS stops taking streams and ends the open ones spread over
   * `drainMs` so proxies reconnect to other replicas without a stampede; then Galley (sources,
   * status writer flushed with the time left, webhook, MCP) and last the HTTP server.
   */
  async stop(drainMs = 0): Promise<void> {
    const started = Date.now();
    this.draining = true;
    this.log.info({ drainMs }, 'shutdown: /ready answers 503, draining xDS streams');
    await this.pilot?.stop(drainMs);
    this.log.info({ ms: Date.now() - started }, 'shutdown: xDS drained, stopping galley');
    await this.galley?.stop(Math.max(0, drainMs - (Date.now() - started)));
    this.log.info({ ms: Date.now() - started }, 'shutdown: galley stopped, closing the HTTP server');
    await this.http?.close();
    this.log.info({ ms: Date.now() - started }, 'shutdown: done');
  }
}
