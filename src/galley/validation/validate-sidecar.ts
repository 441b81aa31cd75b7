/**
 * Sidecar semantic rules (istiod `ValidateSidecar`): not empty; ingress listeners need a port
 * (unique), a valid bind and default endpoint, and server TLS without gateway-only features;
 * egress listeners have `namespace/host` hosts, unique ports or unix sockets, and at most one
 * port-less catch-all listener, last; egress proxies only with ALLOW_ANY.
 * See https://istio.io/latest/docs/reference/config/networking/sidecar/.
 */
import type { IstioEgressListener, IstioIngressListener, SidecarSpec } from '../../model/istio/sidecar.js';
import type { SpecContext } from './context.js';
import { checkFQDN, checkNamespaceSlashHost } from './hosts.js';
import { type Issues, at, idx, atPath } from './issues.js';
import { validateSelectorLabels } from './labels.js';
import {
  UNIX_ADDRESS_PREFIX,
  checkIPAddress,
  checkPort,
  checkPortName,
  checkProtocol,
  checkUnixAddress,
  isHTTPProtocol,
  isTLSProtocol,
  parseProtocol,
} from './net.js';
import { validateDestination } from './validate-destination.js';
import { validateServerTLS } from './validate-server-tls.js';
import { validateConnectionPool } from './validate-traffic-policy.js';

const LOOPBACK_OR_ANY = new Set(['127.0.0.1', '0.0.0.0', '::1', '::']);

/** `host:port`, `[v6]:port` or `:port` (Go `net.SplitHostPort`). */
function splitHostPort(s: string): { host: string; port: string } | undefined {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || s[end + 1] !== ':') return undefined;
    return { host: s.slice(1, end), port: s.slice(end + 2) };
  }
  const colon = s.lastIndexOf(':');
  if (colon < 0 || s.indexOf(':') !== colon) return undefined;
  return { host: s.slice(0, colon), port: s.slice(colon + 1) };
}

function validateIngress(l: IstioIngressListener, path: string, ports: Set<number>, issues: Issues): void {
  const port = l.port;
  if (!port) {
    issues.error(at(path, 'port'), 'sidecar: port is required for ingress listeners');
    return;
  }
  const pp = at(path, 'port');
  if ((port.targetPort ?? 0) > 0) issues.error(at(pp, 'targetPort'), 'targetPort has no impact on Sidecars');
  if (port.name) issues.check(at(pp, 'name'), checkPortName(port.name));
  issues.check(at(pp, 'protocol'), checkProtocol(port.protocol));
  issues.check(at(pp, 'number'), checkPort(port.number ?? 0));
  if (l.bind) issues.check(at(path, 'bind'), checkIPAddress(l.bind));
  if (ports.has(port.number ?? 0)) issues.error(pp, 'sidecar: ports on IP bound listeners must be unique');
  ports.add(port.number ?? 0);

  const ep = l.defaultEndpoint ?? '';
  const epPath = at(path, 'defaultEndpoint');
  if (ep.startsWith(UNIX_ADDRESS_PREFIX)) {
    issues.check(epPath, checkUnixAddress(ep.slice(UNIX_ADDRESS_PREFIX.length)));
  } else if (ep !== '') {
    const hp = splitHostPort(ep);
    if (!hp) {
      issues.error(epPath, `address ${ep}: missing port in address`);
    } else {
      if (hp.host !== '' && !LOOPBACK_OR_ANY.has(hp.host)) {
        issues.error(
          epPath,
          'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset',
        );
      }
      if (!/^[+-]?[0-9]+$/.test(hp.port))
        issues.error(epPath, `sidecar: defaultEndpoint port (${hp.port}) is not a number`);
      else issues.check(epPath, checkPort(Number(hp.port)));
    }
  }

  const tls = l.tls;
  if (tls) {
    const tp = at(path, 'tls');
    if ((tls.subjectAltNames ?? []).length > 0)
      issues.error(at(tp, 'subjectAltNames'), 'sidecar: subjectAltNames is not supported in ingress tls');
    if (tls.httpsRedirect) issues.error(at(tp, 'httpsRedirect'), 'sidecar: httpsRedirect is not supported');
    if (tls.credentialName)
      issues.error(at(tp, 'credentialName'), 'sidecar: credentialName is not currently supported');
    if ((tls.credentialNames ?? []).length > 0)
      issues.error(at(tp, 'credentialNames'), 'sidecar: credentialNames is not currently supported');
    if ((tls.tlsCertificates ?? []).length > 0)
      issues.error(at(tp, 'tlsCertificates'), 'sidecar: tls_certificates is not currently supported');
    if (tls.mode === 'ISTIO_MUTUAL' || tls.mode === 'AUTO_PASSTHROUGH') {
      issues.error(
        at(tp, 'mode'),
        `configuration is invalid: cannot set mode to ${tls.mode} in sidecar ingress tls`,
      );
    }
    if (!isTLSProtocol(parseProtocol(port.protocol)))
      issues.error(tp, 'server cannot have TLS settings for non HTTPS/TLS ports');
    validateServerTLS(tls, tp, issues);
  }
  validateConnectionPool(l.connectionPool, at(path, 'connectionPool'), issues);
  if (l.connectionPool?.http && !isHTTPProtocol(parseProtocol(port.protocol))) {
    issues.warn(
      atPath(path, 'connectionPool.http'),
      `sidecar: HTTP connection pool settings are configured for port ${port.number ?? 0} (${JSON.stringify(port.name ?? '')}) but its protocol is not HTTP (${port.protocol ?? ''}); only TCP settings will apply`,
    );
  }
}

