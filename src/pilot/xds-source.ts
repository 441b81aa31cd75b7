/**
 * ResourceSource backed by the generator map and the current PushContext (design §5): generated
 * messages are encoded once per (push version — plus the hostname's endpoint version for EDS —,
 * type URL, scope key, name) and the bytes are shared by every stream that receives them.
 *
 * Whole responses are memoized too, per group: (type, the generator's scope key for the proxy,
 * wildcard, subscription). Subscriptions are interned Sets (src/xds/name-sets.ts), so the memo is
 * keyed by the Set's identity and a stream of a known group costs O(1): N identical clients cost
 * one generation per push, and they all receive the same GenerateResult object, which lets the
 * ADS layer share its content, diff and encoded response across them.
 *
 * The EDS fast path: when only endpoints changed (same PushContext, new endpoint revision), a
 * group's ClusterLoadAssignments are refreshed from its previous result by regenerating only the
 * names whose hostname's endpoint version moved; the others are reused as they are. No I/O;
 * protobufjs encoding only.
 */
import { isProxyless, type Proxy } from '../model/proxy.js';
import type { PushContext } from '../model/push-context.js';
import type { PushRequest } from '../model/push-request.js';
import { contentHash } from '../util/hash.js';
import { internNames } from '../xds/name-sets.js';
import type {
  EncodedResource,
  GenerateResult,
  ResourceSource,
  SourceBinding,
  WatchedResource,
} from '../xds/source.js';
import { ENDPOINT_TYPE } from '../xds/type-urls.js';
import { parseClusterName } from './networking/naming.js';
import { ResourceEncoder } from './resource-encoder.js';
import { BoundGenerator } from './source-binding.js';
import { GRPC_PREFIX, type Generator, type GeneratorMap, type ResourceFilter } from './generators/types.js';

export interface XdsResourceSourceOptions {
  readonly generators: GeneratorMap;
  /** The current PushContext (swapped by the push pipeline after each rebuild). */
  readonly pushContext: () => PushContext;
  /** Upper bound of the encoded-resource memo. Default 50 000. */
  readonly maxEntries?: number;
}

export interface XdsResourceSourceStats {
  readonly encoded: number;
  readonly reused: number;
  readonly responsesReused: number;
  /** Responses refreshed by the EDS fast path (only changed hostnames regenerated). */
  readonly responsesRefreshed: number;
  readonly entries: number;
}

export interface ProxyType {
  readonly generator: Generator | undefined;
  readonly scope: string;
  /** The PushContext and endpoint revision the scope was read at (`scopeUsesPush` only). */
  readonly push: PushContext | undefined;
  readonly revision: number;
  /** The group's memoized responses (type and scope key), for named and wildcard subscriptions. */
  readonly named: WeakMap<ReadonlySet<string>, ResponseEntry>;
  readonly wildcard: WeakMap<ReadonlySet<string>, ResponseEntry>;
}

/** A full push: the PushContext before and after, the request between, per-generator filters. */
interface Transition {
  readonly from: PushContext;
  readonly to: PushContext;
  readonly request: PushRequest;
  readonly filters: Map<Generator, ResourceFilter | undefined>;
}

/** A memoized response of one group and subscription. */
interface ResponseEntry {
  readonly pushVersion: string;
  /** The endpoint index revision it was built at (EDS), else -1. */
  readonly revision: number;
  readonly result: GenerateResult;
  /** EDS: hostname → the endpoint version its resources were built with, and their names. */
  readonly hosts?: ReadonlyMap<string, { readonly version: string; readonly names: readonly string[] }>;
}

/** One generation for one group: what every step of `generate` reads. */
interface Job {
  readonly generator: Generator;
  readonly push: PushContext;
  readonly proxy: Proxy;
  /** The subscription, with its interned name Set. */
  readonly watched: WatchedResource;
  readonly request: PushRequest;
  readonly scope: string;
  readonly pushVersion: string;
  readonly isEds: boolean;
}

