/**
 * The boundary between the protocol (src/xds) and config generation (src/pilot): the ADS server
 * asks a ResourceSource for the resources of one type for one connection, already encoded.
 */
import type { Proxy } from '../model/proxy.js';
import type { PushRequest } from '../model/push-request.js';

/** What a connection watches for one type. */
export interface WatchedResource {
  readonly typeUrl: string;
  /** Wildcard subscription (LDS/CDS `*`, or the legacy empty first request). */
  readonly wildcard: boolean;
  /** Explicitly subscribed names (may be non-empty together with wildcard in delta). */
  readonly names: ReadonlySet<string>;
}

/**
 * A resource encoded once for a version and shared by every stream that receives it:
 * `value` is the serialized message placed in `Any.value` as-is.
 */
export interface EncodedResource {
  readonly name: string;
  /** Content hash of `value`: equal bytes, equal version, across replicas and restarts. */
  readonly version: string;
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

export interface GenerateResult {
  readonly resources: readonly EncodedResource[];
  /** The push context version the resources were built from (for debug and SotW version_info). */
  readonly pushVersion: string;
}

export interface ResourceSource {
  /** True when this source can serve `typeUrl` to `proxy`. */
  supports(proxy: Proxy, typeUrl: string): boolean;
  /** Whether `request` may change what `proxy` sees for `typeUrl` (the generator's filter). */
  needsPush(proxy: Proxy, typeUrl: string, request: PushRequest): boolean;
  /**
   * Optional: false when `request` changes `typeUrl` for no proxy at all. Every stream asks it
   * with the same request first, so a push skips the types it cannot concern without a
   * per-stream lookup (issue 3). Absent or true: `needsPush` decides per proxy.
   */
  concerns?(typeUrl: string, request: PushRequest): boolean;
  /**
   * The current resources of `typeUrl` for `proxy`, restricted to what it watches. Always the
   * complete current set for the subscription: in delta, a watched name missing from it is sent as
   * a removal, and in SotW LDS/CDS, a missing name means deleted.
   *
   * A source should return the very same GenerateResult object to every proxy of a group (same
   * output) with the same `watched.names` Set (the server interns them, name-sets.ts) while
   * nothing changed: the server then computes the response content, its diff and its encoding
   * once for all of them (content.ts, prepared-response.ts). A fresh object per call is correct,
   * only slower.
   */
  generate(proxy: Proxy, watched: WatchedResource, request: PushRequest): GenerateResult;
  /**
   * Optional: `needsPush` and `generate` for one proxy and type, bound once per stream and type.
   * A push asks every stream about every type it watches, so the per-call lookup of the proxy's
   * generator and group is worth doing once (issue 3). Same answers as the unbound methods.
   */
  bind?(proxy: Proxy, typeUrl: string): SourceBinding;
}

/** {@link ResourceSource.needsPush} and {@link ResourceSource.generate} for one proxy and type. */
export interface SourceBinding {
  /**
   * True when the proxy's group for this type never changes (its scope reads nothing but the
   * proxy): two of its streams that hold the same content then get the same answers.
   */
  readonly stableGroup: boolean;
  needsPush(request: PushRequest): boolean;
  generate(watched: WatchedResource, request: PushRequest): GenerateResult;
}
