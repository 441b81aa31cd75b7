/**
 * VirtualService semantic rules (istiod `ValidateVirtualService`). A VirtualService without hosts is
 * a delegate (only HTTP, no gateways); `*` as a host needs gateway binding; duplicate or
 * overlapping hosts are rejected; routes are checked per protocol; unreachable rules are warned.
 * See https://istio.io/latest/docs/reference/config/networking/virtual-service/.
 */
import type {
  L4MatchAttributes,
  TCPRoute,
  TLSMatchAttributes,
  TLSRoute,
  VirtualServiceSpec,
} from '../../model/istio/virtual-service.js';
import type { SpecContext } from './context.js';
import { validateExportTo } from './export-to.js';
import { isJwtClaimHeader } from './headers.js';
import { checkWildcardDomain, checkWildcardDomainForGateway, hostSubsetOf, hostsMatch } from './hosts.js';
import { type Issues, at, idx, sortedEntries } from './issues.js';
import { validateLabels } from './labels.js';
import { checkIPSubnet, checkPort, isIPAddress } from './net.js';
import { validateGatewayNames, validateRouteDestinations } from './validate-destination.js';
import { validateHTTPRoute } from './validate-http-route.js';

/** The name of the implicit gateway of all sidecars. */
export const MESH_GATEWAY = 'mesh';

function isSniVS(vs: VirtualServiceSpec): boolean {
  return (vs.tls ?? []).some((t) => (t.match ?? []).some((m) => (m.sniHosts ?? []).length > 0));
}

function validateL4Common(m: L4MatchAttributes | TLSMatchAttributes, path: string, issues: Issues): void {
  (m.destinationSubnets ?? []).forEach((s, i) =>
    issues.check(idx(at(path, 'destinationSubnets'), i), checkIPSubnet(s)),
  );
  if (m.port !== undefined && m.port !== 0) issues.check(at(path, 'port'), checkPort(m.port));
  validateLabels(m.sourceLabels, at(path, 'sourceLabels'), issues);
  validateGatewayNames(m.gateways, at(path, 'gateways'), issues);
}

function validateSniHost(
  sni: string,
  vs: VirtualServiceSpec,
  toGateway: boolean,
  path: string,
  issues: Issues,
): void {
  const err = toGateway ? checkWildcardDomainForGateway(true, sni) : checkWildcardDomain(sni);
  if (err) {
    if (isIPAddress(sni)) {
      issues.warn(
        path,
        `using an IP address (${JSON.stringify(sni)}) goes against SNI spec and most clients do not support this`,
      );
    } else {
      issues.error(path, err);
    }
    return;
  }
  const hosts = vs.hosts ?? [];
  if (!hosts.some((h) => hostSubsetOf(sni, h))) {
    issues.error(
      path,
      `SNI host ${JSON.stringify(sni)} is not a compatible subset of any of the virtual service hosts: [${hosts.join(', ')}]`,
    );
  }
}

function validateTLSRoute(
  t: TLSRoute,
  vs: VirtualServiceSpec,
  toGateway: boolean,
  path: string,
  issues: Issues,
): void {
  const matches = t.match ?? [];
  if (matches.length === 0)
    issues.error(at(path, 'match'), 'TLS route must have at least one match condition');
  matches.forEach((m, i) => {
    const p = idx(at(path, 'match'), i);
    const snis = m.sniHosts ?? [];
    if (snis.length === 0) issues.error(at(p, 'sniHosts'), 'TLS match must have at least one SNI host');
    snis.forEach((s, j) => validateSniHost(s, vs, toGateway, idx(at(p, 'sniHosts'), j), issues));
    validateL4Common(m, p, issues);
  });
  if ((t.route ?? []).length === 0) issues.error(at(path, 'route'), 'TLS route is required');
  validateRouteDestinations(t.route, at(path, 'route'), issues);
}

function validateTCPRoute(t: TCPRoute, path: string, issues: Issues): void {
  (t.match ?? []).forEach((m, i) => validateL4Common(m, idx(at(path, 'match'), i), issues));
  if ((t.route ?? []).length === 0) issues.error(at(path, 'route'), 'TCP route is required');
  validateRouteDestinations(t.route, at(path, 'route'), issues);
}