export class XdsResourceSource implements ResourceSource {
  private readonly generators: GeneratorMap;
  private readonly pushContext: () => PushContext;
  private readonly encoder: ResourceEncoder;
  /** Group key (type, scope, wildcard) → interned subscription → memoized response. */
  private readonly responses = new Map<string, WeakMap<ReadonlySet<string>, ResponseEntry>>();
  /** Generator and group per proxy and type. */
  private readonly proxies = new WeakMap<Proxy, Map<string, ProxyType>>();
  private edsVersion: { readonly key: string; readonly version: string } | undefined;
  /** How the current PushContext came from the previous one (see `pushed`). */
  private transition: Transition | undefined;
  private currentVersion: string | undefined;
  private previousVersion: string | undefined;
  /** `concerns` answers per request (every stream asks about the same one, or a merge of it). */
  private readonly concerned = new WeakMap<PushRequest, Map<string, boolean>>();
  private lastConcerned: { readonly request: PushRequest; readonly byType: Map<string, boolean> } | undefined;
  private responsesReused = 0;
  private responsesRefreshed = 0;

  constructor(options: XdsResourceSourceOptions) {
    this.generators = options.generators;
    this.pushContext = options.pushContext;
    this.encoder = new ResourceEncoder(options.maxEntries ?? 50_000);
  }

  /** The generator serving `typeUrl` to `proxy`: `grpc/` entries for proxyless clients. */
  generatorFor(proxy: Proxy, typeUrl: string): Generator | undefined {
    return this.perProxy(proxy, typeUrl).generator;
  }

  /**
   * What a proxy's stream of `typeUrl` needs on every push: its generator and its group's memo
   * (type, the generator's scope key), computed once per proxy, or once per PushContext and
   * endpoint revision for generators whose scope reads them (`scopeUsesPush`).
   */
  private perProxy(proxy: Proxy, typeUrl: string): ProxyType {
    let types = this.proxies.get(proxy);
    if (!types) this.proxies.set(proxy, (types = new Map()));
    const t = types.get(typeUrl);
    const fresh = this.refresh(t, proxy, typeUrl);
    if (fresh !== t) types.set(typeUrl, fresh);
    return fresh;
  }

  /** `t` if still valid, else the proxy's current generator and group for `typeUrl`. */
  refresh(t: ProxyType | undefined, proxy: Proxy, typeUrl: string): ProxyType {
    const generator = t
      ? t.generator
      : this.generators.get(isProxyless(proxy) ? GRPC_PREFIX + typeUrl : typeUrl);
    const push = generator?.scopeUsesPush ? this.pushContext() : undefined;
    const revision = push ? push.endpoints.revision : -1;
    if (t && t.push === push && t.revision === revision) return t;
    const scope = generator ? generator.scopeKey(proxy, push) : '';
    const group = `${typeUrl}\n${scope}\n`;
    return {
      generator,
      scope,
      push,
      revision,
      named: this.memoOf(group),
      wildcard: this.memoOf(`${group}*`),
    };
  }

  private memoOf(key: string): WeakMap<ReadonlySet<string>, ResponseEntry> {
    let memo = this.responses.get(key);
    if (!memo) this.responses.set(key, (memo = new WeakMap()));
    return memo;
  }

  bind(proxy: Proxy, typeUrl: string): SourceBinding {
    return new BoundGenerator(this, proxy, typeUrl);
  }

  /**
   * Tells the source that the full push `request` turned `from` into `to` (the new current
   * PushContext). Results built from `from` are then refreshed, not rebuilt, for generators
   * that declare what such a change may touch (`Generator.changedResources`). Without this call
   * every full push regenerates everything, which is always correct.
   */
  pushed(from: PushContext, to: PushContext, request: PushRequest): void {
    this.transition = from.version === to.version ? undefined : { from, to, request, filters: new Map() };
  }

  supports(proxy: Proxy, typeUrl: string): boolean {
    return this.generatorFor(proxy, typeUrl) !== undefined;
  }

