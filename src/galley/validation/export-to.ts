/**
 * `exportTo` visibility lists: `.` (this namespace), `*` (everyone), a namespace name, and for
 * ServiceEntries only `~` (no one). Duplicates and contradictory mixes are rejected, as istiod does.
 */
import { type Issues, idx } from './issues.js';
import { isDNS1123Label } from './labels.js';

export function validateExportTo(
  namespace: string,
  exportTo: readonly string[] | undefined,
  options: { serviceEntry: boolean; destinationRuleWithSelector: boolean },
  path: string,
  issues: Issues,
): void {
  if (!exportTo || exportTo.length === 0) return;
  const seen = new Set<string>();
  exportTo.forEach((e, i) => {
    const key = e === '.' ? namespace : e;
    if (seen.has(key)) {
      issues.error(
        idx(path, i),
        key !== e
          ? `duplicate entries in exportTo: . and current namespace ${namespace}`
          : `duplicate entries in exportTo for entry ${e}`,
      );
      return;
    }
    if (options.serviceEntry && e === '~') {
      seen.add(key);
    } else if (key === '~') {
      issues.error(idx(path, i), 'exportTo ~ (none) is not allowed for Istio configuration objects');
    } else if (key !== '*' && key !== '.' && !isDNS1123Label(key)) {
      issues.error(idx(path, i), 'only .,*, or a valid DNS 1123 label is allowed as exportTo entry');
    } else {
      seen.add(key);
    }
  });
  if (options.destinationRuleWithSelector && seen.size > 0) {
    if (seen.has(namespace)) {
      if (seen.size > 1)
        issues.error(
          path,
          'destination rule with workload selector cannot have multiple entries in exportTo',
        );
    } else {
      issues.error(
        path,
        'destination rule with workload selector cannot have exportTo beyond current namespace',
      );
    }
  }
  if (seen.has('*') && exportTo.length > 1) {
    issues.error(path, 'cannot have both public (*) and non-public exportTo values for a resource');
  }
  if (seen.has('~') && exportTo.length > 1) {
    issues.error(path, 'cannot export service entry to no one (~) and someone');
  }
}