function validateEgressPort(l: IstioEgressListener, path: string, issues: Issues): void {
  const port = l.port;
  if (!port) return;
  const pp = at(path, 'port');
  const bind = l.bind ?? '';
  if (port.name) issues.check(at(pp, 'name'), checkPortName(port.name));
  issues.check(at(pp, 'protocol'), checkProtocol(port.protocol));
  if ((port.number ?? 0) === 0) {
    if (!bind.startsWith(UNIX_ADDRESS_PREFIX)) {
      issues.error(
        at(path, 'bind'),
        'sidecar: ports with 0 value must have a unix domain socket bind address',
      );
    } else {
      issues.check(at(path, 'bind'), checkUnixAddress(bind.slice(UNIX_ADDRESS_PREFIX.length)));
    }
    const cm = l.captureMode ?? 'DEFAULT';
    if (cm !== 'DEFAULT' && cm !== 'NONE') {
      issues.error(
        at(path, 'captureMode'),
        'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners',
      );
    }
  } else {
    issues.check(at(pp, 'number'), checkPort(port.number ?? 0));
    if (bind) issues.check(at(path, 'bind'), checkIPAddress(bind));
  }
}

function validateEgressHosts(
  hosts: readonly string[],
  namespace: string,
  path: string,
  issues: Issues,
): void {
  const byNs = new Map<string, Set<string>>();
  hosts.forEach((h, i) => {
    const p = idx(path, i);
    const slash = h.indexOf('/');
    if (slash >= 0 && !h.startsWith('~')) {
      const ns = h.slice(0, slash) === '.' ? namespace : h.slice(0, slash);
      const svc = h.slice(slash + 1);
      const set = byNs.get(ns) ?? new Set<string>();
      byNs.set(ns, set);
      if (svc !== '*' ? set.has(svc) || set.has('*') : set.size > 0)
        issues.warn(p, `duplicated egress host: ${h}`);
      set.add(svc);
    }
    issues.checkAll(p, checkNamespaceSlashHost(h, false));
  });
  if (byNs.get('*')?.has('*') && byNs.size !== 1) {
    issues.warn(path, '`*/*` host select all resources, no other hosts can be added');
  }
}

export function validateSidecar(sc: SidecarSpec, ctx: SpecContext, issues: Issues, path = 'spec'): void {
  if (sc.workloadSelector) {
    if (validateSelectorLabels(sc.workloadSelector.labels, atPath(path, 'workloadSelector.labels'), issues)) {
      issues.warn(
        at(path, 'workloadSelector'),
        'sidecar: workload selector specified without labels, will be applied to all services in namespace',
      );
    }
  }
  const ingress = sc.ingress ?? [];
  const egress = sc.egress ?? [];
  if (ingress.length === 0 && egress.length === 0 && !sc.outboundTrafficPolicy && !sc.inboundConnectionPool) {
    issues.error(path, 'sidecar: empty configuration provided');
    return;
  }
  const ingressPorts = new Set<number>();
  ingress.forEach((l, i) => validateIngress(l, idx(at(path, 'ingress'), i), ingressPorts, issues));
  validateConnectionPool(sc.inboundConnectionPool, at(path, 'inboundConnectionPool'), issues);

  const egressPorts = new Set<number>();
  const sockets = new Set<string>();
  let catchAll = false;
  egress.forEach((l, i) => {
    const p = idx(at(path, 'egress'), i);
    if (!l.port) {
      if (catchAll) {
        issues.error(p, 'sidecar: egress can have only one listener with empty port');
        return;
      }
      if (i === egress.length - 1) catchAll = true;
      else
        issues.error(
          p,
          'sidecar: the egress listener with empty port should be the last listener in the list',
        );
    } else {
      if ((l.port.targetPort ?? 0) > 0)
        issues.error(atPath(p, 'port.targetPort'), 'targetPort has no impact on Sidecars');
      validateEgressPort(l, p, issues);
      const n = l.port.number ?? 0;
      if (n === 0) {
        if (sockets.has(l.bind ?? ''))
          issues.error(at(p, 'bind'), 'sidecar: unix domain socket values for listeners must be unique');
        sockets.add(l.bind ?? '');
      } else {
        if (egressPorts.has(n))
          issues.error(at(p, 'port'), 'sidecar: ports on IP bound listeners must be unique');
        egressPorts.add(n);
      }
    }
    const hosts = l.hosts ?? [];
    if (hosts.length === 0)
      issues.error(at(p, 'hosts'), 'sidecar: egress listener must contain at least one host');
    else validateEgressHosts(hosts, ctx.namespace, at(p, 'hosts'), issues);
  });

  const otp = sc.outboundTrafficPolicy;
  if (otp?.egressProxy) {
    const p = at(path, 'outboundTrafficPolicy');
    if ((otp.mode ?? 'REGISTRY_ONLY') !== 'ALLOW_ANY') {
      issues.error(
        at(p, 'egressProxy'),
        'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode',
      );
      return;
    }
    issues.check(atPath(p, 'egressProxy.host'), checkFQDN(otp.egressProxy.host ?? ''));
    if (!otp.egressProxy.port) {
      issues.error(atPath(p, 'egressProxy.port'), 'sidecar: egress_proxy port must be non-nil');
      return;
    }
    validateDestination(otp.egressProxy, at(p, 'egressProxy'), issues);
  }
}
