/**
 * DestinationRule traffic policies (istiod `validateTrafficPolicy` and friends): load balancer,
 * connection pool, outlier detection, client TLS, per-port settings, tunnel and PROXY protocol.
 */
import type {
  ClientTLSSettings,
  ConnectionPoolSettings,
  LoadBalancerSettings,
  OutlierDetection,
  TrafficPolicy,
} from '../../model/istio/destination-rule.js';
import { parseDurationMs } from '../../model/istio/common.js';
import { setKeys } from './context.js';
import { checkDuration, checkIntPercent } from './durations.js';
import { checkFQDN } from './hosts.js';
import { type Issues, at, idx, atPath } from './issues.js';
import { checkIPAddress, checkPort } from './net.js';
import { validateLocalityLbSetting, validateZoneAwareLbSetting } from './validate-locality.js';

function dur(d: string | undefined, path: string, issues: Issues): void {
  if (d !== undefined) issues.check(path, checkDuration(d));
}

export function validateOutlierDetection(
  o: OutlierDetection | undefined,
  path: string,
  issues: Issues,
): void {
  if (!o) return;
  dur(o.baseEjectionTime, at(path, 'baseEjectionTime'), issues);
  if (o.consecutiveErrors) {
    issues.warn(
      at(path, 'consecutiveErrors'),
      'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead',
    );
  }
  if (!o.splitExternalLocalOriginErrors && (o.consecutiveLocalOriginFailures ?? 0) > 0) {
    issues.error(
      at(path, 'consecutiveLocalOriginFailures'),
      'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false',
    );
  }
  dur(o.interval, at(path, 'interval'), issues);
  issues.check(at(path, 'maxEjectionPercent'), checkIntPercent(o.maxEjectionPercent));
  issues.check(at(path, 'minHealthPercent'), checkIntPercent(o.minHealthPercent));
}

function nonNegative(v: number | undefined, what: string, path: string, issues: Issues): void {
  if (v !== undefined && v < 0) issues.error(path, `${what} must be non-negative`);
}

export function validateConnectionPool(
  c: ConnectionPoolSettings | undefined,
  path: string,
  issues: Issues,
): void {
  if (!c) return;
  if (!c.http && !c.tcp) {
    issues.error(path, 'connection pool must have at least one field');
    return;
  }
  const h = c.http;
  if (h) {
    const p = at(path, 'http');
    nonNegative(
      h.http1MaxPendingRequests,
      'http1 max pending requests',
      at(p, 'http1MaxPendingRequests'),
      issues,
    );
    nonNegative(h.http2MaxRequests, 'http2 max requests', at(p, 'http2MaxRequests'), issues);
    nonNegative(
      h.maxRequestsPerConnection,
      'max requests per connection',
      at(p, 'maxRequestsPerConnection'),
      issues,
    );
    nonNegative(h.maxRetries, 'max retries', at(p, 'maxRetries'), issues);
    dur(h.idleTimeout, at(p, 'idleTimeout'), issues);
    if (h.h2UpgradePolicy === 'UPGRADE' && h.useClientProtocol) {
      issues.error(
        at(p, 'useClientProtocol'),
        'use client protocol must not be true when H2UpgradePolicy is UPGRADE',
      );
    }
    nonNegative(h.maxConcurrentStreams, 'max concurrent streams', at(p, 'maxConcurrentStreams'), issues);
    const ka = h.http2KeepAlive;
    if (ka) {
      const kp = at(p, 'http2KeepAlive');
      if (ka.interval === undefined) issues.error(at(kp, 'interval'), 'http2 keepalive interval is required');
      else dur(ka.interval, at(kp, 'interval'), issues);
      if (ka.timeout === undefined) issues.error(at(kp, 'timeout'), 'http2 keepalive timeout is required');
      else dur(ka.timeout, at(kp, 'timeout'), issues);
    }
  }
  const t = c.tcp;
  if (t) {
    const p = at(path, 'tcp');
    nonNegative(t.maxConnections, 'max connections', at(p, 'maxConnections'), issues);
    dur(t.connectTimeout, at(p, 'connectTimeout'), issues);
    dur(t.maxConnectionDuration, at(p, 'maxConnectionDuration'), issues);
    // `0s` disables the idle timeout entirely.
    if (t.idleTimeout !== undefined && Math.trunc(parseDurationMs(t.idleTimeout) ?? 1) !== 0) {
      dur(t.idleTimeout, at(p, 'idleTimeout'), issues);
    }
    dur(t.tcpKeepalive?.time, atPath(p, 'tcpKeepalive.time'), issues);
    dur(t.tcpKeepalive?.interval, atPath(p, 'tcpKeepalive.interval'), issues);
  }
}

