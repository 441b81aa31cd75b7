/**
 * `meshplane galley` and `meshplane pilot`: one half of the control plane plus its HTTP
 * monitoring address (`/ready`, `/healthz`, `/metrics`, `/debug/...`). The HTTP server comes up
 * first, so probes see 503 while the component loads, then 200 once it is ready.
 */
import type { RejectionReports } from './galley/status/rejection-reports.js';
import { startPilotReports } from './pilot/pilot-reports.js';
import type { FastifyInstance } from 'fastify';
import { Galley } from './galley/galley.js';
import type { GalleyOptions, PilotOptions } from './options.js';
import { McpPilot } from './pilot/mcp-pilot.js';
import { startMonitoringServer, type DebugView } from './pilot/monitoring-server.js';
import { pickXdsSecurityOptions } from './security/xds-security.js';
import type { Logger } from './util/log.js';
import { MeshplaneMetrics } from './util/metrics.js';
import { pickServerConnectionOptions } from './xds/server-channel-options.js';

interface Component {
  start(): Promise<unknown>;
  /** `drainMs`: graceful shutdown budget (Pilot spreads stream ends, Galley flushes status). */
  stop(drainMs?: number): Promise<void>;
  isReady(): boolean;
  debugViews(): Record<string, DebugView>;
}

export class ComponentServer {
  private http: FastifyInstance | undefined;
  private readonly metrics = new MeshplaneMetrics({ processMetrics: true });
  private readonly component: Component;
  private draining = false;
  /** `meshplane pilot` against Kubernetes: this replica's rejection report. */
  private reports: RejectionReports | undefined;

  constructor(
    private readonly options: GalleyOptions | PilotOptions,
    private readonly logger: Logger,
  ) {
    const o = options;
    this.component =
      o.command === 'galley'
        ? new Galley({
            configDir: o.configDir,
            kubeconfig: o.kubeconfig,
            // Galley alone serves Pilots that may run the Kubernetes registry: watch core objects.
            watchCore: true,
            namespaceSelector: o.namespaceSelector,
            mcpAddress: o.mcpAddress,
            webhookAddress: o.webhookAddress,
            webhookCert: o.webhookCert,
            webhookKey: o.webhookKey,
            webhookService: o.webhookService,
            caSecretNamespace: o.caSecretNamespace,
            domainSuffix: o.domainSuffix,
            replicaId: o.replicaId,
            statusNamespace: o.statusNamespace,
            statusReportTtlMs: o.statusReportTtlMs,
            leaderLeaseDurationMs: o.leaderLeaseDurationMs,
            logger,
            metrics: this.metrics,
          })
        : new McpPilot({
            mcpServer: o.mcpServer,
            registries: o.registries ?? [],
            consulAddress: o.consulAddress,
            eurekaUrl: o.eurekaUrl,
            xdsAddress: o.xdsAddress,
            debounceAfterMs: o.debounceAfterMs,
            debounceMaxMs: o.debounceMaxMs,
            domainSuffix: o.domainSuffix,
            logger,
            metrics: this.metrics,
            connection: pickServerConnectionOptions(o),
            security: pickXdsSecurityOptions(o, { kubeconfig: o.kubeconfig }),
            // Galley writes the `Reconciled` conditions; a Pilot apart publishes what its proxies
            // reject as its replica report, which the status leader merges (pilot-reports.ts).
            onRejectedConfigs: (list) => this.reports?.publish(list),
          });
  }

  async start(): Promise<void> {
    const component = this.component;
    this.http = await startMonitoringServer({
      address: this.options.httpAddress,
      logger: this.logger,
      isReady: () => component.isReady(),
      isDraining: () => this.draining,
      metrics: this.metrics,
      debug: component.debugViews(),
    });
    await component.start();
    if (component instanceof Galley) {
      // Galley alone has no proxies of its own: its report is empty from the start, so as the
      // status leader it merges the Pilots' reports at once.
      component.reportRejections([]);
    } else if (this.options.command === 'pilot' && this.options.kubeconfig && this.options.replicaId) {
      this.reports = await startPilotReports({
        kubeconfig: this.options.kubeconfig,
        namespace: this.options.statusNamespace,
        replicaId: this.options.replicaId,
        reportTtlMs: this.options.statusReportTtlMs,
        logger: this.logger,
      });
    }
    this.logger.info(
      { command: this.options.command, http: this.options.httpAddress },
      `meshplane ${this.options.command} ready`,
    );
  }

  /** Graceful shutdown: /ready 503 at once, the component drains within `drainMs`, then HTTP. */
  async stop(drainMs = 0): Promise<void> {
    this.draining = true;
    this.logger.info({ command: this.options.command, drainMs }, 'shutdown: /ready answers 503, draining');
    await this.component.stop(drainMs);
    await this.reports?.stop();
    this.logger.info({ command: this.options.command }, 'shutdown: stopped, closing the HTTP server');
    await this.http?.close();
  }
}
