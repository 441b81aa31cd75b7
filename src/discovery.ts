/**
 * `meshplane discovery`: Galley and Pilot in one process, as istiod runs them. Galley's sources
 * fill the ConfigStore that Pilot consumes; the monitoring server reports readiness once the
 * initial config is loaded and xDS is serving.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import { ConfigStore } from './galley/config-store.js';
import { DirectorySource } from './galley/sources/directory-source.js';
import { KubeSource } from './galley/sources/kube-source.js';
import { KubeStatusClient } from './galley/status/status-client.js';
import { StatusWriter } from './galley/status/status-writer.js';
import { webhookCertificates } from './galley/webhook/webhook-certs.js';
import { WebhookConfigPatcher } from './galley/webhook/webhook-config-patcher.js';
import { WebhookServer } from './galley/webhook/webhook-server.js';
import type { DiscoveryOptions } from './options.js';
import { splitHostPort, startMonitoringServer } from './pilot/monitoring-server.js';
import { Pilot } from './pilot/pilot.js';
import { KubeRegistry } from './registry/kube/controller.js';
import type { ServiceRegistry } from './registry/registry.js';
import { ServiceEntryRegistry } from './registry/serviceentry/controller.js';
import { moduleLogger, type Logger } from './util/log.js';
import { MeshplaneMetrics } from './util/metrics.js';

export class Discovery {
  private readonly log: Logger;
  private readonly root: Logger;
  private readonly store: ConfigStore;
  private directory: DirectorySource | undefined;
  private kube: KubeSource | undefined;
  private kubeRegistry: KubeRegistry | undefined;
  private pilot: Pilot | undefined;
  private http: FastifyInstance | undefined;
  private webhook: WebhookServer | undefined;
  private webhookPatcher: WebhookConfigPatcher | undefined;
  private statusWriter: StatusWriter | undefined;
  private configLoaded = false;
  /** The process's one metrics registry, served on `/metrics`. */
  readonly metrics = new MeshplaneMetrics({ processMetrics: true });

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
    const registryNames = new Set(opts.registries ?? (opts.kubeconfig ? ['kubernetes'] : []));
    for (const r of registryNames) {
      if (r !== 'serviceentry' && r !== 'kubernetes')
        throw new Error(`--registries: registry ${r} is not built yet`);
    }
    const logger = this.root;
    this.http = await startMonitoringServer({
      address: opts.httpAddress,
      logger,
      isReady: () => this.configLoaded && (this.pilot?.isServing() ?? false),
      metrics: this.metrics,
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
          rejected: [...(this.directory?.errors() ?? []), ...(this.kube?.errors() ?? [])],
        }),
        registryz: () => this.pilot?.pushContext().services() ?? [],
        push_status: () => ({
          version: this.pilot?.pushContext().version,
          warnings: this.pilot?.pushContext().warnings ?? [],
        }),
      },
    });
    if (opts.configDir) {
      this.directory = new DirectorySource({
        dir: opts.configDir,
        store: this.store,
        logger,
        metrics: this.metrics,
      });
      await this.directory.start();
    }
    // ServiceEntries from any source always count; Kubernetes Services when asked for.
    const registries: ServiceRegistry[] = [
      new ServiceEntryRegistry(this.store, {
        domainSuffix: opts.domainSuffix,
        logger: moduleLogger('serviceentry', logger),
      }),
    ];
    if (registryNames.has('kubernetes') || opts.kubeconfig) {
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
        watchCore: registryNames.has('kubernetes'),
        metrics: this.metrics,
        onVerdict: (v) => statusWriter.observe(v),
      });
      await this.kube.start();
      if (registryNames.has('kubernetes')) {
        this.kubeRegistry = new KubeRegistry(this.kube.core, { domainSuffix: opts.domainSuffix, logger });
        registries.push(this.kubeRegistry);
      }
    }
    this.pilot = new Pilot({
      store: this.store,
      registries,
      xdsAddress: opts.xdsAddress,
      debounceAfterMs: opts.debounceAfterMs,
      debounceMaxMs: opts.debounceMaxMs,
      domainSuffix: opts.domainSuffix,
      logger,
      metrics: this.metrics,
    });
    const pilot = this.pilot;
    this.metrics.setConnectedProxies(() => pilot.connections().length);
    this.metrics.setServices(() => pilot.pushContext().services().length);
    await this.pilot.start();
    this.configLoaded = true;
    this.log.info({ xds: opts.xdsAddress, http: opts.httpAddress }, 'meshplane discovery ready');
  }

  /**
   * The validating admission webhook, served whenever config comes from Kubernetes. With a
   * generated certificate, its CA is patched into the ValidatingWebhookConfiguration (in the
   * background: a missing configuration or an API server outage is retried, never fatal).
   */
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
      logger: this.root,
      metrics: this.metrics,
    });
    if (certificates.caPem) {
      this.webhookPatcher = new WebhookConfigPatcher({
        kubeConfig,
        caPem: certificates.caPem,
        logger: this.root,
      });
      this.webhookPatcher.start();
    }
  }

  async stop(): Promise<void> {
    this.webhookPatcher?.stop();
    this.statusWriter?.stop();
    await this.webhook?.close();
    this.directory?.stop();
    this.kubeRegistry?.close();
    await this.kube?.stop();
    await this.pilot?.stop();
    await this.http?.close();
  }
}
