/**
 * ResourceSource backed by the generator map and the current PushContext (design §5): generated
 * messages are encoded once per (push version — plus the hostname's endpoint version for EDS —,
 * type URL, scope key, name) and the bytes are shared by every stream that receives them.
 * Whole responses are memoized too, per (versions, type, scope, subscription), so N identical
 * clients cost one generation. Both memos are bounded: entries of push versions older than the
 * previous one are dropped when a new push version appears, and the oldest entries go first
 * past `maxEntries`. No I/O; protobufjs encoding only.
 */
import { isProxyless, type Proxy } from '../model/proxy.js';
import type { PushContext } from '../model/push-context.js';
import type { PushRequest } from '../model/push-request.js';
import { contentHash } from '../util/hash.js';
import { messageType } from '../xds/proto.js';
import type { EncodedResource, GenerateResult, ResourceSource, WatchedResource } from '../xds/source.js';
import { ENDPOINT_TYPE } from '../xds/type-urls.js';
import { parseClusterName } from './networking/naming.js';
import { GRPC_PREFIX, type Generator, type GeneratorMap } from './generators/types.js';

export interface XdsResourceSourceOptions {
  readonly generators: GeneratorMap;
  /** The current PushContext (swapped by the push pipeline after each rebuild). */
  readonly pushContext: () => PushContext;
  /** Upper bound of each memo (encoded resources, whole responses). Default 50 000. */
  readonly maxEntries?: number;
}

interface Memo<T> {
  readonly pushVersion: string;
  readonly value: T;
}

export interface XdsResourceSourceStats {
  readonly encoded: number;
  readonly reused: number;
  readonly responsesReused: number;
  readonly entries: number;
}

class BoundedMemo<T> {
  private readonly entries = new Map<string, Memo<T>>();
  constructor(private readonly max: number) {}

  get(key: string): T | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: string, pushVersion: string, value: T): void {
    this.entries.set(key, { pushVersion, value });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Keeps only entries of the given push versions. */
  retain(versions: ReadonlySet<string>): void {
    for (const [key, memo] of this.entries) if (!versions.has(memo.pushVersion)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

export class XdsResourceSource implements ResourceSource {
  private readonly generators: GeneratorMap;
  private readonly pushContext: () => PushContext;
  private readonly encodedMemo: BoundedMemo<EncodedResource>;
  private readonly responseMemo: BoundedMemo<GenerateResult>;
  private currentVersion: string | undefined;
  private previousVersion: string | undefined;
  private encodedCount = 0;
  private reusedCount = 0;
  private responsesReused = 0;

  constructor(options: XdsResourceSourceOptions) {
    this.generators = options.generators;
    this.pushContext = options.pushContext;
    const max = options.maxEntries ?? 50_000;
    this.encodedMemo = new BoundedMemo(max);
    this.responseMemo = new BoundedMemo(Math.max(1, Math.floor(max / 10)));
  }

  /** The generator serving `typeUrl` to `proxy`: `grpc/` entries for proxyless clients. */
  generatorFor(proxy: Proxy, typeUrl: string): Generator | undefined {
    return this.generators.get(isProxyless(proxy) ? GRPC_PREFIX + typeUrl : typeUrl);
  }

  supports(proxy: Proxy, typeUrl: string): boolean {
    return this.generatorFor(proxy, typeUrl) !== undefined;
  }

  needsPush(proxy: Proxy, typeUrl: string, request: PushRequest): boolean {
    return this.generatorFor(proxy, typeUrl)?.needsPush(request, proxy) ?? false;
  }

  generate(proxy: Proxy, watched: WatchedResource, request: PushRequest): GenerateResult {
    const generator = this.generatorFor(proxy, watched.typeUrl);
    const push = this.pushContext();
    this.observeVersion(push.version);
    const isEds = watched.typeUrl === ENDPOINT_TYPE;
    const pushVersion = isEds ? contentHash(`${push.version}|${push.endpoints.version()}`) : push.version;
    if (!generator) return { resources: [], pushVersion };
    const scope = generator.scopeKey(proxy);
    const responseKey = [
      push.version,
      isEds ? String(push.endpoints.revision) : '',
      watched.typeUrl,
      scope,
      watched.wildcard ? '*' : '',
      [...watched.names].sort().join(','),
    ].join('\n');
    const cached = this.responseMemo.get(responseKey);
    if (cached) {
      this.responsesReused++;
      return cached;
    }
    const resources = generator
      .generate({ push, proxy, watched, request })
      .map((r) => this.encode(push, watched.typeUrl, scope, r.name, r.message, isEds));
    const result: GenerateResult = { resources, pushVersion };
    this.responseMemo.set(responseKey, push.version, result);
    return result;
  }

  stats(): XdsResourceSourceStats {
    return {
      encoded: this.encodedCount,
      reused: this.reusedCount,
      responsesReused: this.responsesReused,
      entries: this.encodedMemo.size,
    };
  }

  private encode(
    push: PushContext,
    typeUrl: string,
    scope: string,
    name: string,
    message: Record<string, unknown>,
    isEds: boolean,
  ): EncodedResource {
    const hostname = isEds ? (parseClusterName(name)?.hostname ?? '') : '';
    const endpointVersion = isEds ? push.endpoints.hostnameVersion(hostname) : '';
    const key = [push.version, endpointVersion, typeUrl, scope, name].join('\n');
    const cached = this.encodedMemo.get(key);
    if (cached) {
      this.reusedCount++;
      return cached;
    }
    const type = messageType(typeUrl);
    const value = type.encode(type.fromObject(message)).finish();
    const encoded: EncodedResource = { name, version: contentHash(value), typeUrl, value };
    this.encodedMemo.set(key, push.version, encoded);
    this.encodedCount++;
    return encoded;
  }

  /** On a new push version, forget everything older than the previous one. */
  private observeVersion(version: string): void {
    if (version === this.currentVersion) return;
    this.previousVersion = this.currentVersion;
    this.currentVersion = version;
    const keep = new Set([version, ...(this.previousVersion ? [this.previousVersion] : [])]);
    this.encodedMemo.retain(keep);
    this.responseMemo.retain(keep);
  }
}
