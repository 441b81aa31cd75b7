/**
 * Golden-case runner for the proxyless gRPC generators: parses a case directory's Istio YAML
 * with Galley's validator, builds services/endpoints with the ServiceEntry
 * conversion, a PushContext, and walks the subscriptions the way a grpc-js client does
 * (LDS → RDS names from the listeners → CDS → EDS names from the clusters), going through
 * XdsResourceSource so the bytes checked are the bytes served.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { Config, IstioKind } from '../../src/model/config.js';
import type { ConfigStoreView } from '../../src/model/config-store.js';
import { EndpointIndex } from '../../src/model/endpoint-index.js';
import type { ServiceEntrySpec, WorkloadEntrySpec } from '../../src/model/istio/index.js';
import { formatConfigError } from '../../src/galley/validation/result.js';
import { validateObject } from '../../src/galley/validation/validate.js';
import { buildPushContext, formatWarning, type PushContext } from '../../src/model/push-context.js';
import { isProxyless, parseProxy, type NodeLike, type Proxy } from '../../src/model/proxy.js';
import { fullPush } from '../../src/model/push-request.js';
import type { Service } from '../../src/model/service.js';
import { buildGeneratorMap } from '../../src/pilot/generators/index.js';
import { XdsResourceSource } from '../../src/pilot/xds-source.js';
import { convertServiceEntry } from '../../src/registry/serviceentry/conversion.js';
import { messageType } from '../../src/xds/proto.js';
import type { EncodedResource } from '../../src/xds/source.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../src/xds/type-urls.js';

export class TestConfigStore implements ConfigStoreView {
  constructor(private readonly configs: readonly Config[]) {}
  list(kind: IstioKind): readonly Config[] {
    return this.configs
      .filter((c) => c.meta.kind === kind)
      .sort((a, b) =>
        `${a.meta.namespace}/${a.meta.name}`.localeCompare(`${b.meta.namespace}/${b.meta.name}`),
      );
  }
  get(kind: IstioKind, namespace: string, name: string): Config | undefined {
    return this.configs.find(
      (c) => c.meta.kind === kind && c.meta.namespace === namespace && c.meta.name === name,
    );
  }
}

/**
 * Parses multi-document Istio YAML through Galley's validator (strict schema plus istiod's
 * semantic rules), so golden inputs are exactly what Galley would serve; throws on any rejection.
 */
export function parseIstioYaml(text: string, source: string): Config[] {
  const out: Config[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as Record<string, any> | null;
    if (!obj) continue;
    const metadata = { namespace: 'default', ...(obj['metadata'] ?? {}) };
    const result = validateObject({ ...obj, metadata }, source);
    if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
    out.push(result.value);
  }
  return out;
}

export interface World {
  readonly push: PushContext;
  readonly services: readonly Service[];
  readonly endpoints: EndpointIndex;
}

export function buildWorld(configs: readonly Config[]): World {
  const store = new TestConfigStore(configs);
  const workloadEntries = store.list('WorkloadEntry') as Config<WorkloadEntrySpec>[];
  const endpoints = new EndpointIndex();
  const services: Service[] = [];
  for (const se of store.list('ServiceEntry') as Config<ServiceEntrySpec>[]) {
    for (const converted of convertServiceEntry(se, workloadEntries, 'cluster.local')) {
      services.push(converted.service);
      endpoints.setServiceEndpoints(converted.service, converted.endpoints);
    }
  }
  const push = buildPushContext({ configs: store, services, endpoints, domainSuffix: 'cluster.local' });
  return { push, services, endpoints };
}

export const DEFAULT_NODE: NodeLike = {
  id: 'grpc-client',
  metadata: { GENERATOR: 'grpc', NAMESPACE: 'default' },
  locality: {},
};

export function proxyFromNode(node: NodeLike): Proxy {
  const parsed = parseProxy(node);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.proxy;
}

/** Per type: a list of names, `wildcard`, or `referenced` (names the previous type points at). */
export type WatchSpec = readonly string[] | 'wildcard' | 'referenced';

