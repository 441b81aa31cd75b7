/**
 * Galley's side of MCP as a {@link ResourceSource}: every collection (design §3: the type URL is
 * the GVK string) is generated from the ConfigStore (Istio kinds) or the Kubernetes core view
 * (Services, EndpointSlices, Pods, Nodes, Namespaces), so the ADS stream code of `src/xds` serves
 * config to Pilots exactly as it serves Envoy resources to proxies: delta by default, SotW too,
 * `initial_resource_versions` on reconnect, ACK/NACK bookkeeping per collection.
 *
 * Encode once per object version: stored objects are immutable (a change is a new object), so the
 * encoded envelope is cached per object identity and shared by every Pilot's stream. A collection's
 * list is cached until the server reports a change of that kind ({@link invalidate}).
 */
import type { ConfigStoreView } from '../model/config-store.js';
import type { Proxy } from '../model/proxy.js';
import type { PushRequest } from '../model/push-request.js';
import { contentHash } from '../util/hash.js';
import { versionOf } from '../xds/build-response.js';
import type { EncodedResource, GenerateResult, ResourceSource, WatchedResource } from '../xds/source.js';
import { collectionOf, type Collection, type McpCoreKind } from './collections.js';
import { encodeEnvelope } from './codec.js';
import { configToEnvelope, coreObjectToEnvelope, type CoreObject, type Envelope } from './envelope.js';

/** The core objects Galley serves (the Kubernetes source's `core` view satisfies it). */
export interface CoreObjectsView {
  list(kind: McpCoreKind): readonly CoreObject[];
}

export interface McpResourceSourceOptions {
  readonly store: ConfigStoreView;
  /** Absent when the source is not Kubernetes: core collections are then served empty. */
  readonly core?: CoreObjectsView;
}

interface CollectionState {
  readonly resources: readonly EncodedResource[];
  readonly version: string;
}

export class McpResourceSource implements ResourceSource {
  private readonly encoded = new WeakMap<object, EncodedResource>();
  private readonly collections = new Map<string, CollectionState>();

  constructor(private readonly options: McpResourceSourceOptions) {}

  supports(_proxy: Proxy, typeUrl: string): boolean {
    return collectionOf(typeUrl) !== undefined;
  }

  /**
   * A push concerns a collection when it names a changed object of its kind, or when it is a full
   * push naming nothing (anything may have changed, e.g. a reconnect or a resync).
   */
  needsPush(_proxy: Proxy, typeUrl: string, request: PushRequest): boolean {
    const c = collectionOf(typeUrl);
    if (!c || !request.full) return false;
    if (request.configsUpdated.length === 0) return true;
    return request.configsUpdated.some((r) => r.kind === c.kind);
  }

  generate(_proxy: Proxy, watched: WatchedResource, _request: PushRequest): GenerateResult {
    const state = this.collection(watched.typeUrl);
    const resources = watched.wildcard
      ? state.resources
      : state.resources.filter((r) => watched.names.has(r.name));
    return { resources, pushVersion: state.version };
  }

  /** Drops the cached lists of these kinds (the store or the core view reported a change). */
  invalidate(kinds: Iterable<string>): void {
    const changed = new Set(kinds);
    for (const typeUrl of [...this.collections.keys()]) {
      if (changed.has(collectionOf(typeUrl)?.kind ?? '')) this.collections.delete(typeUrl);
    }
  }

  /** The number of resources currently served per collection (debug). */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [typeUrl, s] of [...this.collections].sort(([a], [b]) => (a < b ? -1 : 1)))
      out[typeUrl] = s.resources.length;
    return out;
  }

  private collection(typeUrl: string): CollectionState {
    const cached = this.collections.get(typeUrl);
    if (cached) return cached;
    const c = collectionOf(typeUrl);
    const resources = c ? this.encodeAll(c) : [];
    resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const state = { resources, version: versionOf(resources) };
    this.collections.set(typeUrl, state);
    return state;
  }

  private encodeAll(c: Collection): EncodedResource[] {
    if (c.category === 'istio') {
      return this.options.store.list(c.kind).map((cfg) => this.encode(c, cfg, () => configToEnvelope(cfg)));
    }
    const objects = this.options.core?.list(c.kind) ?? [];
    return objects.map((obj) => this.encode(c, obj, () => coreObjectToEnvelope(obj)));
  }

  private encode(c: Collection, obj: object, envelope: () => Envelope): EncodedResource {
    const cached = this.encoded.get(obj);
    if (cached && cached.typeUrl === c.typeUrl) return cached;
    const env = envelope();
    const value = encodeEnvelope(env);
    const resource: EncodedResource = {
      name: env.name,
      version: contentHash(value),
      typeUrl: c.typeUrl,
      value,
    };
    this.encoded.set(obj, resource);
    return resource;
  }
}
