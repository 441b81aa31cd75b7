/**
 * Loads Envoy's API protos from the copies shipped in `@grpc/grpc-js-xds` (deps/), so no Envoy
 * proto is vendored in this repository. One protobufjs Root serves encoding of every resource and
 * the gRPC service definitions.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const depsDir = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');

/** Include directories, in lookup order, for every proto import. */
export const PROTO_INCLUDE_DIRS: readonly string[] = [
  path.join(depsDir, 'envoy-api'),
  path.join(depsDir, 'xds'),
  path.join(depsDir, 'googleapis'),
  path.join(depsDir, 'protoc-gen-validate'),
  path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../proto'),
  // google/protobuf/descriptor.proto (imported by the validate and udpa annotations).
  path.dirname(require.resolve('protobufjs/package.json')),
];

/** The proto files whose messages meshplane encodes or decodes. */
export const ENVOY_PROTO_FILES: readonly string[] = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/config/route/v3/route_components.proto',
  'udpa/type/v1/typed_struct.proto',
  'xds/type/v3/typed_struct.proto',
];

function resolveImport(origin: string, target: string): string {
  if (path.isAbsolute(target) && existsSync(target)) return target;
  for (const dir of PROTO_INCLUDE_DIRS) {
    const candidate = path.join(dir, target);
    if (existsSync(candidate)) return candidate;
  }
  // The well-known types (any, duration, struct...) are bundled with protobufjs as "common" types.
  return target;
}

let root: protobuf.Root | undefined;

/** The shared Root with every Envoy message meshplane uses, loaded once. */
export function envoyRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = resolveImport;
  r.loadSync(
    ENVOY_PROTO_FILES.map((f) => resolveImport('', f)),
    { keepCase: true },
  );
  r.resolveAll();
  root = r;
  return r;
}

/** The message type behind a `type.googleapis.com/...` URL. */
export function messageType(typeUrl: string): protobuf.Type {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  return envoyRoot().lookupType(name);
}