/** JSON of a match without its name: two matches with equal keys route the same traffic. */
function matchKey(m: object): string {
  const { name: _name, ...rest } = m as { name?: string };
  return JSON.stringify(rest, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** istiod's `analyzeUnreachable*Rules`: warnings for rules shadowed by a catch-all or duplicate matches. */
function warnUnreachable(
  routes: ReadonlyArray<{ name?: string; match?: readonly object[] }>,
  path: string,
  issues: Issues,
): void {
  const seen = new Map<string, number>();
  let catchAll = -1;
  const label = (i: number): string => {
    const n = routes[i]?.name;
    return n ? JSON.stringify(n) : `#${i}`;
  };
  routes.forEach((r, i) => {
    const matches = r.match ?? [];
    if (matches.length === 0) {
      if (catchAll >= 0)
        issues.warn(
          idx(path, i),
          `virtualService rule ${label(i)} not used (only the last rule can have no matches)`,
        );
      catchAll = i;
      return;
    }
    let dups = 0;
    matches.forEach((m, j) => {
      if (catchAll >= 0) {
        issues.warn(
          idx(path, i),
          `virtualService rule ${label(i)} not used (route without matches defined before)`,
        );
        return;
      }
      const key = matchKey(m);
      const prev = seen.get(key);
      if (prev !== undefined) {
        const mn = (m as { name?: string }).name;
        issues.warn(
          idx(path, i),
          `virtualService rule ${label(i)} match ${mn ? JSON.stringify(mn) : `#${j}`} is not used (duplicate/overlapping match in rule ${label(prev)})`,
        );
        dups++;
      } else {
        seen.set(key, i);
      }
    });
    if (dups === matches.length)
      issues.warn(idx(path, i), `virtualService rule ${label(i)} not used (all matches used by prior rules)`);
  });
}

export function validateVirtualService(
  vs: VirtualServiceSpec,
  ctx: SpecContext,
  issues: Issues,
  path = 'spec',
): void {
  const hosts = vs.hosts ?? [];
  const gateways = vs.gateways ?? [];
  if (hosts.length === 0) {
    // No hosts: a delegate, only reachable from a root VirtualService's `delegate`.
    if (gateways.length > 0)
      issues.error(at(path, 'gateways'), 'delegate virtual service must have no gateways specified');
    if ((vs.tls ?? []).length > 0)
      issues.error(at(path, 'tls'), 'delegate virtual service must have no tls route specified');
    if ((vs.tcp ?? []).length > 0)
      issues.error(at(path, 'tcp'), 'delegate virtual service must have no tcp route specified');
  }
  let toGateway = false;
  if (gateways.length > 0) {
    validateGatewayNames(gateways, at(path, 'gateways'), issues);
    toGateway = !gateways.includes(MESH_GATEWAY);
  }
  const toMesh = !toGateway;

  if (!toGateway) {
    (vs.http ?? []).forEach((h, i) =>
      (h.match ?? []).forEach((m, j) => {
        for (const [key] of [...sortedEntries(m.headers), ...sortedEntries(m.withoutHeaders)]) {
          if (isJwtClaimHeader(key)) {
            issues.error(
              idx(at(idx(at(path, 'http'), i), 'match'), j),
              `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways: [${gateways.join(' ')}]`,
            );
          }
        }
      }),
    );
  }

  let allHostsValid = true;
  hosts.forEach((h, i) => {
    const p = idx(at(path, 'hosts'), i);
    const err = toGateway ? checkWildcardDomainForGateway(isSniVS(vs), h) : checkWildcardDomain(h);
    if (err) {
      if (!isIPAddress(h)) {
        issues.error(p, err);
        allHostsValid = false;
      }
    } else if (toMesh && h === '*') {
      issues.error(p, 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
      allHostsValid = false;
    }
  });
  if (allHostsValid) {
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++) {
        const a = hosts[i] ?? '';
        const b = hosts[j] ?? '';
        if (hostsMatch(a, b))
          issues.error(idx(at(path, 'hosts'), j), `duplicate hosts in virtual service: ${a} & ${b}`);
      }
    }
  }

  if ((vs.http ?? []).length === 0 && (vs.tcp ?? []).length === 0 && (vs.tls ?? []).length === 0) {
    issues.error(path, 'http, tcp or tls must be provided in virtual service');
  }
  (vs.http ?? []).forEach((h, i) =>
    validateHTTPRoute(h, hosts.length === 0, idx(at(path, 'http'), i), issues),
  );
  // istiod checks SNI hosts in gateway mode whenever `mesh` is not listed, even with no gateways.
  const sniGatewayMode = !gateways.includes(MESH_GATEWAY);
  (vs.tls ?? []).forEach((t, i) => validateTLSRoute(t, vs, sniGatewayMode, idx(at(path, 'tls'), i), issues));
  (vs.tcp ?? []).forEach((t, i) => validateTCPRoute(t, idx(at(path, 'tcp'), i), issues));
  validateExportTo(
    ctx.namespace,
    vs.exportTo,
    { serviceEntry: false, destinationRuleWithSelector: false },
    at(path, 'exportTo'),
    issues,
  );

  warnUnreachable(vs.http ?? [], at(path, 'http'), issues);
  warnUnreachable(vs.tcp ?? [], at(path, 'tcp'), issues);
  warnUnreachable(vs.tls ?? [], at(path, 'tls'), issues);
}
