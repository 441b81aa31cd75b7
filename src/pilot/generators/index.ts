/**
 * The explicit generator map (design §1): Envoy-style generators (sidecars and routers, Envoy and
 * MOSN) under the bare type URLs, `grpc/` + type URL for proxyless gRPC clients. Callers may pass
 * extra generators to extend or override entries.
 */
import { envoyClusterGenerator } from './envoy-cds.js';
import { envoyEndpointGenerator } from './envoy-eds.js';
import { envoyListenerGenerator } from './envoy-lds.js';
import { envoyRouteGenerator } from './envoy-rds.js';
import { grpcClusterGenerator } from './grpc-cds.js';
import { grpcEndpointGenerator } from './grpc-eds.js';
import { grpcListenerGenerator } from './grpc-lds.js';
import { grpcRouteGenerator } from './grpc-rds.js';
import { GRPC_PREFIX, type Generator, type GeneratorMap } from './types.js';

/** Generators for proxyless gRPC clients, keyed `grpc/` + type URL. */
export const GRPC_GENERATORS: readonly Generator[] = [
  grpcListenerGenerator,
  grpcRouteGenerator,
  grpcClusterGenerator,
  grpcEndpointGenerator,
];

/** Generators for Envoy-style proxies (`sidecar~` and `router~` nodes), keyed by type URL. */
export const ENVOY_GENERATORS: readonly Generator[] = [
  envoyListenerGenerator,
  envoyRouteGenerator,
  envoyClusterGenerator,
  envoyEndpointGenerator,
];

/**
 * Builds the map: proxyless generators under `grpc/<typeUrl>`, Envoy-style ones under the bare
 * type URL, then `extra` entries (already keyed) added or replacing.
 */
export function buildGeneratorMap(extra: ReadonlyMap<string, Generator> = new Map()): GeneratorMap {
  const map = new Map<string, Generator>();
  for (const g of GRPC_GENERATORS) map.set(GRPC_PREFIX + g.typeUrl, g);
  for (const g of ENVOY_GENERATORS) map.set(g.typeUrl, g);
  for (const [key, g] of extra) map.set(key, g);
  return map;
}
