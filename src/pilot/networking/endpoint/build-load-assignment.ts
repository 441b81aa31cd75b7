/**
 * ClusterLoadAssignments for proxyless gRPC clients (gRFC A27 EDS rules, as @grpc/grpc-js-xds
 * validates them):
 * - endpoints grouped by locality, every group with `locality` set (`{}` when unknown) and a
 *   `load_balancing_weight` > 0 — gRPC silently drops a locality without one;
 * - addresses are IP literals (names are NACKed), each `address:port` once;
 * - only healthy endpoints, all at priority 0 (priorities must be contiguous from 0);
 * - a subset cluster keeps only endpoints carrying all of the subset's labels.
 * Sorted for deterministic bytes. Pure.
 */
import type { Endpoint, Locality } from '../../../model/service.js';
import { uint32Value, type ProtoObject } from '../proto-values.js';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Whether `address` is an IPv4 or IPv6 literal (no zone, no brackets). */
export function isIpLiteral(address: string): boolean {
  if (IPV4.test(address)) return true;
  if (!address.includes(':') || !/^[0-9a-fA-F:.]+$/.test(address)) return false;
  const doubleColons = address.split('::').length - 1;
  if (doubleColons > 1) return false;
  const groups = address.split(':').filter((g) => g !== '');
  const last = groups[groups.length - 1] ?? '';
  const v4Tail = last.includes('.');
  if (v4Tail && !IPV4.test(last)) return false;
  const count = groups.length + (v4Tail ? 1 : 0);
  if (groups.some((g, i) => !(v4Tail && i === groups.length - 1) && !/^[0-9a-fA-F]{1,4}$/.test(g)))
    return false;
  return doubleColons === 1 ? count < 8 : count === 8;
}

/** Whether every label of `selector` is on the endpoint (an empty selector keeps all). */
export function matchesLabels(
  labels: Readonly<Record<string, string>>,
  selector: Readonly<Record<string, string>> | undefined,
): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

function localityKey(l: Locality): string {
  return `${l.region}/${l.zone}/${l.subzone}`;
}

function localityMessage(l: Locality): ProtoObject {
  const out: ProtoObject = {};
  if (l.region) out['region'] = l.region;
  if (l.zone) out['zone'] = l.zone;
  if (l.subzone) out['sub_zone'] = l.subzone;
  return out;
}

function endpointWeight(e: Endpoint): number {
  return Number.isFinite(e.weight) && e.weight > 0 ? Math.round(e.weight) : 1;
}

/**
 * Builds the assignment for `clusterName` from the endpoints of one service port. Endpoints that
 * are unhealthy, not IP literals, or outside `subsetLabels` are left out; an empty assignment
 * (no `endpoints`) tells the client the cluster has no backends.
 */
export function buildLoadAssignment(
  clusterName: string,
  endpoints: readonly Endpoint[],
  subsetLabels?: Readonly<Record<string, string>>,
): ProtoObject {
  const groups = new Map<string, { locality: Locality; endpoints: Endpoint[] }>();
  const seen = new Set<string>();
  const sorted = [...endpoints].sort((a, b) =>
    a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port,
  );
  for (const ep of sorted) {
    if (!ep.healthy || !isIpLiteral(ep.address) || ep.port < 1 || ep.port > 65535) continue;
    if (!matchesLabels(ep.labels, subsetLabels)) continue;
    const addressKey = `${ep.address}:${ep.port}`;
    if (seen.has(addressKey)) continue;
    seen.add(addressKey);
    const key = localityKey(ep.locality);
    const group = groups.get(key);
    if (group) group.endpoints.push(ep);
    else groups.set(key, { locality: ep.locality, endpoints: [ep] });
  }
  const localities = [...groups.keys()].sort().map((key) => {
    const group = groups.get(key)!;
    const total = group.endpoints.reduce((sum, ep) => sum + endpointWeight(ep), 0);
    return {
      locality: localityMessage(group.locality),
      lb_endpoints: group.endpoints.map((ep) => ({
        endpoint: { address: { socket_address: { address: ep.address, port_value: ep.port } } },
        health_status: 'HEALTHY',
        load_balancing_weight: uint32Value(endpointWeight(ep)),
      })),
      load_balancing_weight: uint32Value(total),
    };
  });
  return { cluster_name: clusterName, endpoints: localities };
}