  concerns(typeUrl: string, request: PushRequest): boolean {
    let byType = this.lastConcerned?.request === request ? this.lastConcerned.byType : undefined;
    if (!byType) {
      byType = this.concerned.get(request);
      if (!byType) this.concerned.set(request, (byType = new Map()));
      this.lastConcerned = { request, byType };
    }
    let verdict = byType.get(typeUrl);
    if (verdict === undefined) {
      verdict = [typeUrl, GRPC_PREFIX + typeUrl].some((key) => {
        const g = this.generators.get(key);
        return g !== undefined && (!g.mayConcern || g.mayConcern(request));
      });
      byType.set(typeUrl, verdict);
    }
    return verdict;
  }

  needsPush(proxy: Proxy, typeUrl: string, request: PushRequest): boolean {
    return this.generatorFor(proxy, typeUrl)?.needsPush(request, proxy) ?? false;
  }

  generate(proxy: Proxy, watched: WatchedResource, request: PushRequest): GenerateResult {
    return this.generateFor(this.perProxy(proxy, watched.typeUrl), proxy, watched, request);
  }

  /** `generate` with the proxy's generator and group already looked up. */
  generateFor(pt: ProxyType, proxy: Proxy, watched: WatchedResource, request: PushRequest): GenerateResult {
    const { generator, scope } = pt;
    const push = this.pushContext();
    this.observeVersion(push.version);
    const isEds = watched.typeUrl === ENDPOINT_TYPE;
    if (!generator) return { resources: [], pushVersion: this.pushVersionOf(push, isEds) };
    const names = internNames(watched.names);
    const group = watched.wildcard ? pt.wildcard : pt.named;
    const revision = isEds ? push.endpoints.revision : -1;
    const entry = group.get(names);
    if (entry && entry.pushVersion === push.version && entry.revision === revision) {
      this.responsesReused++;
      return entry.result;
    }
    const job: Job = {
      generator,
      push,
      proxy,
      watched: { typeUrl: watched.typeUrl, wildcard: watched.wildcard, names },
      request,
      scope,
      pushVersion: this.pushVersionOf(push, isEds),
      isEds,
    };
    const filter = entry && !isEds && !watched.wildcard ? this.filterFor(generator, entry, push) : undefined;
    const next =
      isEds && entry?.hosts && entry.pushVersion === push.version
        ? this.refreshEndpoints(entry, job)
        : entry && filter
          ? this.refreshNames(entry, filter, job)
          : this.generateAll(job);
    group.set(names, next);
    return next.result;
  }

  private generateAll(job: Job): ResponseEntry {
    const { generator, push, proxy, watched, request, pushVersion, isEds } = job;
    const resources = generator.generate({ push, proxy, watched, request }).map((r) => this.encode(job, r));
    const result: GenerateResult = { resources, pushVersion };
    const revision = isEds ? push.endpoints.revision : -1;
    if (!isEds) return { pushVersion: push.version, revision, result };
    const hosts = new Map<string, { version: string; names: string[] }>();
    for (const r of resources) {
      const hostname = parseClusterName(r.name)?.hostname;
      // A name that is no cluster name: no fast path for this group, regenerate it whole.
      if (!hostname) return { pushVersion: push.version, revision, result };
      const h = hosts.get(hostname);
      if (h) h.names.push(r.name);
      else hosts.set(hostname, { version: push.endpoints.hostnameVersion(hostname), names: [r.name] });
    }
    return { pushVersion: push.version, revision, result, hosts };
  }

  /**
   * The EDS fast path: same PushContext, so the same names resolve to the same services; only
   * the names of hostnames whose endpoint version moved are regenerated.
   */
  private refreshEndpoints(entry: ResponseEntry, job: Job): ResponseEntry {
    const { push, pushVersion } = job;
    const hosts = new Map(entry.hosts);
    const stale = new Set<string>();
    for (const [hostname, h] of hosts) {
      const version = push.endpoints.hostnameVersion(hostname);
      if (version === h.version) continue;
      hosts.set(hostname, { version, names: h.names });
      for (const n of h.names) stale.add(n);
    }
    this.responsesRefreshed++;
    const revision = push.endpoints.revision;
    if (stale.size === 0) {
      return { pushVersion: push.version, revision, result: { ...entry.result, pushVersion }, hosts };
    }
    const resources = this.regenerate(entry.result.resources, stale, job);
    return { pushVersion: push.version, revision, result: { resources, pushVersion }, hosts };
  }

