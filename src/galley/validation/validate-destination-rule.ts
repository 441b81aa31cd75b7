/**
 * DestinationRule semantic rules (istiod `ValidateDestinationRule`): a host is required (DNS name,
 * wildcard first label allowed), subsets need unique DNS-label names and valid labels, traffic
 * policies are checked at every level, and a workload-selector rule may only be exported to its
 * own namespace. See https://istio.io/latest/docs/reference/config/networking/destination-rule/.
 */
import type { DestinationRuleSpec } from '../../model/istio/destination-rule.js';
import type { SpecContext } from './context.js';
import { validateExportTo } from './export-to.js';
import { checkWildcardDomain } from './hosts.js';
import { type Issues, at, idx, atPath } from './issues.js';
import { validateLabels, validateSelectorLabels } from './labels.js';
import { checkSubsetName } from './validate-destination.js';
import { validateTrafficPolicy } from './validate-traffic-policy.js';

export function validateDestinationRule(
  dr: DestinationRuleSpec,
  ctx: SpecContext,
  issues: Issues,
  path = 'spec',
): void {
  issues.check(at(path, 'host'), checkWildcardDomain(dr.host ?? ''));
  validateTrafficPolicy(ctx.namespace, dr.trafficPolicy, at(path, 'trafficPolicy'), issues);
  const names = new Set<string>();
  (dr.subsets ?? []).forEach((s, i) => {
    const p = idx(at(path, 'subsets'), i);
    const name = s.name ?? '';
    if (names.has(name)) issues.error(at(p, 'name'), `duplicate subset names: ${name}`);
    names.add(name);
    issues.check(at(p, 'name'), checkSubsetName(name));
    validateLabels(s.labels, at(p, 'labels'), issues);
    validateTrafficPolicy(ctx.namespace, s.trafficPolicy, at(p, 'trafficPolicy'), issues);
  });
  validateExportTo(
    ctx.namespace,
    dr.exportTo,
    { serviceEntry: false, destinationRuleWithSelector: dr.workloadSelector !== undefined },
    at(path, 'exportTo'),
    issues,
  );
  if (dr.workloadSelector) {
    const p = atPath(path, 'workloadSelector.matchLabels');
    if (validateSelectorLabels(dr.workloadSelector.matchLabels, p, issues)) {
      issues.warn(at(path, 'workloadSelector'), 'workload selector specified without labels');
    }
  }
}
