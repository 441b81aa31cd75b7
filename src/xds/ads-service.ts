/**
 * Loads `envoy.service.discovery.v3.AggregatedDiscoveryService` for @grpc/grpc-js from the
 * Envoy protos shipped in @grpc/grpc-js-xds (see proto.ts). Loaded once per process.
 */
import * as protoLoader from '@grpc/proto-loader';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { preparedSerializer } from './prepared-response.js';
import { deltaRequestDeserializer, sotwRequestDeserializer } from './request-decoder.js';
import { PROTO_INCLUDE_DIRS } from './proto.js';

export const ADS_SERVICE_NAME = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

/**
 * Options matching ads-messages.ts: snake_case fields, int64 as strings, enums as names, no
 * defaults materialized (absent means absent), oneofs reported by name.
 */
export const ADS_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: [...PROTO_INCLUDE_DIRS],
};

let packageDefinition: protoLoader.PackageDefinition | undefined;

/** The package definition of ads.proto and everything it imports. */
export function adsPackageDefinition(): protoLoader.PackageDefinition {
  packageDefinition ??= protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', ADS_LOADER_OPTIONS);
  return packageDefinition;
}

/** The ADS service definition, ready for `grpc.Server.addService` or a generic client. */
export function adsServiceDefinition(): ServiceDefinition {
  const def = adsPackageDefinition()[ADS_SERVICE_NAME];
  if (!def || !('StreamAggregatedResources' in def))
    throw new Error(`${ADS_SERVICE_NAME} not found in ads.proto`);
  return def as unknown as ServiceDefinition;
}

let serverDefinition: ServiceDefinition | undefined;

/**
 * The definition the server registers: requests go through request-decoder.ts (name lists
 * interned from their bytes, everything else by proto-loader), responses are written as prepared
 * bytes (prepared-response.ts), so nothing is re-encoded per stream. A copy: clients built from
 * `adsPackageDefinition()` keep proto-loader's serializers.
 */
export function adsServerDefinition(): ServiceDefinition {
  if (serverDefinition) return serverDefinition;
  const def: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(
    adsServiceDefinition() as Record<string, MethodDefinition<unknown, unknown>>,
  )) {
    const decode = name === 'DeltaAggregatedResources' ? deltaRequestDeserializer : sotwRequestDeserializer;
    def[name] = {
      ...method,
      requestDeserialize: decode(method.requestDeserialize),
      responseSerialize: preparedSerializer(method.responseSerialize),
    };
  }
  serverDefinition = def as ServiceDefinition;
  return serverDefinition;
}
