/**
 * Galley's wiring (design §1): config sources (directory, Kubernetes) validated into one
 * ConfigStore, the validating webhook and status writer when the source is Kubernetes, and the
 * MCP server that distributes the store (and the Kubernetes core objects) to any number of Pilots.
 * `meshplane galley` runs it alone; `meshplane discovery` runs it beside a Pilot that reaches it
 * over loopback MCP, so both commands share this code path.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { configKey, ISTIO_KINDS, type Config, type IstioKind } from '../model/config.js';
import { McpServer, type McpPeerStatus } from '../mcp/server.js';
import { splitHostPort } from '../pilot/monitoring-server.js';
import { moduleLogger, type Logger } from '../util/log.js';
import type { MeshplaneMetrics } from '../util/metrics.js';
import { ConfigStore } from './config-store.js';
import { DirectorySource } from './sources/directory-source.js';
import { KubeSource } from './sources/kube-source.js';
import { reconciledMessage, type ObjectRejections } from './status/reconciled-status.js';
import { KubeStatusClient } from './status/status-client.js';
import { StatusWriter } from './status/status-writer.js';
import { ReplicatedRejections } from './status/replicated-rejections.js';
import { KubeCoordinationApi } from './status/kube-coordination-api.js';
import type { ConfigError } from './validation/result.js';
import { webhookCertificates } from './webhook/webhook-certs.js';
import type { WebhookConfigPatcher } from './webhook/webhook-config-patcher.js';
import { loadKubeConfig } from './sources/kube-config.js';
import { WebhookServer } from './webhook/webhook-server.js';
import { KubeSecretApi } from '../security/ca-secret.js';
import { DEFAULT_CA_SECRET_NAMESPACE } from '../security/ca-secret-codec.js';

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
  /** Namespace of the `meshplane-webhook-ca` Secret all replicas share (default meshplane-system). */
  readonly caSecretNamespace?: string;
  readonly domainSuffix: string;
  readonly logger: Logger;
  readonly metrics?: MeshplaneMetrics;
  /**
   * Issue 8, several replicas: this replica's id. Set (with Kubernetes), proxy rejections are
   * published as a report and only the elected status leader writes `Reconciled`, from every
   * replica's report (status/replicated-rejections.ts); unset, they go to the writer directly.
   */
  readonly replicaId?: string;
  /** Namespace of the report ConfigMaps and the leader Lease (default meshplane-system). */
  readonly statusNamespace?: string;
  readonly statusReportTtlMs?: number;
  readonly leaderLeaseDurationMs?: number;
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
  private replicated: ReplicatedRejections | undefined;
  private loaded = false;
  private port = 0;
  /** Key → message of each config proxies reject, as last logged. */
  private rejectionLog = new Map<string, string>();

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
      const kubeConfig = await loadKubeConfig(opts.kubeconfig);
      await this.startWebhook(kubeConfig);
      const statusWriter = new StatusWriter({ client: new KubeStatusClient(kubeConfig), logger });
      this.statusWriter = statusWriter;
      if (opts.replicaId) {
        this.replicated = new ReplicatedRejections({
          api: new KubeCoordinationApi(kubeConfig),
          namespace: opts.statusNamespace ?? 'meshplane-system',
          replicaId: opts.replicaId,
          ...(opts.statusReportTtlMs !== undefined ? { reportTtlMs: opts.statusReportTtlMs } : {}),
          ...(opts.leaderLeaseDurationMs !== undefined
            ? { leaseDurationMs: opts.leaderLeaseDurationMs }
            : {}),
          logger,
          onMerged: (list) => statusWriter.observeRejections(list),
          onLeadershipLost: () => statusWriter.forgetRejections(),
        });
        this.replicated.start();
      }
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
    this.mcp = new McpServer({
      store: this.store,
      ...(this.kube ? { core: this.kube.core } : {}),
      logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
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

  /**
   * Pilot's full current list of configs whose generated resources connected proxies reject
   * (issue 8). Objects read from Kubernetes get a `Reconciled` condition in their status (the
   * status writer); every change is logged, which is all a config-directory object gets. Only
   * wired when Pilot runs in this process (`meshplane discovery`).
   */
  reportRejections(list: readonly ObjectRejections[]): void {
    const next = new Map<string, string>();
    for (const r of list) {
      const key = configKey(r.kind, r.namespace, r.name);
      const message = reconciledMessage(r.proxies);
      next.set(key, message);
      if (this.rejectionLog.get(key) === message) continue;
      const source = (ISTIO_KINDS as readonly string[]).includes(r.kind)
        ? this.store.get(r.kind as IstioKind, r.namespace, r.name)?.meta.source
        : undefined;
      this.log.warn(
        { kind: r.kind, namespace: r.namespace, name: r.name, source, proxies: r.proxies.length },
        `${r.kind} ${r.namespace}/${r.name}: ${message}`,
      );
    }
    for (const key of this.rejectionLog.keys())
      if (!next.has(key)) this.log.info({ config: key }, 'no connected proxy rejects the config any more');
    this.rejectionLog = next;
    if (this.replicated) this.replicated.report(list);
    else this.statusWriter?.observeRejections(list);
  }

  /** Whether this replica writes `Reconciled` conditions (the status leader, or the only one). */
  isStatusLeader(): boolean {
    return this.replicated ? this.replicated.lease.isLeader() : this.statusWriter !== undefined;
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
      // The CA every replica shares (Secret meshplane-webhook-ca): they all patch the same caBundle.
      shared: {
        api: new KubeSecretApi(kubeConfig),
        namespace: opts.caSecretNamespace ?? DEFAULT_CA_SECRET_NAMESPACE,
      },
      logger: opts.logger,
    });
    this.webhook = await WebhookServer.start({
      address: opts.webhookAddress,
      certificates,
      logger: opts.logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
    if (certificates.caPem) {
      // Loaded with the Kubernetes client, only when a cluster is configured (see kube-config.ts).
      const { WebhookConfigPatcher } = await import('./webhook/webhook-config-patcher.js');
      this.webhookPatcher = new WebhookConfigPatcher({
        kubeConfig,
        caPem: certificates.caPem,
        logger: opts.logger,
      });
      this.webhookPatcher.start();
    }
  }

  /**
   * Stops, in the order that loses nothing: the sources first (no new verdicts), then the status
   * writer gets up to `flushMs` to write the conditions it still holds, then the webhook (the
   * API server may call it until the end) and last the MCP server (its Pilots keep serving what
   * they hold and reconnect to another Galley).
   */
  async stop(flushMs = 0): Promise<void> {
    this.webhookPatcher?.stop();
    // Issue 8: hand the lease over and withdraw this replica's report first.
    await this.replicated?.stop();
    this.directory?.stop();
    await this.kube?.stop();
    const writer = this.statusWriter;
    if (writer && flushMs > 0 && writer.pending() > 0) {
      const deadline = Date.now() + flushMs;
      while (writer.pending() > 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => setTimeout(resolve, 50).unref());
      }
      const left = writer.pending();
      if (left > 0) this.log.warn({ pending: left }, 'status writer: conditions not written before shutdown');
      else this.log.info('status writer flushed');
    }
    writer?.stop();
    await this.webhook?.close();
    await this.mcp?.stop();
  }
}
