/**
 * Locality-aware load balancing settings (istiod `ValidateLocalityLbSetting`,
 * `ValidateZoneAwareLbSetting`): `distribute` weights per source locality summing to 100,
 * region-only `failover`, and no overlapping localities (`region/zone/subzone`, `*` only last).
 */
import type {
  LocalityLoadBalancerSetting,
  OutlierDetection,
  ZoneAwareLoadBalancerSetting,
} from '../../model/istio/destination-rule.js';
import { type Issues, at, idx, sortedEntries } from './issues.js';

const TOPOLOGY_LABELS = new Set([
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
]);

/** Why a list of localities overlaps or is malformed, or undefined. */
function checkLocalities(localities: readonly string[]): string | undefined {
  // region -> zone -> subzone; '*' stands for "all below".
  const tree = new Map<string, Map<string, Set<string>>>();
  for (const loc of localities) {
    const stars = loc.split('*').length - 1;
    if (stars > 0 && (stars > 1 || !loc.endsWith('*'))) {
      return `locality ${loc} wildcard '*' number can not exceed 1 and must be in the end`;
    }
    if (tree.has('*')) return `locality ${loc} overlap with previous specified ones`;
    const items = loc.split('/');
    const parts = items.length > 3 ? [items[0], items[1], items.slice(2).join('/')] : items;
    if (parts.some((x) => x === '')) return `locality ${loc} must not contain empty region/zone/subzone info`;
    const [region = '', zone = '', sub = ''] = parts;
    const overlap = `locality ${loc} overlap with previous specified ones`;
    if (parts.length === 1) {
      if (tree.has(region)) return overlap;
      tree.set(region, new Map([['*', new Set(['*'])]]));
      continue;
    }
    let zones = tree.get(region);
    if (zones?.has('*')) return overlap;
    if (!zones) {
      zones = new Map();
      tree.set(region, zones);
    }
    if (parts.length === 2) {
      if (zones.has(zone)) return overlap;
      zones.set(zone, new Set(['*']));
      continue;
    }
    const subs = zones.get(zone);
    if (subs) {
      if (subs.has('*') || subs.has(sub)) return overlap;
      subs.add(sub);
    } else {
      zones.set(zone, new Set([sub]));
    }
  }
  return undefined;
}

export function validateLocalityLbSetting(
  lb: LocalityLoadBalancerSetting | undefined,
  outlier: OutlierDetection | undefined,
  path: string,
  issues: Issues,
): void {
  if (!lb) return;
  const distribute = lb.distribute ?? [];
  const failover = lb.failover ?? [];
  const priority = lb.failoverPriority ?? [];
  if (distribute.length > 0 && failover.length > 0) {
    issues.error(path, "can not simultaneously specify 'distribute' and 'failover'");
    return;
  }
  if (failover.length > 0) {
    const topo = priority.find((l) => TOPOLOGY_LABELS.has(l));
    if (topo) {
      issues.error(
        at(path, 'failoverPriority'),
        `can not simultaneously set 'failover' and topology label '${topo}' in 'failover_priority'`,
      );
      return;
    }
  }
  for (let i = 0; i < distribute.length; i++) {
    const d = distribute[i];
    const p = idx(at(path, 'distribute'), i);
    let total = 0;
    const dests: string[] = [];
    for (const [loc, weight] of sortedEntries(d?.to)) {
      dests.push(loc);
      if (weight <= 0 || weight > 100) {
        issues.error(at(p, 'to'), 'locality weight must be in range [1, 100]');
        return;
      }
      total += weight;
    }
    if (total !== 100) {
      issues.error(at(p, 'to'), `total locality weight ${total} != 100`);
      return;
    }
    issues.check(at(p, 'to'), checkLocalities(dests));
  }
  issues.check(at(path, 'distribute'), checkLocalities(distribute.map((d) => d.from ?? '')));
  if ((failover.length > 0 || priority.length > 0) && !outlier) {
    issues.warn(path, 'outlier detection policy must be provided for failover');
  }
  failover.forEach((f, i) => {
    const p = idx(at(path, 'failover'), i);
    const from = f.from ?? '';
    const to = f.to ?? '';
    if (from === to) issues.error(p, 'locality lb failover settings must specify different regions');
    if (from.includes('/') || to.includes('/')) issues.error(p, 'locality lb failover only specify region');
    if (from.includes('*') || to.includes('*'))
      issues.error(p, "locality lb failover region should not contain '*' wildcard");
  });
}

export function validateZoneAwareLbSetting(
  lb: ZoneAwareLoadBalancerSetting | undefined,
  outlier: OutlierDetection | undefined,
  path: string,
  issues: Issues,
): void {
  if (!lb) return;
  const failover = lb.failover ?? [];
  const priority = lb.failoverPriority ?? [];
  priority.forEach((l, i) => {
    if (TOPOLOGY_LABELS.has(l)) {
      issues.error(
        idx(at(path, 'failoverPriority'), i),
        `'failover_priority' for zone aware lb must not use topology label '${l}'; region- and zone-level routing are handled automatically`,
      );
    }
  });
  if ((failover.length > 0 || priority.length > 0) && !outlier) {
    issues.warn(path, 'outlier detection policy must be provided for failover');
  }
  failover.forEach((f, i) => {
    const p = idx(at(path, 'failover'), i);
    const from = f.from ?? '';
    const to = f.to ?? '';
    if (from === to) issues.error(p, 'zone aware lb failover settings must specify different regions');
    if (from.includes('/') || to.includes('/')) {
      issues.error(
        p,
        'zone aware lb failover only specifies region; zone and subzone failover are handled automatically',
      );
    }
    if (from.includes('*') || to.includes('*'))
      issues.error(p, "zone aware lb failover region should not contain '*' wildcard");
  });
}
