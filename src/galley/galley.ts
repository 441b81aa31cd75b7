/**
 * Galley's wiring (design §1): config sources (directory, Kubernetes) validated into one
 * ConfigStore, the validating webhook and status writer when the source is Kubernetes, and the
 * MCP server that distributes the store (and the Kubernetes core objects) to any number of Pilots.
 * `meshplane galley` runs it alone; `meshplane discovery` runs it beside a Pilot that reaches it
 * over loopback MCP, so both commands share this code path.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { ISTIO_KINDS, type Config } from '../model/config.js';
import { McpServer, type McpPeerStatus } from '../mcp/server.js';
import { splitHostPort } from '../pilot/monitoring-server.js';
import { moduleLogger, type Logger } from '../util/log.js';
import type { MeshplaneMetrics } from '../util/metrics.js';
import { ConfigStore } from './config-store.js';
import { DirectorySource } from './sources/directory-source.js';
import { KubeSource } from './sources/kube-source.js';
import { KubeStatusClient } from './status/status-client.js';
import { StatusWriter } from './status/status-writer.js';
import type { ConfigError } from './validation/result.js';
import { webhookCertificates } from './webhook/webhook-certs.js';
import { WebhookConfigPatcher } from './webhook/webhook-config-patcher.js';
import { WebhookServer } from './webhook/webhook-server.js';

export interface GalleyOptions {
  readonly configDir?: string;
  readonly kubeconfig?: string;
  /** Read Kubernetes even without --kubeconfig (in-cluster credentials). */
  readonly inCluster?: boolean;
  /** Also watch Services, EndpointSlices, Pods and Nodes, and serve them over MCP. */
  readonly watchCore: boolean;
  readonly namespaceSelector?: Readonly<Record<string, string>>;
  /** `host:port` for MCP; port 0 picks a free one (the in-process discovery uses 127.0.0.1:0). */
  readonly mcpAddress: string;
  readonly webhookAddress: string;
  readonly webhookCert?: string;
  readonly webhookKey?: string;
  readonly webhookService: string;
  readonly domainSuffix: string;
  readonly logger: Logger;
  readonly metrics?: MeshplaneMetrics;
}

export class Galley {
  readonly store: ConfigStore;
  private readonly log: Logger;
  private directory: DirectorySource | undefined;
  private kube: KubeSource | undefined;
  private mcp: McpServer | undefined;
  private webhook: WebhookServer | undefined;
  private webhookPatcher: WebhookConfigPatcher | undefined;
  private statusWriter: StatusWriter | undefined;
  private loaded = false;
  private port = 0;

  constructor(private readonly options: GalleyOptions) {
    this.log = moduleLogger('galley', options.logger);
    this.store = new ConfigStore(options.logger);
  }

  /** Loads every source, then serves MCP; resolves to the MCP port. */
  async start(): Promise<number> {
    const opts = this.options;
    const logger = opts.logger;
    if (opts.configDir) {
      this.directory = new DirectorySource({
        dir: opts.configDir,
        store: this.store,
        logger,
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
      });
      await this.directory.start();
    }
    if (opts.kubeconfig || opts.inCluster) {
      const kubeConfig = new KubeConfig();
      if (opts.kubeconfig) kubeConfig.loadFromFile(opts.kubeconfig);
      else kubeConfig.loadFromCluster();
      await this.startWebhook(kubeConfig);
      const statusWriter = new StatusWriter({ client: new KubeStatusClient(kubeConfig), logger });
      this.statusWriter = statusWriter;
      this.kube = new KubeSource({
        kubeConfig,
        store: this.store,
        logger,
        namespaceSelector: opts.namespaceSelector,
        watchCore: opts.watchCore,
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
        onVerdict: (v) => statusWriter.observe(v),
      });
      await this.kube.start();
    }
    this.mcp = new McpServer({ store: this.store, ...(this.kube ? { core: this.kube.core } : {}), logger });
    this.port = await this.mcp.start(opts.mcpAddress);
    this.loaded = true;
    this.log.info({ mcp: opts.mcpAddress, port: this.port, configs: this.store.size() }, 'galley ready');
    return this.port;
  }

  /** The MCP port actually bound. */
  mcpPort(): number {
    return this.port;
  }

  isReady(): boolean {
    return this.loaded && (this.mcp?.isServing() ?? false);
  }

  /** Connected Pilots and what each has acknowledged. */
  peers(): McpPeerStatus[] {
    return this.mcp?.peers() ?? [];
  }

  configs(): Config[] {
    return ISTIO_KINDS.flatMap((k) => [...this.store.list(k)]);
  }

  /** Objects rejected by validation, by any source. */
  rejected(): ConfigError[] {
    return [...(this.directory?.errors() ?? []), ...(this.kube?.errors() ?? [])];
  }

  /** Debug views (`/debug/<name>`) Galley contributes to whichever HTTP server hosts it. */
  debugViews(): Record<string, () => unknown> {
    return {
      mcpz: () => ({ served: this.mcp?.served() ?? {}, pilots: this.peers() }),
      configz: () => ({ configs: this.configs(), rejected: this.rejected() }),
    };
  }

  private async startWebhook(kubeConfig: KubeConfig): Promise<void> {
    const opts = this.options;
    const certificates = await webhookCertificates({
      certFile: opts.webhookCert,
      keyFile: opts.webhookKey,
      service: opts.webhookService,
      domainSuffix: opts.domainSuffix,
      listenHost: splitHostPort(opts.webhookAddress).host,
    });
    this.webhook = await WebhookServer.start({
      address: opts.webhookAddress,
      certificates,
      logger: opts.logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
    if (certificates.caPem) {
      this.webhookPatcher = new WebhookConfigPatcher({
        kubeConfig,
        caPem: certificates.caPem,
        logger: opts.logger,
      });
      this.webhookPatcher.start();
    }
  }

  async stop(): Promise<void> {
    this.webhookPatcher?.stop();
    this.statusWriter?.stop();
    await this.webhook?.close();
    this.directory?.stop();
    await this.kube?.stop();
    await this.mcp?.stop();
  }
}
