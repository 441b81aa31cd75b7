/**
 * VirtualService `tcp` and `tls` routes for tcp_proxy chains (Istio's TCP/TLS route
 * translation): the first route with a match block that applies (port, source labels and
 * namespace, gateway, SNI for TLS) wins; its destinations become one cluster or weighted clusters
 * (weight-0 entries dropped; all weight 1 when none is left). Pure.
 */
import type { L4MatchAttributes, RouteDestination, TLSMatchAttributes } from '../../model/istio/index.js';
import { hostsIntersect } from '../../model/push-context/sidecar-scope.js';
import type { WeightedCluster } from '../networking/listener/build-filters.js';
import type { DestinationResolver } from '../networking/route/build-route-action.js';

export interface L4Source {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `ns/name` of the gateway, or undefined for sidecars. */
  readonly gateway?: string;
  readonly vsNamespace: string;
  readonly port: number;
}

function gatewayOk(gateways: readonly string[] | undefined, source: L4Source): boolean {
  if (!gateways || gateways.length === 0) return true;
  const wanted = source.gateway ?? 'mesh';
  return gateways.some(
    (g) => (g === 'mesh' ? g : g.includes('/') ? g : `${source.vsNamespace}/${g}`) === wanted,
  );
}

/** Whether an L4 (or TLS, SNI aside) match block applies to this source. */
export function l4MatchApplies(m: L4MatchAttributes | TLSMatchAttributes, source: L4Source): boolean {
  if (m.port && m.port !== source.port) return false;
  if (!gatewayOk(m.gateways, source)) return false;
  if (m.sourceNamespace && m.sourceNamespace !== source.namespace) return false;
  return Object.entries(m.sourceLabels ?? {}).every(([k, v]) => source.labels[k] === v);
}

/** Whether a TLS match block applies and names `sni` (any SNI when `sni` is undefined). */
export function tlsMatchApplies(m: TLSMatchAttributes, source: L4Source, sni?: string): boolean {
  if (!l4MatchApplies(m, source)) return false;
  return sni === undefined || (m.sniHosts ?? []).some((h) => hostsIntersect(h, sni));
}

/** Route destinations → a cluster name or weighted clusters; `undefined` if none is usable. */
export function l4Target(
  route: readonly RouteDestination[] | undefined,
  resolve: DestinationResolver,
): string | WeightedCluster[] | undefined {
  const dests = (route ?? []).filter((d) => d.destination?.host);
  if (dests.length === 0) return undefined;
  if (dests.length === 1) return resolve(dests[0]!.destination!).cluster;
  let weighted = dests.filter((d) => (d.weight ?? 0) > 0);
  const equal = weighted.length === 0;
  if (equal) weighted = dests;
  return weighted.map((d) => ({
    name: resolve(d.destination!).cluster,
    weight: equal ? 1 : (d.weight ?? 0),
  }));
}

/** A readable stat prefix for a tcp_proxy target. */
export function targetStatPrefix(target: string | readonly WeightedCluster[]): string {
  return typeof target === 'string' ? target : target.map((c) => c.name).join(',');
}
