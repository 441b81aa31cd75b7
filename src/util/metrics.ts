/**
 * meshplane's Prometheus metrics (issue 8), under istiod's names and labels so that Istio's
 * dashboards and alerts work unchanged:
 * - `galley_validation_passed{group,version,resource}` and
 *   `galley_validation_failed{group,version,resource,reason}`: istiod's validation webhook
 *   counters (pkg/webhooks/validation/server); meshplane also counts the verdicts of its config
 *   sources, since a config can reach it without passing the webhook;
 * - `pilot_k8s_cfg_events{type,event}`: config events from Kubernetes, by kind and add/update/delete;
 * - `pilot_xds` (connected proxies), `pilot_services`: gauges read when scraped;
 * - `pilot_xds_pushes{type}`, `pilot_xds_push_time{type}`, `pilot_proxy_convergence_time`,
 *   `pilot_debounce_time`, `pilot_total_xds_rejects{type}`: istiod's pilot/pkg/xds monitoring,
 *   with its histogram buckets and its `type` values (`cds`, `eds`, `lds`, `rds`, ...);
 * - `meshplane_registry_stale{provider}`, `meshplane_registry_sync_errors_total{provider}`: the
 *   reachability of the remote registries (Consul, Eureka); meshplane's own, istiod has none.
 *
 * Every metric lives in one Registry owned by the wiring (never prom-client's global default
 * registry), so several instances (tests, a Galley and a Pilot in one process) never collide.
 * Producers receive the narrow interfaces below, never this class.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DirectCounter, DirectHistogram, type BucketCounts, type CounterCell } from './direct-metrics.js';
import type { ResponseEvent } from '../xds/connection-types.js';
import { shortTypeName } from '../xds/type-urls.js';

/** The API resource a validation verdict is about (the admission request's `resource`). */
export interface ResourceLabels {
  readonly group: string;
  readonly version: string;
  /** The plural resource name, e.g. `virtualservices`. */
  readonly resource: string;
}

/** istiod's `reason` values, plus `yaml_decode_error` for config-directory files. */
export type ValidationFailureReason =
  'invalid_resource' | 'yaml_decode_error' | 'unknown_type' | 'unsupported_operation';

/** What a validating component (a config source, the webhook) reports. */
export interface ValidationMetrics {
  validationPassed(resource: ResourceLabels): void;
  validationFailed(resource: ResourceLabels, reason: ValidationFailureReason): void;
}

export type ConfigEventType = 'add' | 'update' | 'delete';

/** What the Kubernetes config source reports for each watch event. */
export interface ConfigEventMetrics {
  configEvent(kind: string, event: ConfigEventType): void;
}

/** What Pilot and its ADS server report. */
export interface XdsMetrics {
  /** A response was written on a stream (`XdsServer` `onResponse`). */
  xdsResponse(event: ResponseEvent): void;
  /** A proxy rejected a response (`XdsServer` `onNack`). */
  xdsReject(typeUrl: string): void;
  /** A merged push left the debouncer `ms` after its first event. */
  debounced(ms: number): void;
}

/**
 * What a remote service registry (Consul, Eureka) reports about its reachability (issue 7):
 * meshplane's own names, since istiod has no equivalent.
 */
export interface RegistrySyncMetrics {
  /** `meshplane_registry_stale{provider}`: 1 while last known endpoints are served for lack of answers. */
  registryStale(provider: string, stale: boolean): void;
  /** `meshplane_registry_sync_errors_total{provider}`: one failed request to the registry. */
  registrySyncError(provider: string): void;
}

/** istiod's `type` label: `cds`, `eds`, `lds`, `rds`, `sds`; any other type URL as is. */
export function metricType(typeUrl: string): string {
  const short = shortTypeName(typeUrl);
  return short === typeUrl ? typeUrl : short.toLowerCase();
}

/**
 * Galley's MCP server and Pilot's MCP client (meshplane's own names: istiod has no MCP metrics
 * since it dropped Galley). Labels carry the collection, a GVK string.
 */
export interface McpMetrics {
  /** Galley: a response sent to a Pilot (`meshplane_mcp_pushes_total{collection}`). */
  mcpPush(collection: string): void;
  /** Galley: a Pilot NACKed a response (`meshplane_mcp_rejects_total{collection}`). */
  mcpReject(collection: string): void;
  /** Galley: where `meshplane_mcp_clients` (connected Pilots) is read from. */
  setMcpClients(count: () => number): void;
  /** Pilot: a response applied, or NACKed (`meshplane_mcp_applied_total`, `meshplane_mcp_nacks_total`). */
  mcpApplied(outcome: { readonly typeUrl: string; readonly error?: string }): void;
  /** Pilot: where `meshplane_mcp_connected` and `meshplane_mcp_resources{collection}` are read from. */
  setMcpSubscription(view: () => McpSubscriptionView): void;
}

