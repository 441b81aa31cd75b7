/**
 * ServiceEntry semantic rules (istiod `ValidateServiceEntry`): at least one host, never `*`;
 * addresses are IPs or CIDRs (CIDRs only with NONE/STATIC resolution); unique port names and
 * numbers; per-resolution endpoint rules (NONE: no endpoints; STATIC: IP endpoints; DNS: FQDN
 * hosts or endpoints; DNS_ROUND_ROBIN: at most one endpoint; DYNAMIC_DNS: wildcard hosts only);
 * `workloadSelector` and `endpoints` are exclusive.
 * See https://istio.io/latest/docs/reference/config/networking/service-entry/.
 */
import type { ServiceEntrySpec } from '../../model/istio/service-entry.js';
import type { SpecContext } from './context.js';
import { validateExportTo } from './export-to.js';
import { checkFQDN, checkPartialWildcard, checkWildcardDomain, isWildcardHost } from './hosts.js';
import { type Issues, at, idx, sortedEntries, atPath } from './issues.js';
import { validateLabels, validateSelectorLabels } from './labels.js';
import {
  checkIPSubnet,
  checkPort,
  checkPortName,
  checkProtocol,
  isHTTPProtocol,
  isIPAddress,
  isTCPProtocol,
  isTLSProtocol,
  parseProtocol,
} from './net.js';
import { validateWorkloadEntryFields } from './validate-workload-entry.js';

function validateEndpoints(
  se: ServiceEntrySpec,
  servicePorts: ReadonlySet<string>,
  path: string,
  issues: Issues,
): void {
  const resolution = se.resolution ?? 'NONE';
  const endpoints = se.endpoints ?? [];
  const hosts = se.hosts ?? [];
  switch (resolution) {
    case 'NONE':
      if (endpoints.length > 0)
        issues.error(at(path, 'endpoints'), 'no endpoints should be provided for resolution type none');
      if (se.workloadSelector)
        issues.warn(
          at(path, 'workloadSelector'),
          'workloadSelector should not be set when resolution mode is NONE',
        );
      break;
    case 'STATIC':
      endpoints.forEach((e, i) =>
        validateWorkloadEntryFields(
          e,
          { servicePorts, allowFQDN: false },
          idx(at(path, 'endpoints'), i),
          issues,
        ),
      );
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if (endpoints.length === 0) {
        const bad = hosts.map((h) => checkFQDN(h)).find((e) => e !== undefined);
        if (bad) {
          issues.error(
            at(path, 'hosts'),
            `hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode ${resolution}, ${bad}`,
          );
        }
      }
      if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) {
        issues.error(
          at(path, 'endpoints'),
          `there must only be 0 or 1 endpoint for resolution mode ${resolution}`,
        );
      }
      endpoints.forEach((e, i) => {
        const p = idx(at(path, 'endpoints'), i);
        const addr = e.address ?? '';
        if (!isIPAddress(addr) && checkFQDN(addr)) {
          issues.error(
            at(p, 'address'),
            `endpoint address ${JSON.stringify(addr)} is not a valid FQDN or an IP address`,
          );
        }
        validateLabels(e.labels, at(p, 'labels'), issues);
        for (const [name, port] of sortedEntries(e.ports)) {
          const pp = at(at(p, 'ports'), name);
          if (!servicePorts.has(name))
            issues.error(pp, `endpoint port ${port} is not defined by the service entry`);
          issues.check(pp, checkPortName(name));
          issues.check(pp, checkPort(port));
        }
      });
      if (
        (se.addresses ?? []).length > 0 &&
        hosts.length > 1 &&
        (se.ports ?? []).some((p) => isTCPProtocol(parseProtocol(p.protocol)))
      ) {
        issues.warn(
          path,
          'service entry can not have more than one host specified simultaneously with address and tcp port',
        );
      }
      break;
    case 'DYNAMIC_DNS':
      if (hosts.length === 0)
        issues.error(
          at(path, 'hosts'),
          `at least one wildcard host must be provided for resolution type ${resolution}`,
        );
      hosts.forEach((h, i) => {
        if (!isWildcardHost(h))
          issues.error(
            idx(at(path, 'hosts'), i),
            `host must be wildcarded for resolution mode ${resolution}`,
          );
      });
      if ((se.addresses ?? []).length > 0) {
        issues.error(
          at(path, 'addresses'),
          `addresses cannot be set for resolution type ${resolution}. HTTP route domains will only be generated from the hosts field values`,
        );
      }
      if (endpoints.length > 0) {
        issues.error(
          at(path, 'endpoints'),
          `endpoints cannot be set for resolution type ${resolution}. Destination IP address determined from hosts field values`,
        );
      }
      (se.ports ?? []).forEach((p, i) => {
        const proto = parseProtocol(p.protocol);
        if (proto !== 'HTTP' && proto !== 'TLS' && proto !== 'GRPC' && proto !== 'HTTP2') {
          issues.error(
            idx(at(path, 'ports'), i),
            `only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type ${resolution}`,
          );
        }
      });
      break;
  }
}