  /** The dependency filter for refreshing `entry` to `push`, when the last full push allows it. */
  private filterFor(
    generator: Generator,
    entry: ResponseEntry,
    push: PushContext,
  ): ResourceFilter | undefined {
    const t = this.transition;
    if (!t || !generator.changedResources || t.to !== push || entry.pushVersion !== t.from.version)
      return undefined;
    if (!t.filters.has(generator))
      t.filters.set(generator, generator.changedResources(t.request, t.from, t.to));
    return t.filters.get(generator);
  }

  /**
   * A full push whose changes this generator can place: only the subscribed names the filter
   * picks are regenerated; every other resource is reused as built for the previous push.
   */
  private refreshNames(entry: ResponseEntry, filter: ResourceFilter, job: Job): ResponseEntry {
    const push = job.push;
    const stale = new Set<string>();
    for (const name of job.watched.names) if (filter(name)) stale.add(name);
    this.responsesRefreshed++;
    const result = (resources: readonly EncodedResource[]): ResponseEntry => ({
      pushVersion: push.version,
      revision: -1,
      result: { resources, pushVersion: push.version },
    });
    if (stale.size === 0) return result(entry.result.resources);
    return result(this.regenerate(entry.result.resources, stale, job));
  }

  /**
   * `previous` with the `stale` names generated again (in place, dropped if they generate
   * nothing now); names that generated nothing before are added in the generators' sorted order.
   */
  private regenerate(
    previous: readonly EncodedResource[],
    stale: ReadonlySet<string>,
    job: Job,
  ): EncodedResource[] {
    const { generator, push, proxy, watched, request } = job;
    const fresh = new Map<string, EncodedResource>();
    const only: WatchedResource = { typeUrl: watched.typeUrl, wildcard: false, names: stale };
    for (const r of generator.generate({ push, proxy, watched: only, request }))
      fresh.set(r.name, this.encode(job, r));
    const resources: EncodedResource[] = [];
    for (const r of previous) {
      if (!stale.has(r.name)) resources.push(r);
      else {
        const f = fresh.get(r.name);
        if (f) resources.push(f);
        fresh.delete(r.name);
      }
    }
    if (fresh.size === 0) return resources;
    resources.push(...fresh.values());
    return resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The version a result is labelled with: EDS also depends on the endpoints. */
  private pushVersionOf(push: PushContext, isEds: boolean): string {
    if (!isEds) return push.version;
    const key = `${push.version}|${push.endpoints.revision}`;
    if (this.edsVersion?.key !== key)
      this.edsVersion = { key, version: contentHash(`${push.version}|${push.endpoints.version()}`) };
    return this.edsVersion.version;
  }

  stats(): XdsResourceSourceStats {
    return {
      encoded: this.encoder.encodedCount,
      reused: this.encoder.reusedCount,
      responsesReused: this.responsesReused,
      responsesRefreshed: this.responsesRefreshed,
      entries: this.encoder.size,
    };
  }

  private encode(
    job: Job,
    r: { readonly name: string; readonly message: Record<string, unknown> },
  ): EncodedResource {
    return this.encoder.encode(job.push, job.watched.typeUrl, job.scope, r.name, r.message, job.isEds);
  }

  /** On a new push version, forget everything older than the previous one. */
  private observeVersion(version: string): void {
    if (version === this.currentVersion) return;
    this.previousVersion = this.currentVersion;
    this.currentVersion = version;
    const keep = new Set([version, ...(this.previousVersion ? [this.previousVersion] : [])]);
    this.encoder.retain(keep);
  }
}
