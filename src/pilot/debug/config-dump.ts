/**
 * `/debug/config_dump?proxyID=`: the resources a proxy was given, encoded with the same protobufjs
 * types the ADS server uses and decoded back to JSON (nested `Any`s expanded with `@type`), in
 * Envoy's admin `config_dump` shape (`ClustersConfigDump`, `ListenersConfigDump`, ...) so tools
 * that read an Envoy config dump read this one. The resources come from {@link proxyResources}
 * (regenerated for the proxy's current subscription, as the proxy itself: its namespace, labels and
 * metadata from its `Node`, shown under `node`). Pure.
 */
import type { Proxy } from '../../model/proxy.js';
import { messageType } from '../../xds/proto.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../xds/type-urls.js';
import type { Resource } from '../generators/types.js';
import type { ProxyTypeResources } from './proxy-resources.js';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

/** A resource through the wire format and back: exactly what a client decodes. */
export function decodeResource(typeUrl: string, resource: Resource): Record<string, unknown> {
  try {
    const type = messageType(typeUrl);
    const bytes = type.encode(type.fromObject(resource.message)).finish();
    return type.toObject(type.decode(bytes), {
      json: true,
      longs: String,
      enums: String,
      bytes: String,
    });
  } catch (err) {
    return { name: resource.name, decode_error: err instanceof Error ? err.message : String(err) };
  }
}

function section(typeUrl: string, version: string, resources: readonly Resource[]): Record<string, unknown> {
  const decoded = resources.map((r) => decodeResource(typeUrl, r));
  switch (typeUrl) {
    case CLUSTER_TYPE:
      return {
        '@type': `${ADMIN}ClustersConfigDump`,
        dynamic_active_clusters: decoded.map((cluster) => ({ version_info: version, cluster })),
      };
    case LISTENER_TYPE:
      return {
        '@type': `${ADMIN}ListenersConfigDump`,
        dynamic_listeners: decoded.map((listener, i) => ({
          name: resources[i]!.name,
          active_state: { version_info: version, listener },
        })),
      };
    case ROUTE_TYPE:
      return {
        '@type': `${ADMIN}RoutesConfigDump`,
        dynamic_route_configs: decoded.map((route_config) => ({ version_info: version, route_config })),
      };
    case ENDPOINT_TYPE:
      return {
        '@type': `${ADMIN}EndpointsConfigDump`,
        dynamic_endpoint_configs: decoded.map((endpoint_config) => ({
          version_info: version,
          endpoint_config,
        })),
      };
    default:
      return { type_url: typeUrl, version_info: version, resources: decoded };
  }
}

const ORDER = [CLUSTER_TYPE, LISTENER_TYPE, ROUTE_TYPE, ENDPOINT_TYPE];
const rank = (url: string): number => (ORDER.includes(url) ? ORDER.indexOf(url) : ORDER.length);

export interface ConfigDump {
  readonly proxy: string;
  /** How the resources were obtained (see proxy-resources.ts). */
  readonly source: 'regenerated';
  readonly version: string;
  /** The proxy as parsed from its Node (what label-selected config was matched against). */
  readonly node?: {
    readonly type: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly ip_addresses: readonly string[];
    readonly generator?: string;
    readonly metadata: Readonly<Record<string, unknown>>;
  };
  readonly configs: readonly Record<string, unknown>[];
}

export function buildConfigDump(
  proxyId: string,
  version: string,
  perType: readonly ProxyTypeResources[],
  proxy?: Proxy,
): ConfigDump {
  const configs = [...perType]
    .sort((a, b) => rank(a.typeUrl) - rank(b.typeUrl) || a.typeUrl.localeCompare(b.typeUrl))
    .map((t) => section(t.typeUrl, version, t.resources));
  const node = proxy
    ? {
        type: proxy.type,
        namespace: proxy.namespace,
        labels: proxy.labels,
        ip_addresses: proxy.ipAddresses,
        ...(proxy.generator !== undefined ? { generator: proxy.generator } : {}),
        metadata: proxy.metadata,
      }
    : undefined;
  return { proxy: proxyId, source: 'regenerated', version, ...(node ? { node } : {}), configs };
}
