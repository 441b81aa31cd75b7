/**
 * Locality-aware load balancing on a ClusterLoadAssignment for an Envoy-style proxy, as Istio's
 * loadbalancer package applies it (https://istio.io/latest/docs/tasks/traffic-management/locality-load-balancing/):
 * - `distribute`: for a proxy in a `from` locality, each endpoint locality gets the weight of the
 *   first `to` pattern it matches, split between the localities that pattern matches in
 *   proportion to their endpoint counts; localities no pattern names get no traffic (removed);
 * - failover (Istio applies it only when the DestinationRule also sets outlier detection, which
 *   is what moves traffic away from unhealthy localities): priority 0 for the proxy's own
 *   region/zone/subzone, then same zone, then same region, then the `failover` target regions of
 *   the proxy's region, then everything else. Priorities are renumbered to be contiguous (Envoy
 *   and gRPC require 0..N without gaps).
 * Locality patterns are `region/zone/subzone` where `*` or a missing part matches anything.
 * Pure; works on the builder's plain object.
 */
import type { LocalityLoadBalancerSetting } from '../../../model/istio/index.js';
import type { Locality } from '../../../model/service.js';
import { uint32Value, type ProtoObject } from '../proto-values.js';

interface Group {
  readonly locality: Locality;
  readonly message: ProtoObject;
  readonly size: number;
}

function groupsOf(cla: ProtoObject): Group[] {
  return ((cla['endpoints'] as ProtoObject[] | undefined) ?? []).map((message) => {
    const l = (message['locality'] as Record<string, string> | undefined) ?? {};
    return {
      locality: { region: l['region'] ?? '', zone: l['zone'] ?? '', subzone: l['sub_zone'] ?? '' },
      message,
      size: ((message['lb_endpoints'] as unknown[] | undefined) ?? []).length,
    };
  });
}

/** Whether `locality` matches `pattern` (`region/zone/subzone`, `*` or missing parts match all). */
export function localityMatches(locality: Locality, pattern: string): boolean {
  const parts = pattern.split('/');
  const values = [locality.region, locality.zone, locality.subzone];
  for (let i = 0; i < 3; i++) {
    const p = parts[i];
    if (p === undefined || p === '*') continue;
    if (p !== values[i]) return false;
  }
  return true;
}

function applyDistribute(cla: ProtoObject, groups: Group[], to: Readonly<Record<string, number>>): void {
  const patterns = Object.keys(to).sort();
  const chosen = new Map<Group, string>();
  for (const g of groups) {
    const pattern = patterns.find((p) => localityMatches(g.locality, p));
    if (pattern !== undefined && (to[pattern] ?? 0) > 0) chosen.set(g, pattern);
  }
  const totals = new Map<string, number>();
  for (const [g, p] of chosen) totals.set(p, (totals.get(p) ?? 0) + g.size);
  const kept: ProtoObject[] = [];
  for (const g of groups) {
    const pattern = chosen.get(g);
    if (pattern === undefined) continue;
    const share = ((to[pattern] ?? 0) * g.size) / Math.max(1, totals.get(pattern) ?? 1);
    kept.push({ ...g.message, load_balancing_weight: uint32Value(Math.max(1, Math.round(share))) });
  }
  cla['endpoints'] = kept;
}

function failoverPriority(proxy: Locality, l: Locality, failoverTo: ReadonlySet<string>): number {
  if (l.region === proxy.region) {
    if (l.zone === proxy.zone) return l.subzone === proxy.subzone ? 0 : 1;
    return 2;
  }
  return failoverTo.has(l.region) ? 3 : 4;
}

function applyFailover(
  cla: ProtoObject,
  groups: Group[],
  proxy: Locality,
  setting?: LocalityLoadBalancerSetting,
) {
  const failoverTo = new Set(
    (setting?.failover ?? []).filter((f) => f.from === proxy.region && f.to).map((f) => f.to!),
  );
  const raw = groups.map((g) => failoverPriority(proxy, g.locality, failoverTo));
  const levels = [...new Set(raw)].sort((a, b) => a - b);
  cla['endpoints'] = groups.map((g, i) => {
    const priority = levels.indexOf(raw[i]!);
    return priority === 0 ? g.message : { ...g.message, priority };
  });
}

export interface LocalityLbInput {
  readonly proxyLocality: Locality;
  readonly setting: LocalityLoadBalancerSetting | undefined;
  /** Mesh-wide `localityLbSetting.enabled`. */
  readonly meshEnabled: boolean;
  /** Whether the cluster's policy sets outlier detection (failover needs it). */
  readonly outlierDetection: boolean;
}

/** Applies distribute weights or failover priorities to `cla` in place (see the module comment). */
export function applyLocalityLb(cla: ProtoObject, input: LocalityLbInput): void {
  const enabled = input.setting?.enabled ?? input.meshEnabled;
  const proxy = input.proxyLocality;
  if (!enabled || (proxy.region === '' && proxy.zone === '' && proxy.subzone === '')) return;
  const groups = groupsOf(cla);
  if (groups.length === 0) return;
  const rule = (input.setting?.distribute ?? []).find((d) => d.from && localityMatches(proxy, d.from));
  if (rule?.to) {
    applyDistribute(cla, groups, rule.to);
    return;
  }
  if (input.outlierDetection) applyFailover(cla, groups, proxy, input.setting);
}