function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  for (let f = 3; f * f <= x; f += 2) if (x % f === 0) return false;
  return true;
}

export function validateLoadBalancer(
  lb: LoadBalancerSettings | undefined,
  outlier: OutlierDetection | undefined,
  path: string,
  issues: Issues,
): void {
  if (!lb) return;
  if (lb.simple !== undefined && lb.consistentHash)
    issues.error(path, 'only one of simple or consistentHash may be set');
  const ch = lb.consistentHash;
  if (ch) {
    const p = at(path, 'consistentHash');
    if (setKeys(ch, ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName']).length > 1) {
      issues.error(
        p,
        'only one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName may be set',
      );
    }
    if (ch.ringHash && ch.maglev) issues.error(p, 'only one of ringHash or maglev may be set');
    const cookie = ch.httpCookie;
    if (cookie && !cookie.name) issues.error(atPath(p, 'httpCookie.name'), 'name required for HttpCookie');
    const attrNames = new Set<string>();
    (cookie?.attributes ?? []).forEach((a, i) => {
      const ap = idx(atPath(p, 'httpCookie.attributes'), i);
      if (!a.name) issues.error(ap, 'cookie attribute name cannot be empty');
      else if (attrNames.has(a.name)) issues.error(ap, `duplicate cookie attribute name: ${a.name}`);
      else attrNames.add(a.name);
    });
    if (ch.minimumRingSize) {
      issues.warn(
        at(p, 'minimumRingSize'),
        "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
      );
      if (ch.ringHash || ch.maglev)
        issues.error(p, 'only one of MinimumRingSize or Maglev/Ringhash can be specified');
    }
    if (ch.maglev) {
      const size = ch.maglev.tableSize ?? 0;
      const mp = atPath(p, 'maglev.tableSize');
      if (size === 0) issues.error(mp, 'tableSize must be set for maglev');
      if (size >= 5000011) issues.error(mp, 'tableSize must be less than 5000011 for maglev');
      if (!isPrime(size)) issues.error(mp, 'tableSize must be a prime number for maglev');
    }
  }
  if (lb.localityLbSetting && lb.zoneAwareLbSetting)
    issues.error(path, 'only one of localityLbSetting and zoneAwareLbSetting can be set');
  validateLocalityLbSetting(lb.localityLbSetting, outlier, at(path, 'localityLbSetting'), issues);
  validateZoneAwareLbSetting(lb.zoneAwareLbSetting, outlier, at(path, 'zoneAwareLbSetting'), issues);
  const w = lb.warmup;
  if (w) {
    const p = at(path, 'warmup');
    if (w.duration === undefined) issues.error(at(p, 'duration'), 'duration is required');
    else dur(w.duration, at(p, 'duration'), issues);
    if (w.minimumPercent !== undefined && (w.minimumPercent > 100 || w.minimumPercent < 0)) {
      issues.error(at(p, 'minimumPercent'), 'minimumPercent value should be between 0 and 100');
    }
    if (w.aggression !== undefined && w.aggression <= 0)
      issues.error(at(p, 'aggression'), 'aggression should be greater than 0');
  }
  if (lb.warmupDurationSecs !== undefined) dur(lb.warmupDurationSecs, at(path, 'warmupDurationSecs'), issues);
}

/** Client TLS (istiod `ValidateTLS`). */
export function validateClientTLS(
  namespace: string,
  t: ClientTLSSettings | undefined,
  path: string,
  issues: Issues,
): void {
  if (!t) return;
  const cred = t.credentialName ?? '';
  if (cred.startsWith('configmap://')) {
    const rest = cred.slice('configmap://'.length);
    const parts = rest.split('/');
    const ns = parts.length === 2 ? parts[0] : namespace;
    if (rest === '' || parts.length > 2 || parts.some((x) => x === '')) {
      issues.error(
        at(path, 'credentialName'),
        `invalid configmap:// credentialName: invalid resource name ${JSON.stringify(cred)}`,
      );
    } else if (ns !== namespace) {
      issues.error(
        at(path, 'credentialName'),
        `invalid configmap:// credentialName: namespace must match the configuration namespace ${JSON.stringify(namespace)}`,
      );
    }
  }
  if (t.insecureSkipVerify) {
    if (t.mode === 'SIMPLE' && (t.caCertificates || cred || t.subjectAltNames !== undefined)) {
      issues.error(
        path,
        'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true',
      );
    }
    if (t.mode === 'MUTUAL' && (t.caCertificates || t.subjectAltNames !== undefined)) {
      issues.error(
        path,
        'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true',
      );
    }
  }
  if ((t.mode === 'SIMPLE' || t.mode === 'MUTUAL') && cred) {
    if (t.clientCertificate || t.caCertificates || t.privateKey || t.caCrl) {
      issues.error(
        path,
        'cannot specify client certificates or CA certificate or CA CRL If credentialName is set',
      );
    }
    return;
  }
  if (t.mode === 'MUTUAL') {
    if (!t.clientCertificate)
      issues.error(at(path, 'clientCertificate'), 'client certificate required for mutual tls');
    if (!t.privateKey) issues.error(at(path, 'privateKey'), 'private key required for mutual tls');
  }
}

export function validateTrafficPolicy(
  namespace: string,
  tp: TrafficPolicy | undefined,
  path: string,
  issues: Issues,
): void {
  if (!tp) return;
  if (Object.keys(tp).length === 0) {
    issues.error(path, 'traffic policy must have at least one field');
    return;
  }
  if (tp.tunnel && tp.proxyProtocol) {
    issues.error(path, 'tunnel and proxyProtocol must not be set together');
    return;
  }
  validateOutlierDetection(tp.outlierDetection, at(path, 'outlierDetection'), issues);
  validateConnectionPool(tp.connectionPool, at(path, 'connectionPool'), issues);
  validateLoadBalancer(tp.loadBalancer, tp.outlierDetection, at(path, 'loadBalancer'), issues);
  validateClientTLS(namespace, tp.tls, at(path, 'tls'), issues);
  (tp.portLevelSettings ?? []).forEach((pl, i) => {
    const p = idx(at(path, 'portLevelSettings'), i);
    if (!pl.port) issues.error(at(p, 'port'), 'portTrafficPolicy must have valid port');
    if (!pl.outlierDetection && !pl.connectionPool && !pl.loadBalancer && !pl.tls) {
      issues.error(p, 'port traffic policy must have at least one field');
      return;
    }
    validateOutlierDetection(pl.outlierDetection, at(p, 'outlierDetection'), issues);
    validateConnectionPool(pl.connectionPool, at(p, 'connectionPool'), issues);
    validateLoadBalancer(pl.loadBalancer, pl.outlierDetection, at(p, 'loadBalancer'), issues);
    validateClientTLS(namespace, pl.tls, at(p, 'tls'), issues);
  });
  const tun = tp.tunnel;
  if (tun) {
    const p = at(path, 'tunnel');
    if (tun.protocol && tun.protocol !== 'CONNECT' && tun.protocol !== 'POST') {
      issues.error(at(p, 'protocol'), 'tunnel protocol must be "CONNECT" or "POST"');
    }
    const host = tun.targetHost ?? '';
    const fqdnErr = checkFQDN(host);
    const ipErr = checkIPAddress(host);
    if (fqdnErr && ipErr)
      issues.error(
        at(p, 'targetHost'),
        `tunnel target host must be valid FQDN or IP address: ${fqdnErr}; ${ipErr}`,
      );
    const portErr = checkPort(tun.targetPort ?? 0);
    if (portErr) issues.error(at(p, 'targetPort'), `tunnel target port is invalid: ${portErr}`);
  }
}
