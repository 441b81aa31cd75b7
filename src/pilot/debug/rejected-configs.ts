/**
 * A rejected config goes back to its author (issue 8): from the NACKs proxies currently hold
 * against Pilot's responses to the VirtualServices and DestinationRules that produced the rejected
 * resources. Pure: connections and a lookup in, a sorted list out.
 *
 * Which resources were rejected: a NACK carries `error_detail` and the nonce, not the names
 * (xDS protocol, "ACK/NACK and resource type instance version"). Envoy and gRPC name the bad
 * resource in the message, so the names of the type that appear in the message are taken; when
 * none does, every resource of the type the proxy asked for is suspect. For a wildcard
 * subscription (CDS), the outbound cluster names written in the message are taken as they are,
 * and the proxy's resources are regenerated only when the message names none: a NACK storm on
 * CDS from thousands of proxies must not cost one CDS generation per proxy per recomputation. A NACK is current until
 * the next ACK of that type (the ADS layer clears it), so an ACK after a fix clears the verdict.
 *
 * Resource name → config (design §3 naming):
 * - RDS `PORT` (sidecar route config): the mesh VirtualServices routing a service that has that
 *   port, as seen from the proxy's namespace; `outbound|PORT||HOST` (proxyless): the one routing HOST.
 * - CDS and EDS `outbound|PORT|SUBSET|HOST`: the DestinationRule(s) merged for HOST.
 * - Anything else (listeners, gateway routes, inbound clusters) is not attributed.
 */
import { keyOf, type Config } from '../../model/config.js';
import type { PushContext } from '../../model/push-context.js';
import type { ConnectionInfo, TypeInfo } from '../../xds/connection-types.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, ROUTE_TYPE, shortTypeName } from '../../xds/type-urls.js';
import { parseClusterName, parseProxylessRouteName } from '../networking/naming.js';
import { connectionProxy } from './proxy-resources.js';

/** The configs behind one generated resource, for a proxy in `namespace`. */
export interface RejectionLookup {
  routeConfigs(name: string, namespace: string): readonly Config[];
  clusterConfigs(name: string, namespace: string): readonly Config[];
}

export interface RejectingProxy {
  readonly proxy: string;
  readonly type: string;
  readonly resources: readonly string[];
  readonly error: string;
}

export interface RejectedConfig {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Where the config came from (`kubernetes`, a file path), for the status writer. */
  readonly source?: string;
  readonly proxies: readonly RejectingProxy[];
}

/** Resource names of a type a proxy holds when its subscription lists none (wildcard CDS). */
export type GeneratedNames = (conn: ConnectionInfo, typeUrl: string) => readonly string[];

const NAME_CHAR = /[A-Za-z0-9_.|-]/;

/** `name` appears in `text` as a whole token (not inside a longer name: `80` is not in `8080`). */
function mentions(text: string, name: string): boolean {
  for (let i = text.indexOf(name); i >= 0; i = text.indexOf(name, i + 1)) {
    const before = i > 0 ? text[i - 1]! : ' ';
    const after = i + name.length < text.length ? text[i + name.length]! : ' ';
    if (!NAME_CHAR.test(before) && !NAME_CHAR.test(after)) return true;
  }
  return false;
}

/** The rejected resources of one NACKed type: those the error names, else all candidates. */
export function rejectedNames(error: string, candidates: readonly string[]): string[] {
  const named = candidates.filter((n) => n !== '' && mentions(error, n));
  return [...new Set(named.length > 0 ? named : candidates)].sort();
}

export function pushContextLookup(push: PushContext): RejectionLookup {
  return {
    routeConfigs(name, namespace) {
      const proxyless = parseProxylessRouteName(name);
      if (proxyless) {
        const vs = push.virtualServiceForHost(proxyless.hostname, namespace);
        return vs ? [vs.config] : [];
      }
      if (!/^\d{1,5}$/.test(name)) return [];
      const port = Number(name);
      const out: Config[] = [];
      for (const svc of push.servicesVisibleTo(namespace)) {
        if (!svc.ports.some((p) => p.port === port)) continue;
        const vs = push.virtualServiceForHost(svc.hostname, namespace);
        if (vs) out.push(vs.config);
      }
      return out;
    },
    clusterConfigs(name, namespace) {
      const parts = parseClusterName(name);
      if (!parts || parts.direction !== 'outbound') return [];
      return push.destinationRule(parts.hostname, namespace)?.sources ?? [];
    },
  };
}

