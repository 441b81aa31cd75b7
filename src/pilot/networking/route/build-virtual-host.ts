/**
 * The virtual host of one service port for proxyless gRPC clients: Istio's sidecar outbound
 * virtual host restricted to the one service the route config is named after (grpcgen).
 *
 * Domains: gRPC picks the virtual host by matching the dial authority against `domains`, so every
 * spelling a client may dial is listed — `host` and `host:port`, plus for Kubernetes-style
 * `name.ns.svc.SUFFIX` hosts the short forms Istio generates (`name.ns.svc`, `name.ns`, and `name`
 * for clients in the same namespace), each with and without the port.
 *
 * Routes: the VirtualService's `http` routes in order, one route per `match` block (blocks are
 * OR-ed; gRPC tries routes in order and the first match wins). Blocks for another `port`, for
 * other source labels/namespaces or for gateways other than `mesh` are skipped, as are routes
 * that do not forward (redirect, direct response, delegate: gRPC NACKs such actions). Nothing is
 * generated after a catch-all. With no VirtualService, or one that yields no route for this port,
 * the default route sends everything (`prefix: "/"`) to the service's cluster. Pure.
 */
import type {
  ConsistentHashLB,
  HTTPMatchRequest,
  HTTPRoute,
  VirtualServiceSpec,
} from '../../../model/istio/index.js';
import { buildVirtualHostName } from '../naming.js';
import type { ProtoObject } from '../proto-values.js';
import { buildFault, FAULT_FILTER_NAME } from './build-fault.js';
import { buildHashPolicy, buildRouteAction, type DestinationResolver } from './build-route-action.js';
import { buildRetryPolicy } from './build-retry.js';
import { buildRouteMatch, isCatchAllMatch, isGrpcMatchable } from './build-route-match.js';

const MESH_GATEWAY = 'mesh';

export interface RouteSource {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface VirtualHostInput {
  readonly hostname: string;
  readonly port: number;
  readonly domains: readonly string[];
  /** `outbound|PORT||HOST`: where the default route goes. */
  readonly defaultCluster: string;
  /** The service's DestinationRule consistent hash, for the default route's hash policy. */
  readonly defaultConsistentHash?: ConsistentHashLB;
  readonly virtualService?: VirtualServiceSpec;
  /** The client, for `sourceLabels` / `sourceNamespace` matches. */
  readonly source: RouteSource;
  readonly resolve: DestinationResolver;
}

/** Every authority a client may dial for this service port (see the module comment). */
export function buildDomains(
  hostname: string,
  port: number,
  clientNamespace: string,
  domainSuffix: string,
): string[] {
  const names = [hostname];
  const suffix = `.svc.${domainSuffix}`;
  if (hostname.endsWith(suffix)) {
    const nameNs = hostname.slice(0, -suffix.length);
    const parts = nameNs.split('.');
    if (parts.length === 2) {
      names.push(`${nameNs}.svc`, nameNs);
      if (parts[1] === clientNamespace) names.push(parts[0]!);
    }
  }
  return names.flatMap((n) => [n, `${n}:${port}`]);
}

/** Istio's sourceMatchHTTP: gateways (when listed) must include `mesh`; else labels and namespace. */
function sourceMatches(match: HTTPMatchRequest, source: RouteSource): boolean {
  if (match.gateways && match.gateways.length > 0) return match.gateways.includes(MESH_GATEWAY);
  const labelsOk = Object.entries(match.sourceLabels ?? {}).every(([k, v]) => source.labels[k] === v);
  return labelsOk && (!match.sourceNamespace || match.sourceNamespace === source.namespace);
}

function buildRoute(
  http: HTTPRoute,
  match: HTTPMatchRequest | undefined,
  input: VirtualHostInput,
): ProtoObject | undefined {
  const action = buildRouteAction(http, input.resolve);
  if (!action) return undefined;
  const route: ProtoObject = {};
  const name = [http.name, match?.name].filter((n) => n).join('.');
  if (name) route['name'] = name;
  route['match'] = buildRouteMatch(match);
  route['route'] = action;
  const fault = buildFault(http.fault);
  if (fault) route['typed_per_filter_config'] = { [FAULT_FILTER_NAME]: fault };
  return route;
}

/** Routes of a VirtualService for one port and client (may be empty). */
export function buildVirtualServiceRoutes(vs: VirtualServiceSpec, input: VirtualHostInput): ProtoObject[] {
  const out: ProtoObject[] = [];
  for (const http of vs.http ?? []) {
    let catchAll = false;
    if (!http.match || http.match.length === 0) {
      const route = buildRoute(http, undefined, input);
      if (route) out.push(route);
      catchAll = true;
    } else {
      for (const match of http.match) {
        if (match.port !== undefined && match.port !== 0 && match.port !== input.port) continue;
        if (!sourceMatches(match, input.source) || !isGrpcMatchable(match)) continue;
        const route = buildRoute(http, match, input);
        if (!route) continue;
        out.push(route);
        if (isCatchAllMatch(route['match'] as ProtoObject)) {
          catchAll = true;
          break;
        }
      }
    }
    if (catchAll) break;
  }
  return out;
}

/** Istio's default outbound route: everything to the service's cluster, default retries. */
export function buildDefaultRoute(cluster: string, hash?: ConsistentHashLB): ProtoObject {
  const action: ProtoObject = { cluster };
  const retry = buildRetryPolicy(undefined);
  if (retry) action['retry_policy'] = retry;
  const hashPolicy = buildHashPolicy(hash);
  if (hashPolicy) action['hash_policy'] = [hashPolicy];
  return { name: 'default', match: { prefix: '/' }, route: action };
}

export function buildVirtualHost(input: VirtualHostInput): ProtoObject {
  let routes = input.virtualService ? buildVirtualServiceRoutes(input.virtualService, input) : [];
  if (routes.length === 0) routes = [buildDefaultRoute(input.defaultCluster, input.defaultConsistentHash)];
  return {
    name: buildVirtualHostName(input.hostname, input.port),
    domains: [...input.domains],
    routes,
  };
}