export interface Watches {
  readonly listeners: WatchSpec;
  readonly routes: WatchSpec;
  readonly clusters: WatchSpec;
  readonly endpoints: WatchSpec;
}

export const DEFAULT_WATCHES: Watches = {
  listeners: 'wildcard',
  routes: 'referenced',
  clusters: 'wildcard',
  endpoints: 'referenced',
};

export type Decoded = Record<string, any>;

export function decodeResource(r: EncodedResource): Decoded {
  const type = messageType(r.typeUrl);
  return type.toObject(type.decode(r.value), {
    json: true,
    longs: String,
    enums: String,
    bytes: String,
  }) as Decoded;
}

const require = createRequire(import.meta.url);
let grpcTypes:
  Record<string, { decode(ctx: unknown, any: unknown): { name: string; error?: string } }> | undefined;

/** @grpc/grpc-js-xds's own resource validation, as its client runs it on every response. */
export function grpcValidationError(r: EncodedResource): string | undefined {
  if (!grpcTypes) {
    require('@grpc/grpc-js-xds').register();
    const dir = '@grpc/grpc-js-xds/build/src/xds-resource-type';
    grpcTypes = {
      [LISTENER_TYPE]: require(`${dir}/listener-resource-type.js`).ListenerResourceType.get(),
      [ROUTE_TYPE]: require(`${dir}/route-config-resource-type.js`).RouteConfigurationResourceType.get(),
      [CLUSTER_TYPE]: require(`${dir}/cluster-resource-type.js`).ClusterResourceType.get(),
      [ENDPOINT_TYPE]: require(`${dir}/endpoint-resource-type.js`).EndpointResourceType.get(),
    };
  }
  const ctx = { server: {}, bootstrap: { certificateProviders: {} } };
  const result = grpcTypes[r.typeUrl]!.decode(ctx, { type_url: r.typeUrl, value: Buffer.from(r.value) });
  return result.error;
}

function referencedRoutes(listeners: readonly Decoded[]): string[] {
  return listeners
    .map((l) => l['api_listener']?.['api_listener']?.['rds']?.['route_config_name'])
    .filter(Boolean);
}

/** RDS names of the HCMs in an Envoy-style proxy's listeners. */
function referencedEnvoyRoutes(listeners: readonly Decoded[]): string[] {
  const out: string[] = [];
  for (const l of listeners) {
    for (const chain of l['filter_chains'] ?? []) {
      for (const f of chain['filters'] ?? []) {
        const name = f['typed_config']?.['rds']?.['route_config_name'];
        if (name) out.push(name);
      }
    }
  }
  return [...new Set(out)];
}

/** EDS names of an Envoy-style proxy's EDS clusters (as Envoy and MOSN ask for them). */
function referencedEnvoyEndpoints(clusters: readonly Decoded[]): string[] {
  return clusters
    .filter((c) => c['type'] === 'EDS')
    .map((c) => c['eds_cluster_config']?.['service_name'] || c['name']);
}

function referencedClusters(routes: readonly Decoded[]): string[] {
  const out: string[] = [];
  for (const rc of routes) {
    for (const vh of rc['virtual_hosts'] ?? []) {
      for (const r of vh['routes'] ?? []) {
        if (r.route?.cluster) out.push(r.route.cluster);
        for (const wc of r.route?.weighted_clusters?.clusters ?? []) out.push(wc.name);
      }
    }
  }
  return out;
}

function referencedEndpoints(clusters: readonly Decoded[]): string[] {
  return clusters.map((c) => c['eds_cluster_config']?.['service_name'] || c['name']);
}

export interface CaseOutput {
  /** File name under expected/ → YAML text. */
  readonly files: Map<string, string>;
  /** Every encoded resource, for extra checks. */
  readonly resources: readonly EncodedResource[];
  /** True for Envoy-style (sidecar / router) nodes, false for proxyless gRPC clients. */
  readonly envoy: boolean;
  /** The generated plain messages per type URL (before encoding), for field checks. */
  readonly messages: ReadonlyMap<string, readonly { name: string; message: Record<string, unknown> }[]>;
  /** Decoded resources per type URL. */
  readonly decoded: ReadonlyMap<string, readonly Decoded[]>;
}

