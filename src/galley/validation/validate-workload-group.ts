/**
 * WorkloadGroup rules (istiod `ValidateWorkloadGroup`). meshplane does not serve WorkloadGroups;
 * this exists so that `meshplane validate` and the corpus test give istiod's verdict. A template
 * is required (its address may be empty: it is filled in per VM), metadata labels must be valid
 * Kubernetes labels, and the readiness probe needs exactly one valid method.
 */
import type { WorkloadGroupSpec } from '../../model/istio/workload-group.js';
import { setKeys } from './context.js';
import type { SpecContext } from './context.js';
import { checkProbeHeaderName } from './headers.js';
import { type Issues, at, idx, atPath } from './issues.js';
import { validateLabels } from './labels.js';
import { checkPort } from './net.js';

export function validateWorkloadGroup(
  wg: WorkloadGroupSpec,
  _ctx: SpecContext,
  issues: Issues,
  path = 'spec',
): void {
  // istiod stops at the first of these; we report every problem.
  if (!wg.template) issues.error(at(path, 'template'), 'template is required');
  if (wg.metadata) validateLabels(wg.metadata.labels, atPath(path, 'metadata.labels'), issues);
  const probe = wg.probe;
  if (!probe) return;
  const pp = at(path, 'probe');
  for (const f of [
    'periodSeconds',
    'initialDelaySeconds',
    'timeoutSeconds',
    'successThreshold',
    'failureThreshold',
  ] as const) {
    const v = probe[f];
    if (v !== undefined && v < 0) issues.error(at(pp, f), `${f} must be non-negative`);
  }
  const methods = setKeys(probe, ['httpGet', 'tcpSocket', 'exec', 'grpc']);
  if (methods.length > 1)
    issues.error(pp, `only one of httpGet, tcpSocket, exec or grpc may be set, got ${methods.join(', ')}`);
  if (probe.httpGet) {
    const h = probe.httpGet;
    const hp = at(pp, 'httpGet');
    issues.check(at(hp, 'port'), checkPort(h.port ?? 0));
    if (h.scheme && h.scheme !== 'HTTP' && h.scheme !== 'HTTPS')
      issues.error(at(hp, 'scheme'), 'httpGet.scheme must be one of "HTTPS", "HTTP"');
    (h.httpHeaders ?? []).forEach((hdr, i) =>
      issues.check(at(idx(at(hp, 'httpHeaders'), i), 'name'), checkProbeHeaderName(hdr.name ?? '')),
    );
  } else if (probe.tcpSocket) {
    issues.check(atPath(pp, 'tcpSocket.port'), checkPort(probe.tcpSocket.port ?? 0));
  } else if (probe.exec) {
    if ((probe.exec.command ?? []).length === 0)
      issues.error(atPath(pp, 'exec.command'), 'exec.command is required');
  } else {
    // istiod has no grpc case in this switch, so a grpc probe is rejected like a missing one.
    issues.error(
      pp,
      `unknown health check method ${probe.grpc ? '*networking.ReadinessProbe_Grpc' : '<nil>'}`,
    );
  }
}
