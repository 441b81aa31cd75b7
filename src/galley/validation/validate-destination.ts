/**
 * Destinations, route weights and gateway references shared by HTTP, TLS and TCP routes (istiod
 * `validateDestination`, `validateHTTPRouteDestinations`, `validateGatewayNames`).
 */
import type { Destination, RouteDestination } from '../../model/istio/virtual-service.js';
import { checkFQDN, checkWildcardDomain } from './hosts.js';
import { type Issues, at, idx, atPath } from './issues.js';
import { isDNS1123Label } from './labels.js';
import { checkPort } from './net.js';

export function checkSubsetName(name: string): string | undefined {
  if (name.length === 0) return 'subset name cannot be empty';
  if (!isDNS1123Label(name)) return `subset name is invalid: ${name}`;
  return undefined;
}

/** A destination host is required (a DNS name, wildcards allowed but not `*`), subset a DNS label, port 1..65535. */
export function validateDestination(d: Destination | undefined, path: string, issues: Issues): void {
  if (!d) return;
  const host = d.host ?? '';
  if (host === '*') issues.error(at(path, 'host'), `invalid destination host ${host}`);
  else issues.check(at(path, 'host'), checkWildcardDomain(host));
  if (d.subset !== undefined && d.subset !== '') issues.check(at(path, 'subset'), checkSubsetName(d.subset));
  if (d.port) issues.check(atPath(path, 'port.number'), checkPort(d.port.number ?? 0));
}

/**
 * Each weight must be >= 0 and, with more than one destination, they must not all be 0. Since
 * Istio 1.15 the total no longer has to be 100 (weights are relative).
 */
export function validateRouteDestinations(
  routes: readonly RouteDestination[] | undefined,
  path: string,
  issues: Issues,
): void {
  if (!routes) return;
  let total = 0;
  routes.forEach((r, i) => {
    const p = idx(path, i);
    if (!r.destination) issues.error(at(p, 'destination'), 'destination is required');
    validateDestination(r.destination, at(p, 'destination'), issues);
    const w = r.weight ?? 0;
    if (w < 0) issues.error(at(p, 'weight'), `weight ${w} must be >= 0`);
    total += w;
  });
  if (routes.length > 1 && total === 0) issues.error(path, 'total destination weight = 0');
}

/**
 * Gateway references: `namespace/name` (both DNS labels), or a legacy bare/FQDN name such as `mesh`.
 * Like istiod, checking stops after the first legacy (slash-less) name, so verdicts agree.
 */
export function validateGatewayNames(
  names: readonly string[] | undefined,
  path: string,
  issues: Issues,
): void {
  const list = names ?? [];
  for (let i = 0; i < list.length; i++) {
    const name = list[i] ?? '';
    const p = idx(path, i);
    const slash = name.indexOf('/');
    if (slash < 0) {
      if (name.includes('.')) {
        const parts = name.split('.');
        issues.warn(
          p,
          `using legacy gatewayName format ${JSON.stringify(name)}; prefer the <namespace>/<name> format: ${JSON.stringify(`${parts[1] ?? ''}/${parts[0] ?? ''}`)}`,
        );
      }
      issues.check(p, checkFQDN(name));
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns === '' || gw === '') issues.error(p, 'config namespace and gateway name cannot be empty');
    if (!isDNS1123Label(ns)) issues.error(p, `invalid value for namespace: ${JSON.stringify(ns)}`);
    if (!isDNS1123Label(gw)) issues.error(p, `invalid value for gateway name: ${JSON.stringify(gw)}`);
  }
}
