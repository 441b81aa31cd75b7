/**
 * Virtual hosts of Envoy-style route configurations (Istio's sidecar and gateway route builders):
 * - a VirtualService's `http` routes in order, one route per match block (blocks are OR-ed;
 *   Envoy takes the first matching route), skipping blocks for another `port`, other source
 *   labels or namespace, or (when `gateways` is listed in the block) another gateway; nothing is
 *   generated after a catch-all;
 * - with no VirtualService, or none of its routes applying, a sidecar's virtual host routes
 *   everything to the service's default cluster (Istio's "default" route);
 * - sidecar domains: every spelling of the host (build-virtual-host.ts buildDomains) plus the
 *   service's VIPs, each with and without the port;
 * - the fall-through virtual host `allow_any` (ALLOW_ANY: PassthroughCluster) or `block_all`
 *   (REGISTRY_ONLY: 502) matching any other Host.
 * Envoy rejects a route configuration in which two virtual hosts share a domain, so callers pass
 * the domains already taken (`dedupeDomains`). Pure.
 */
import type {
  ConsistentHashLB,
  HTTPMatchRequest,
  HTTPRoute,
  VirtualServiceSpec,
} from '../../../model/istio/index.js';
import type { OutboundTrafficMode } from '../../../model/mesh-config.js';
import { PASSTHROUGH_CLUSTER } from '../envoy-types.js';
import type { ProtoObject } from '../proto-values.js';
import { buildEnvoyDefaultRoute, buildEnvoyRoute } from './build-envoy-route.js';
import type { DestinationResolver } from './build-route-action.js';
import { isCatchAllMatch } from './build-route-match.js';
import { buildDomains } from './build-virtual-host.js';

const MESH_GATEWAY = 'mesh';

export interface EnvoyRouteSource {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `ns/name` of the gateway being built, or undefined for sidecars (`mesh`). */
  readonly gateway?: string;
}

export interface EnvoyVirtualHostInput {
  readonly name: string;
  readonly domains: readonly string[];
  /** The listener port the route config serves (for `match.port`). */
  readonly port: number;
  /** Sidecars: where the default route goes when no VirtualService route applies. */
  readonly defaultCluster?: string;
  readonly defaultConsistentHash?: ConsistentHashLB;
  readonly virtualService?: { readonly spec: VirtualServiceSpec; readonly namespace: string };
  readonly source: EnvoyRouteSource;
  readonly resolve: DestinationResolver;
  /** Gateway `httpsRedirect`: every request is redirected to HTTPS. */
  readonly requireTls?: boolean;
  /** Pre-Istio-1.11 header matcher fields (build-envoy-route.ts). */
  readonly legacyMatchers?: boolean;
}

function gatewayRef(ref: string, namespace: string): string {
  return ref.includes('/') ? ref : `${namespace}/${ref}`;
}

function sourceMatches(match: HTTPMatchRequest, source: EnvoyRouteSource, vsNamespace: string): boolean {
  const gateways = match.gateways ?? [];
  if (gateways.length > 0) {
    const wanted = source.gateway ?? MESH_GATEWAY;
    const names = gateways.map((g) => (g === MESH_GATEWAY ? g : gatewayRef(g, vsNamespace)));
    if (!names.includes(wanted)) return false;
  }
  const labelsOk = Object.entries(match.sourceLabels ?? {}).every(([k, v]) => source.labels[k] === v);
  return labelsOk && (!match.sourceNamespace || match.sourceNamespace === source.namespace);
}

function routesOf(http: HTTPRoute, input: EnvoyVirtualHostInput, vsNamespace: string) {
  const out: ProtoObject[] = [];
  if (!http.match || http.match.length === 0) {
    const route = buildEnvoyRoute(http, undefined, input.resolve, input.legacyMatchers);
    return { routes: route ? [route] : [], catchAll: true };
  }
  for (const match of http.match) {
    if (match.port !== undefined && match.port !== 0 && match.port !== input.port) continue;
    if (!sourceMatches(match, input.source, vsNamespace)) continue;
    const route = buildEnvoyRoute(http, match, input.resolve, input.legacyMatchers);
    if (!route) continue;
    out.push(route);
    const m = route['match'] as ProtoObject;
    if (isCatchAllMatch(m) && m['query_parameters'] === undefined) return { routes: out, catchAll: true };
  }
  return { routes: out, catchAll: false };
}

/** Routes of a VirtualService for one listener port and source (may be empty). */
export function buildEnvoyVirtualServiceRoutes(input: EnvoyVirtualHostInput): ProtoObject[] {
  const vs = input.virtualService;
  if (!vs) return [];
  const out: ProtoObject[] = [];
  for (const http of vs.spec.http ?? []) {
    const { routes, catchAll } = routesOf(http, input, vs.namespace);
    out.push(...routes);
    if (catchAll) break;
  }
  return out;
}

export function buildEnvoyVirtualHost(input: EnvoyVirtualHostInput): ProtoObject {
  let routes = buildEnvoyVirtualServiceRoutes(input);
  if (routes.length === 0 && input.defaultCluster) {
    routes = [buildEnvoyDefaultRoute(input.defaultCluster, input.defaultConsistentHash)];
  }
  const vh: ProtoObject = { name: input.name, domains: [...input.domains], routes };
  if (input.requireTls) vh['require_tls'] = 'ALL';
  return vh;
}

/** Istio's sidecar domains for a service port: host spellings plus VIPs, with and without port. */
export function buildSidecarDomains(
  hostname: string,
  port: number,
  addresses: readonly string[],
  proxyNamespace: string,
  domainSuffix: string,
): string[] {
  const names = buildDomains(hostname, port, proxyNamespace, domainSuffix);
  for (const vip of addresses) {
    if (vip.includes('/')) continue; // CIDR ranges are not Host values.
    const host = vip.includes(':') ? `[${vip}]` : vip;
    names.push(host, `${host}:${port}`);
  }
  return names;
}

/** Removes domains already used by an earlier virtual host (recording the kept ones). */
export function dedupeDomains(domains: readonly string[], taken: Set<string>): string[] {
  const out: string[] = [];
  for (const d of domains) {
    const key = d.toLowerCase();
    if (taken.has(key)) continue;
    taken.add(key);
    out.push(d);
  }
  return out;
}

/** The catch-all virtual host for Hosts no service or VirtualService claims. */
export function buildFallthroughVirtualHost(mode: OutboundTrafficMode): ProtoObject {
  if (mode === 'REGISTRY_ONLY') {
    return {
      name: 'block_all',
      domains: ['*'],
      routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }],
    };
  }
  return {
    name: 'allow_any',
    domains: ['*'],
    routes: [
      {
        name: 'allow_any',
        match: { prefix: '/' },
        route: { cluster: PASSTHROUGH_CLUSTER, timeout: { seconds: 0, nanos: 0 } },
      },
    ],
  };
}

/** Gateways: the virtual host for Hosts no VirtualService routes (Istio answers 404). */
export function buildGatewayBlackholeVirtualHost(port: number): ProtoObject {
  return {
    name: `blackhole:${port}`,
    domains: ['*'],
    routes: [{ name: 'default', match: { prefix: '/' }, direct_response: { status: 404 } }],
  };
}
