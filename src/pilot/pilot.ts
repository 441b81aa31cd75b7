/**
 * Pilot's wiring: config store and registries in, PushContext rebuilt on config or service
 * changes (debounced), endpoints updated in place on endpoint-only changes (the EDS fast path,
 * design §5), and the ADS server pushing to every affected stream.
 */
import type { WatchableConfigStore } from '../galley/config-store.js';
import { EndpointIndex } from '../model/endpoint-index.js';
import { buildPushContext, formatWarning, type PushContext } from '../model/push-context.js';
import {
  endpointPush,
  fullPush,
  servicePush,
  type ConfigRef,
  type PushRequest,
} from '../model/push-request.js';
import type { Service } from '../model/service.js';
import { AggregateRegistry } from '../registry/aggregate.js';
import { SERVICE_ENTRY_PROVIDER } from '../registry/serviceentry/conversion.js';
import type { RegistryChange, ServiceRegistry } from '../registry/registry.js';
import { moduleLogger, type Logger } from '../util/log.js';
import type { XdsMetrics } from '../util/metrics.js';
import type { ConnectionInfo } from '../xds/connection-types.js';
import { buildServerChannelOptions, type ServerConnectionOptions } from '../xds/server-channel-options.js';
import { XdsServer, type SecureXdsListener } from '../xds/xds-server.js';
import { Debouncer } from './debounce.js';
import { currentRejections } from './debug/pilot-debug-views.js';
import type { RejectedConfig } from './debug/rejected-configs.js';
import { RejectionWatch } from './debug/rejection-watch.js';
import { buildGeneratorMap } from './generators/index.js';
import { XdsResourceSource } from './xds-source.js';

export interface PilotOptions {
  readonly store: WatchableConfigStore;
  readonly registries: readonly ServiceRegistry[];
  /** Plaintext xDS listener, or `off`. */
  readonly xdsAddress: string;
  /** The TLS listener (istiod's 15012) with its authorize hook; absent: none. */
  readonly secureXds?: SecureXdsListener;
  readonly debounceAfterMs: number;
  readonly debounceMaxMs: number;
  readonly domainSuffix: string;
  readonly logger: Logger;
  /** `pilot_xds_pushes`, `pilot_xds_push_time`, `pilot_proxy_convergence_time`, `pilot_total_xds_rejects`, `pilot_debounce_time`. */
  readonly metrics?: XdsMetrics;
  /** Keepalive and maximum connection age of xDS connections (default: grpc-js's, none). */
  readonly connection?: ServerConnectionOptions;
  /**
   * Hears the full list of configs whose generated resources connected proxies currently reject,
   * whenever it changes (issue 8: Galley writes it into the objects' status). Throttled.
   */
  readonly onRejectedConfigs?: (list: readonly RejectedConfig[]) => void;
  /** How long after xDS starts before the first report, so proxies can reconnect (default 5 s). */
  readonly rejectionSettleMs?: number;
}

export class Pilot {
  private readonly log: Logger;
  private readonly registry: AggregateRegistry;
  private readonly endpoints = new EndpointIndex();
  private readonly xds: XdsServer;
  private readonly source: XdsResourceSource;
  private readonly debouncer: Debouncer;
  private readonly rejections: RejectionWatch | undefined;
  private push: PushContext;
  private warnings = new Set<string>();
  private unsubscribeStore: (() => void) | undefined;
  private xdsPort = 0;
  private securePort = 0;

  constructor(private readonly options: PilotOptions) {
    this.log = moduleLogger('pilot', options.logger);
    this.registry = new AggregateRegistry(options.registries);
    this.push = this.rebuild();
    this.reportWarnings(this.push);
    const generators = buildGeneratorMap();
    const source = new XdsResourceSource({ generators, pushContext: () => this.push });
    this.source = source;
    const metrics = options.metrics;
    const onRejected = options.onRejectedConfigs;
    const rejections = onRejected
      ? new RejectionWatch({
          compute: () =>
            currentRejections({
              connections: () => this.xds.connections(),
              pushContext: () => this.push,
              generators,
            }),
          onChange: onRejected,
          logger: this.log,
        })
      : undefined;
    this.rejections = rejections;
    this.xds = new XdsServer({
      source,
      logger: options.logger,
      ...(options.connection ? { grpcOptions: buildServerChannelOptions(options.connection) } : {}),
      ...(metrics ? { onResponse: (e) => metrics.xdsResponse(e) } : {}),
      onNack: (e) => {
        metrics?.xdsReject(e.typeUrl);
        rejections?.trigger();
      },
      onNackCleared: () => rejections?.trigger(),
    });
    this.debouncer = new Debouncer({
      quietMs: options.debounceAfterMs,
      maxDelayMs: options.debounceMaxMs,
      onPush: (req) => this.onDebouncedPush(req),
      logger: options.logger,
    });
  }