function configsFor(
  lookup: RejectionLookup,
  typeUrl: string,
  name: string,
  namespace: string,
): readonly Config[] {
  if (typeUrl === ROUTE_TYPE) return lookup.routeConfigs(name, namespace);
  if (typeUrl === CLUSTER_TYPE || typeUrl === ENDPOINT_TYPE) return lookup.clusterConfigs(name, namespace);
  return [];
}

const ATTRIBUTED = new Set([ROUTE_TYPE, CLUSTER_TYPE, ENDPOINT_TYPE]);

export function buildRejectedConfigs(
  connections: readonly ConnectionInfo[],
  lookup: RejectionLookup,
  generatedNames: GeneratedNames = () => [],
): RejectedConfig[] {
  const byKey = new Map<string, { config: Config; proxies: Map<string, RejectingProxy> }>();
  for (const conn of connections) {
    const proxy = connectionProxy(conn);
    if (!proxy) continue;
    for (const t of conn.types) {
      if (t.lastNackError === undefined || !ATTRIBUTED.has(t.typeUrl)) continue;
      const error = t.lastNackError;
      const candidates = candidateNames(conn, t, generatedNames);
      const perConfig = new Map<string, { config: Config; names: string[] }>();
      for (const name of rejectedNames(error, candidates)) {
        for (const config of configsFor(lookup, t.typeUrl, name, proxy.namespace)) {
          const key = keyOf(config);
          const entry = perConfig.get(key) ?? { config, names: [] };
          entry.names.push(name);
          perConfig.set(key, entry);
        }
      }
      for (const [key, { config, names }] of perConfig) {
        const entry = byKey.get(key) ?? { config, proxies: new Map<string, RejectingProxy>() };
        const type = shortTypeName(t.typeUrl);
        entry.proxies.set(`${conn.proxyId}\u0000${type}`, {
          proxy: conn.proxyId,
          type,
          resources: names,
          error,
        });
        byKey.set(key, entry);
      }
    }
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, { config, proxies }]) => ({
      kind: config.meta.kind,
      namespace: config.meta.namespace,
      name: config.meta.name,
      ...(config.meta.source !== undefined ? { source: config.meta.source } : {}),
      proxies: [...proxies.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, p]) => p),
    }));
}

/** Outbound cluster names written in `text` (what Envoy and gRPC quote in a CDS/EDS NACK). */
export function clusterNamesIn(text: string): string[] {
  const tokens = text.match(/[A-Za-z0-9_.|-]+/g) ?? [];
  return [...new Set(tokens.filter((t) => parseClusterName(t)?.direction === 'outbound'))].sort();
}

function candidateNames(
  conn: ConnectionInfo,
  t: TypeInfo,
  generatedNames: GeneratedNames,
): readonly string[] {
  if (t.names.length > 0 && !t.wildcard) return t.names;
  if (t.typeUrl === CLUSTER_TYPE || t.typeUrl === ENDPOINT_TYPE) {
    const quoted = clusterNamesIn(t.lastNackError ?? '');
    if (quoted.length > 0) return [...new Set([...t.names, ...quoted])];
  }
  return [...new Set([...t.names, ...generatedNames(conn, t.typeUrl)])];
}

/** One line for a status condition or a log: which proxies rejected what, and why. */
export function rejectionMessage(rejected: RejectedConfig, maxProxies = 10): string {
  const shown = rejected.proxies
    .slice(0, maxProxies)
    .map((p) => `${p.proxy} rejected ${p.type} ${p.resources.join(',')}: ${p.error}`);
  const more = rejected.proxies.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}