export function validateServiceEntry(
  se: ServiceEntrySpec,
  ctx: SpecContext,
  issues: Issues,
  path = 'spec',
): void {
  if (se.workloadSelector) {
    if (validateSelectorLabels(se.workloadSelector.labels, atPath(path, 'workloadSelector.labels'), issues)) {
      issues.warn(
        at(path, 'workloadSelector'),
        'service entry: workload selector specified without labels, will be applied to all services in namespace',
      );
    }
    if ((se.endpoints ?? []).length > 0) {
      issues.error(path, 'only one of WorkloadSelector or Endpoints is allowed in Service Entry');
    }
  }
  const hosts = se.hosts ?? [];
  if (hosts.length === 0) issues.error(at(path, 'hosts'), 'service entry must have at least one host');
  hosts.forEach((h, i) => {
    const p = idx(at(path, 'hosts'), i);
    if (h === '*') {
      issues.error(p, `invalid host ${h}`);
      return;
    }
    issues.check(p, checkWildcardDomain(h));
    if (se.resolution !== 'DYNAMIC_DNS') {
      const partial = checkPartialWildcard(h);
      if (partial) issues.warn(p, partial);
    }
  });

  let cidr = false;
  (se.addresses ?? []).forEach((a, i) => {
    cidr = cidr || a.includes('/');
    issues.check(idx(at(path, 'addresses'), i), checkIPSubnet(a));
  });
  const resolution = se.resolution ?? 'NONE';
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC') {
    issues.error(at(path, 'addresses'), 'CIDR addresses are allowed only for NONE/STATIC resolution types');
  }

  const names = new Set<string>();
  const numbers = new Set<number>();
  (se.ports ?? []).forEach((port, i) => {
    const p = idx(at(path, 'ports'), i);
    const name = port.name ?? '';
    const number = port.number ?? 0;
    if (names.has(name))
      issues.error(at(p, 'name'), `service entry port name ${JSON.stringify(name)} already defined`);
    names.add(name);
    if (numbers.has(number)) issues.error(at(p, 'number'), `service entry port ${number} already defined`);
    numbers.add(number);
    if (port.targetPort) issues.check(at(p, 'targetPort'), checkPort(port.targetPort));
    issues.check(at(p, 'name'), checkPortName(name));
    issues.check(at(p, 'protocol'), checkProtocol(port.protocol));
    issues.check(at(p, 'number'), checkPort(number));
  });

  validateEndpoints(se, names, path, issues);

  // Plain TCP cannot tell hosts apart (no Host header, no SNI), so several hosts need HTTP or TLS ports.
  if (resolution !== 'NONE' && hosts.length > 1) {
    const bad = (se.ports ?? []).findIndex((p) => {
      const proto = parseProtocol(p.protocol);
      return !isHTTPProtocol(proto) && !isTLSProtocol(proto);
    });
    if (bad >= 0)
      issues.error(idx(at(path, 'ports'), bad), 'multiple hosts provided with non-HTTP, non-TLS ports');
  }
  validateExportTo(
    ctx.namespace,
    se.exportTo,
    { serviceEntry: true, destinationRuleWithSelector: false },
    at(path, 'exportTo'),
    issues,
  );
}