function loadYaml<T>(file: string, fallback: T): T {
  return existsSync(file)
    ? ((parseAllDocuments(readFileSync(file, 'utf8'))[0]?.toJS() as T) ?? fallback)
    : fallback;
}

function dump(list: readonly Decoded[]): string {
  const sorted = [...list].sort((a, b) => {
    const ka = String(a['name'] ?? a['cluster_name']);
    const kb = String(b['name'] ?? b['cluster_name']);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return stringify(sorted, { lineWidth: 0 });
}

export function runCase(dir: string): CaseOutput {
  const configs = parseIstioYaml(readFileSync(path.join(dir, 'input.yaml'), 'utf8'), 'input.yaml');
  const world = buildWorld(configs);
  const proxy = proxyFromNode(loadYaml<NodeLike>(path.join(dir, 'proxy.yaml'), DEFAULT_NODE));
  const watches: Watches = {
    ...DEFAULT_WATCHES,
    ...loadYaml<Partial<Watches>>(path.join(dir, 'watch.yaml'), {}),
  };
  const source = new XdsResourceSource({ generators: buildGeneratorMap(), pushContext: () => world.push });
  const request = fullPush('full', 0);
  const resources: EncodedResource[] = [];

  const fetch = (typeUrl: string, spec: WatchSpec, referenced: () => string[]): Decoded[] => {
    const names = spec === 'wildcard' ? [] : spec === 'referenced' ? referenced() : spec;
    const result = source.generate(
      proxy,
      { typeUrl, wildcard: spec === 'wildcard', names: new Set(names) },
      request,
    );
    resources.push(...result.resources);
    return result.resources.map(decodeResource);
  };
  const envoy = !isProxyless(proxy);
  const listeners = fetch(LISTENER_TYPE, watches.listeners, () => []);
  const routes = fetch(ROUTE_TYPE, watches.routes, () =>
    envoy ? referencedEnvoyRoutes(listeners) : referencedRoutes(listeners),
  );
  const clusters = fetch(CLUSTER_TYPE, watches.clusters, () => referencedClusters(routes));
  const endpoints = fetch(ENDPOINT_TYPE, watches.endpoints, () =>
    envoy ? referencedEnvoyEndpoints(clusters) : referencedEndpoints(clusters),
  );
  const messages = new Map<string, { name: string; message: Record<string, unknown> }[]>();
  for (const [typeUrl, list] of [
    [LISTENER_TYPE, listeners],
    [ROUTE_TYPE, routes],
    [CLUSTER_TYPE, clusters],
    [ENDPOINT_TYPE, endpoints],
  ] as const) {
    const generator = source.generatorFor(proxy, typeUrl)!;
    const names = new Set(list.map((d) => String(d['name'] ?? d['cluster_name'])));
    messages.set(
      typeUrl,
      generator.generate({ push: world.push, proxy, watched: { typeUrl, wildcard: false, names }, request }),
    );
  }

  const files = new Map<string, string>([
    ['listeners.yaml', dump(listeners)],
    ['routes.yaml', dump(routes)],
    ['clusters.yaml', dump(clusters)],
    ['endpoints.yaml', dump(endpoints)],
  ]);
  if (world.push.warnings.length > 0) {
    files.set('warnings.yaml', stringify(world.push.warnings.map(formatWarning), { lineWidth: 0 }));
  }
  const decoded = new Map<string, readonly Decoded[]>([
    [LISTENER_TYPE, listeners],
    [ROUTE_TYPE, routes],
    [CLUSTER_TYPE, clusters],
    [ENDPOINT_TYPE, endpoints],
  ]);
  return { files, resources, envoy, messages, decoded };
}