  /** Starts serving xDS; resolves to the bound port. */
  async start(): Promise<number> {
    // ServiceEntries and WorkloadEntries reach the mesh through the ServiceEntry registry, which
    // tells a service change (full push) from an endpoint-only change (the EDS fast path), as
    // istiod does; a config push of their own would turn every endpoint move into a full push.
    const viaRegistry: ReadonlySet<string> = this.options.registries.some(
      (r) => r.provider === SERVICE_ENTRY_PROVIDER,
    )
      ? new Set(['ServiceEntry', 'WorkloadEntry'])
      : new Set();
    this.unsubscribeStore = this.options.store.onChange((events) => {
      const refs: ConfigRef[] = events
        .filter((e) => !viaRegistry.has(e.config.meta.kind))
        .map((e) => ({
          kind: e.config.meta.kind,
          namespace: e.config.meta.namespace,
          name: e.config.meta.name,
        }));
      if (refs.length === 0) return;
      this.debouncer.enqueue(fullPush('config', Date.now(), refs));
    });
    this.registry.onChange((change) => this.onRegistryChange(change));
    if (this.options.xdsAddress !== 'off') this.xdsPort = await this.xds.start(this.options.xdsAddress);
    if (this.options.secureXds) this.securePort = await this.xds.startSecure(this.options.secureXds);
    this.rejections?.start(this.options.rejectionSettleMs ?? 5000);
    return this.xdsPort || this.securePort;
  }

  /** Stops serving; with `drainMs`, spreads the proxies' reconnects over that window (SIGTERM). */
  async stop(drainMs?: number): Promise<void> {
    this.unsubscribeStore?.();
    this.debouncer.stop();
    this.rejections?.stop();
    await this.xds.stop(drainMs);
  }

  isServing(): boolean {
    return this.xds.isServing();
  }

  /** The bound TLS xDS port (0: no TLS listener). */
  secureXdsPort(): number {
    return this.securePort;
  }

  pushContext(): PushContext {
    return this.push;
  }

  connections(): ConnectionInfo[] {
    return this.xds.connections();
  }

  private onRegistryChange(change: RegistryChange): void {
    const now = Date.now();
    if (change.servicesChanged.length > 0) {
      this.debouncer.enqueue(servicePush(now, [...change.endpointsChanged]));
      return;
    }
    if (change.endpointsChanged.length === 0) return;
    // DNS-resolved services carry their endpoints inside the Cluster (STRICT_DNS/LOGICAL_DNS), so
    // an endpoint change there is a CDS change: a full push, as istiod does.
    const changedHosts = new Set(change.endpointsChanged);
    const dnsChanged = this.registry
      .services()
      .some(
        (s) => changedHosts.has(s.hostname) && (s.resolution === 'DNS' || s.resolution === 'DNS_ROUND_ROBIN'),
      );
    if (dnsChanged) {
      this.debouncer.enqueue(servicePush(now, [...change.endpointsChanged]));
      return;
    }
    // Fast path: update endpoints in place, no PushContext rebuild; only EDS watchers care.
    const changed = this.syncEndpoints(change.endpointsChanged);
    if (changed.hostnames.length === 0) return;
    this.debouncer.enqueue(endpointPush(changed.hostnames, changed.addresses, now));
  }

  /**
   * Copies the registry's endpoints of `hostnames` into the index; returns the hostnames that
   * changed and the addresses of their endpoints before and after.
   */
  private syncEndpoints(hostnames: readonly string[]): { hostnames: string[]; addresses: string[] } {
    const wanted = new Set(hostnames);
    const changed = new Set<string>();
    const addresses = new Set<string>();
    for (const svc of this.registry.services()) {
      if (!wanted.has(svc.hostname)) continue;
      const before = this.endpoints.endpoints(svc);
      const after = this.registry.endpoints(svc);
      if (!this.endpoints.setServiceEndpoints(svc, after)) continue;
      changed.add(svc.hostname);
      for (const e of before) addresses.add(e.address);
      for (const e of after) addresses.add(e.address);
    }
    return { hostnames: [...changed], addresses: [...addresses].sort() };
  }

  private onDebouncedPush(request: PushRequest): void {
    if (request.full) {
      this.options.metrics?.debounced(Date.now() - request.start);
      const started = Date.now();
      const previous = this.push;
      // A push caused only by configs (VirtualService, DestinationRule...) changes no service
      // and no endpoint: the endpoint index is already current (registry events keep it so).
      this.push = this.rebuild(request.reasons.some((r) => r !== 'config'));
      this.source.pushed(previous, this.push, request);
      this.log.debug(
        { version: this.push.version, ms: Date.now() - started, reasons: request.reasons },
        'push context rebuilt',
      );
      // Which configs produced a still-NACKed resource may differ in the new PushContext.
      if (this.rejections && this.rejections.current().length > 0) this.rejections.trigger();
    }
    this.xds.push(request);
    // Analysis warnings are for people, not proxies: computed once the push is on its way.
    if (request.full) {
      const push = this.push;
      setImmediate(() => {
        if (push === this.push) this.reportWarnings(push);
      });
    }
  }

  private rebuild(syncEndpoints = true): PushContext {
    const services: readonly Service[] = this.registry.services();
    if (syncEndpoints)
      this.endpoints.replaceAll(
        services.map((service) => ({ service, endpoints: this.registry.endpoints(service) })),
      );
    return buildPushContext({
      configs: this.options.store,
      services,
      endpoints: this.endpoints,
      domainSuffix: this.options.domainSuffix,
    });
  }

  /** Logs each analysis warning once, while it lasts (as `istioctl analyze` would report it). */
  private reportWarnings(push: PushContext): void {
    const current = new Set(push.warnings.map(formatWarning));
    for (const w of current) if (!this.warnings.has(w)) this.log.warn({ warning: w }, w);
    this.warnings = current;
  }
}
