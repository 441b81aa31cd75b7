/**
 * What a connected proxy was last given, regenerated: the generators of its current subscription
 * run on the current PushContext. For a proxy that has ACKed, this is what it holds (generation is
 * deterministic, design §6.4); while a push is in flight it is what it is about to get. The ADS
 * layer does not keep decoded copies of what it sent (it shares encoded bytes across streams), so
 * regenerating is the honest cheap answer. Pure: no I/O, never throws on a bad node id.
 *
 * The proxy is the one the connection parsed from its `Node` (namespace, labels, GENERATOR), so
 * label-selected config (Sidecar workloadSelector, Gateway selectors) comes out as the proxy got
 * it. Only a view without it (hand-made) falls back to the node id alone.
 */
import type { PushContext } from '../../model/push-context.js';
import { isProxyless, parseProxy, type Proxy } from '../../model/proxy.js';
import { fullPush } from '../../model/push-request.js';
import type { ConnectionInfo } from '../../xds/connection-types.js';
import { GRPC_PREFIX, type GeneratorMap, type Resource } from '../generators/types.js';

/** The Proxy behind a node id, as far as the id tells (no labels, no metadata). */
export function proxyFromId(proxyId: string): Proxy | undefined {
  const plain = parseProxy({ id: proxyId });
  if (plain.ok) return plain.proxy;
  const grpc = parseProxy({ id: proxyId, metadata: { GENERATOR: 'grpc' } });
  return grpc.ok ? grpc.proxy : undefined;
}

/** The proxy of a connection: as parsed from its Node, else as far as its id tells. */
export function connectionProxy(conn: ConnectionInfo): Proxy | undefined {
  return conn.proxy ?? proxyFromId(conn.proxyId);
}

export interface ProxyTypeResources {
  readonly typeUrl: string;
  readonly resources: readonly Resource[];
}

/** Resources per subscribed type of one connection, in the connection's type order. */
export function proxyResources(
  push: PushContext,
  generators: GeneratorMap,
  conn: ConnectionInfo,
): ProxyTypeResources[] | undefined {
  const proxy = connectionProxy(conn);
  if (!proxy) return undefined;
  const request = fullPush('full', 0);
  return conn.types.map((t) => {
    const generator = generators.get(isProxyless(proxy) ? GRPC_PREFIX + t.typeUrl : t.typeUrl);
    if (!generator) return { typeUrl: t.typeUrl, resources: [] };
    const watched = { typeUrl: t.typeUrl, wildcard: t.wildcard, names: new Set(t.names) };
    const resources = generator.generate({ push, proxy, watched, request });
    const wanted = new Set(t.names);
    return {
      typeUrl: t.typeUrl,
      resources: t.wildcard || wanted.size === 0 ? resources : resources.filter((r) => wanted.has(r.name)),
    };
  });
}