export interface McpSubscriptionView {
  readonly connected: boolean;
  readonly collections: readonly { readonly collection: string; readonly resources: number }[];
}

export interface MeshplaneMetricsOptions {
  /** The registry to register in (default: a new one). */
  readonly registry?: Registry;
  /** Also export prom-client's process metrics (CPU, memory, event loop), as istiod exports Go's. */
  readonly processMetrics?: boolean;
}

/** Buckets of istiod's push and debounce distributions (seconds). */
const PUSH_BUCKETS = [0.01, 0.1, 1, 3, 5, 10, 20, 30];
const CONVERGENCE_BUCKETS = [0.1, 0.5, 1, 3, 5, 10, 20, 30];

export class MeshplaneMetrics
  implements ValidationMetrics, ConfigEventMetrics, XdsMetrics, RegistrySyncMetrics, McpMetrics
{
  readonly registry: Registry;
  private connectedProxies: () => number = () => 0;
  private services: () => number = () => 0;
  private readonly passed: Counter<'group' | 'version' | 'resource'>;
  private readonly failed: Counter<'group' | 'version' | 'resource' | 'reason'>;
  private readonly cfgEvents: Counter<'type' | 'event'>;
  private readonly pushes: DirectCounter;
  private readonly rejects: Counter<'type'>;
  private readonly pushTime: DirectHistogram;
  private readonly convergence: BucketCounts;
  /** Per type URL, the series a response adds to (found once, then one Map lookup per response). */
  private readonly responseSeries = new Map<string, { pushes: CounterCell; time: BucketCounts }>();
  private readonly debounceTime: Histogram;
  private readonly registryStaleGauge: Gauge<'provider'>;
  private readonly registrySyncErrors: Counter<'provider'>;
  private readonly mcpPushes: Counter<'collection'>;
  private readonly mcpRejects: Counter<'collection'>;
  private readonly mcpAppliedCount: Counter<'collection'>;
  private readonly mcpNacks: Counter<'collection'>;
  private mcpClients: () => number = () => 0;
  private mcpSubscription: (() => McpSubscriptionView) | undefined;

  constructor(options: MeshplaneMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    this.passed = new Counter({
      name: 'galley_validation_passed',
      help: 'Resource is valid',
      labelNames: ['group', 'version', 'resource'],
      registers,
    });
    this.failed = new Counter({
      name: 'galley_validation_failed',
      help: 'Resource validation failed',
      labelNames: ['group', 'version', 'resource', 'reason'],
      registers,
    });
    this.cfgEvents = new Counter({
      name: 'pilot_k8s_cfg_events',
      help: 'Events from k8s config.',
      labelNames: ['type', 'event'],
      registers,
    });
    // Gauges read at scrape time; the callbacks are swapped in by the wiring.
    const connected = (): number => this.connectedProxies();
    const services = (): number => this.services();
    new Gauge({
      name: 'pilot_xds',
      help: 'Number of endpoints connected to this pilot using XDS.',
      registers,
      collect() {
        this.set(connected());
      },
    });
    new Gauge({
      name: 'pilot_services',
      help: 'Total services known to pilot.',
      registers,
      collect() {
        this.set(services());
      },
    });
    // Counted per response, in the push loop: direct-metrics.ts, not prom-client's inc/observe.
    const registry = this.registry;
    this.pushes = new DirectCounter({
      name: 'pilot_xds_pushes',
      help: 'Pilot build and send errors for lds, rds, cds and eds.',
      labelName: 'type',
      registry,
    });
    this.rejects = new Counter({
      name: 'pilot_total_xds_rejects',
      help: 'Total number of XDS responses from pilot rejected by proxy.',
      labelNames: ['type'],
      registers,
    });
    this.pushTime = new DirectHistogram({
      name: 'pilot_xds_push_time',
      help: 'Total time in seconds Pilot takes to push lds, rds, cds and eds.',
      labelName: 'type',
      buckets: PUSH_BUCKETS,
      registry,
    });
    this.convergence = new DirectHistogram({
      name: 'pilot_proxy_convergence_time',
      help: 'Delay in seconds between config change and a proxy receiving all required configuration.',
      buckets: CONVERGENCE_BUCKETS,
      registry,
    }).counts();
    this.debounceTime = new Histogram({
      name: 'pilot_debounce_time',
      help: 'Delay in seconds between the first config enters debouncing and the merged push request is pushed into the push queue.',
      buckets: PUSH_BUCKETS,
      registers,
    });
    this.registryStaleGauge = new Gauge({
      name: 'meshplane_registry_stale',
      help: 'Whether a service registry is unreachable and its last known endpoints are served (1) or not (0).',
      labelNames: ['provider'],
      registers,
    });
    this.registrySyncErrors = new Counter({
      name: 'meshplane_registry_sync_errors_total',
      help: 'Failed requests from a service registry adapter to its registry.',
      labelNames: ['provider'],
      registers,
    });
    this.mcpPushes = new Counter({
      name: 'meshplane_mcp_pushes_total',
      help: 'MCP responses Galley sent to Pilots, by collection.',
      labelNames: ['collection'],
      registers,
    });
    this.mcpRejects = new Counter({
      name: 'meshplane_mcp_rejects_total',
      help: 'MCP responses Pilots rejected (NACKed) at Galley, by collection.',
      labelNames: ['collection'],
      registers,
    });
    // prom-client calls `collect` with the gauge as `this`; these read this object's views.
    const readClients = (): number => this.mcpClients();
    const readSubscription = (): McpSubscriptionView | undefined => this.mcpSubscription?.();
    new Gauge({
      name: 'meshplane_mcp_clients',
      help: 'Pilots connected to this Galley over MCP.',
      registers,
      collect() {
        this.set(readClients());
      },
    });
    this.mcpAppliedCount = new Counter({
      name: 'meshplane_mcp_applied_total',
      help: 'MCP responses this Pilot applied, by collection.',
      labelNames: ['collection'],
      registers,
    });
    this.mcpNacks = new Counter({
      name: 'meshplane_mcp_nacks_total',
      help: 'MCP responses this Pilot rejected (NACKed), by collection.',
      labelNames: ['collection'],
      registers,
    });
    new Gauge({
      name: 'meshplane_mcp_connected',
      help: 'Whether this Pilot has an MCP stream to Galley (1) or not (0).',
      registers,
      collect() {
        const view = readSubscription();
        if (view) this.set(view.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'meshplane_mcp_resources',
      help: 'Resources this Pilot holds from Galley, by collection.',
      labelNames: ['collection'],
      registers,
      collect() {
        for (const c of readSubscription()?.collections ?? [])
          this.set({ collection: c.collection }, c.resources);
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Where `pilot_xds` is read from at scrape time (the ADS server's connection count). */
  setConnectedProxies(count: () => number): void {
    this.connectedProxies = count;
  }

  /** Where `pilot_services` is read from at scrape time (the current PushContext). */
  setServices(count: () => number): void {
    this.services = count;
  }

  validationPassed(r: ResourceLabels): void {
    this.passed.inc({ group: r.group, version: r.version, resource: r.resource });
  }

  validationFailed(r: ResourceLabels, reason: ValidationFailureReason): void {
    this.failed.inc({ group: r.group, version: r.version, resource: r.resource, reason });
  }

  configEvent(kind: string, event: ConfigEventType): void {
    this.cfgEvents.inc({ type: kind, event });
  }

  xdsResponse(event: ResponseEvent): void {
    let series = this.responseSeries.get(event.typeUrl);
    if (!series) {
      const type = metricType(event.typeUrl);
      series = { pushes: this.pushes.cell(type), time: this.pushTime.counts(type) };
      this.responseSeries.set(event.typeUrl, series);
    }
    series.pushes.value++;
    if (event.elapsedMs !== undefined) series.time.observe(event.elapsedMs / 1000);
    // Convergence is about config changes reaching proxies, not answers to their requests.
    if (event.trigger === 'push' && event.pushStart !== undefined)
      this.convergence.observe(Math.max(0, Date.now() - event.pushStart) / 1000);
  }

  mcpPush(collection: string): void {
    this.mcpPushes.inc({ collection });
  }

  mcpReject(collection: string): void {
    this.mcpRejects.inc({ collection });
  }

  setMcpClients(count: () => number): void {
    this.mcpClients = count;
  }

  mcpApplied(outcome: { readonly typeUrl: string; readonly error?: string }): void {
    if (outcome.error) this.mcpNacks.inc({ collection: outcome.typeUrl });
    else this.mcpAppliedCount.inc({ collection: outcome.typeUrl });
  }

  setMcpSubscription(view: () => McpSubscriptionView): void {
    this.mcpSubscription = view;
  }

  xdsReject(typeUrl: string): void {
    this.rejects.inc({ type: metricType(typeUrl) });
  }

  debounced(ms: number): void {
    this.debounceTime.observe(Math.max(0, ms) / 1000);
  }

  registryStale(provider: string, stale: boolean): void {
    this.registryStaleGauge.set({ provider }, stale ? 1 : 0);
  }

  registrySyncError(provider: string): void {
    this.registrySyncErrors.inc({ provider });
  }
}
