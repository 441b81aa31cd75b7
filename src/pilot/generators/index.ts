/**
 * The explicit generator map (design §1): Envoy-style type URLs for sidecars and routers (a later
 * issue adds them), `grpc/` + type URL for proxyless gRPC clients. Callers may pass extra
 * generators to extend or override entries.
 */
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

/**
 * Builds the map: proxyless generators under `grpc/<typeUrl>`, then `extra` entries (already
 * keyed, e.g. Envoy generators under their bare type URL) added or replacing.
 */
export function buildGeneratorMap(extra: ReadonlyMap<string, Generator> = new Map()): GeneratorMap {
  const map = new Map<string, Generator>();
  for (const g of GRPC_GENERATORS) map.set(GRPC_PREFIX + g.typeUrl, g);
  for (const [key, g] of extra) map.set(key, g);
  return map;
}
