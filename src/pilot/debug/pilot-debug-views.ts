/**
 * Pilot's debug views on the monitoring address (istiod's `/debug/...` on 15014): the thin glue
 * between the live Pilot (connections, current PushContext, generators) and the pure builders in
 * this folder. Each view takes the request's query string.
 */
import type { PushContext } from '../../model/push-context.js';
import type { ConnectionInfo } from '../../xds/connection-types.js';
import type { GeneratorMap } from '../generators/types.js';
import { buildConfigDump } from './config-dump.js';
import { buildEndpointz } from './endpointz.js';
import { connectionProxy, proxyResources } from './proxy-resources.js';
import { buildRejectedConfigs, pushContextLookup, type RejectedConfig } from './rejected-configs.js';
import { buildSyncz } from './syncz.js';

export type DebugQuery = Readonly<Record<string, string | undefined>>;
export type DebugView = (query: DebugQuery) => unknown;

/** A debug request that cannot be answered; fastify replies with `statusCode`. */
export class DebugRequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface PilotDebugSource {
  connections(): readonly ConnectionInfo[];
  /** Undefined until Pilot has started. */
  pushContext(): PushContext | undefined;
  readonly generators: GeneratorMap;
}

/**
 * Configs whose generated resources a connected proxy currently rejects. Resource names that must
 * be regenerated (a wildcard NACK naming nothing) are generated once per proxy shape (type,
 * namespace, generator, labels: what selects config) per computation, not once per proxy.
 */
export function currentRejections(src: PilotDebugSource): RejectedConfig[] {
  const push = src.pushContext();
  if (!push) return [];
  const generated = new Map<string, readonly string[]>();
  return buildRejectedConfigs(src.connections(), pushContextLookup(push), (conn, typeUrl) => {
    const proxy = connectionProxy(conn);
    const shape = proxy
      ? JSON.stringify([typeUrl, proxy.type, proxy.namespace, proxy.generator ?? '', proxy.labels])
      : undefined;
    const cached = shape !== undefined ? generated.get(shape) : undefined;
    if (cached) return cached;
    const perType = proxyResources(push, src.generators, {
      ...conn,
      types: conn.types.filter((t) => t.typeUrl === typeUrl),
    });
    const names = (perType ?? []).flatMap((t) => t.resources.map((r) => r.name));
    if (shape !== undefined) generated.set(shape, names);
    return names;
  });
}

export function buildPilotDebugViews(src: PilotDebugSource): Record<string, DebugView> {
  return {
    syncz: () => buildSyncz(src.connections()),
    registryz: () => src.pushContext()?.services() ?? [],
    endpointz: () => {
      const push = src.pushContext();
      return push ? buildEndpointz(push.services(), push.endpoints) : [];
    },
    config_dump: (query) => {
      const proxyId = query['proxyID'] ?? query['proxy_id'];
      if (!proxyId) throw new DebugRequestError(400, 'config_dump needs ?proxyID=<node id>');
      const conn = src.connections().find((c) => c.proxyId === proxyId);
      const push = src.pushContext();
      if (!conn || !push) throw new DebugRequestError(404, `proxy ${proxyId} is not connected`);
      const perType = proxyResources(push, src.generators, conn);
      if (!perType) throw new DebugRequestError(404, `proxy ${proxyId}: node id not understood`);
      return buildConfigDump(proxyId, push.version, perType, connectionProxy(conn));
    },
    push_status: () => {
      const push = src.pushContext();
      return {
        version: push?.version,
        proxies: src.connections().length,
        warnings: push?.warnings ?? [],
        rejected: currentRejections(src),
      };
    },
  };
}
