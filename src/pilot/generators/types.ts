/**
 * Generators are pure functions from an immutable PushContext and a proxy to xDS resources
 * (Istio's XdsResourceGenerator). They never import I/O modules; src/pilot/xds-source.ts encodes
 * their output once per version and shares the bytes across streams.
 */
import type { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import type { WatchedResource } from '../../xds/source.js';

/**
 * One generated resource: its name and the message as a protobufjs-compatible plain object
 * (snake_case fields, nested Anys as `{'@type': url, ...fields}`), encoded by the caller.
 */
export interface Resource {
  readonly name: string;
  readonly message: Record<string, unknown>;
}

export interface GenerateContext {
  readonly push: PushContext;
  readonly proxy: Proxy;
  readonly watched: WatchedResource;
  readonly request: PushRequest;
}

/** Which resource names a change may have touched. */
export type ResourceFilter = (name: string) => boolean;

export interface Generator {
  readonly typeUrl: string;
  generate(ctx: GenerateContext): Resource[];
  /** Does this change concern this proxy for this type? */
  needsPush(request: PushRequest, proxy: Proxy): boolean;
  /**
   * Optional: false when `request` concerns no proxy at all (`needsPush` false for every one),
   * so a push skips this type without asking each of thousands of streams. Absent: it may.
   */
  mayConcern?(request: PushRequest): boolean;
  /**
   * Optional dependency filter: of the resources generated from `previous`, the names the full
   * push `request` (which turned `previous` into `push`) may change, for every proxy; undefined
   * when any may. The others are reused as they were, so one VirtualService change regenerates
   * the route configs of its hosts, not thousands (issue 3). Must err on the side of "may".
   */
  changedResources?(
    request: PushRequest,
    previous: PushContext,
    push: PushContext,
  ): ResourceFilter | undefined;
  /**
   * What the output for one resource name depends on beyond the PushContext, as a string key:
   * proxies with equal keys get byte-identical resources, so encodings are shared between them.
   * `push` is given when the key depends on it (a sidecar's own workload, read from the
   * endpoints); such generators set `scopeUsesPush`, and the key is then taken again whenever
   * the PushContext or the endpoints change.
   */
  scopeKey(proxy: Proxy, push?: PushContext): string;
  readonly scopeUsesPush?: boolean;
}

/** The explicit generator map: Envoy-style type URL, or `grpc/` + type URL for proxyless. */
export type GeneratorMap = ReadonlyMap<string, Generator>;

export const GRPC_PREFIX = 'grpc/';
