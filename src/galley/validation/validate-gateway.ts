/**
 * Gateway semantic rules (istiod `ValidateGateway`): the name is a DNS label; at least one server;
 * each server has hosts (`namespace/host` or a bare host, no partial wildcards), a named port with
 * a known protocol, TLS settings exactly when the protocol is HTTPS/TLS (plain HTTP may only carry
 * `httpsRedirect`), and server port names are unique.
 * See https://istio.io/latest/docs/reference/config/networking/gateway/.
 */
import type { GatewaySpec, Server } from '../../model/istio/gateway.js';
import type { SpecContext } from './context.js';
import { checkNamespaceSlashHost } from './hosts.js';
import { type Issues, at, idx, atPath } from './issues.js';
import { isDNS1123Label } from './labels.js';
import {
  UNIX_ADDRESS_PREFIX,
  checkIPAddress,
  checkPort,
  checkUnixAddress,
  isHTTPProtocol,
  isTLSProtocol,
  parseProtocol,
} from './net.js';
import { validateServerTLS } from './validate-server-tls.js';

function validateServer(s: Server, path: string, issues: Issues): void {
  const hosts = s.hosts ?? [];
  if (hosts.length === 0) issues.error(at(path, 'hosts'), 'server config must contain at least one host');
  hosts.forEach((h, i) => issues.checkAll(idx(at(path, 'hosts'), i), checkNamespaceSlashHost(h, true)));

  const bind = s.bind ?? '';
  const port = s.port;
  let portOk = false;
  if (!port) {
    issues.error(at(path, 'port'), 'port is required');
  } else {
    const before = issues.errors.length;
    const pp = at(path, 'port');
    if (parseProtocol(port.protocol) === 'Unsupported') {
      issues.error(
        at(pp, 'protocol'),
        `invalid protocol ${JSON.stringify(port.protocol ?? '')}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`,
      );
    }
    if ((port.number ?? 0) > 0 || !bind.startsWith(UNIX_ADDRESS_PREFIX))
      issues.check(at(pp, 'number'), checkPort(port.number ?? 0));
    if ((port.targetPort ?? 0) > 0)
      issues.error(at(pp, 'targetPort'), 'targetPort has no impact on Gateways');
    if (!port.name) issues.error(at(pp, 'name'), 'port name must be set');
    portOk = issues.errors.length === before;
  }

  if (bind.startsWith(UNIX_ADDRESS_PREFIX)) {
    issues.check(at(path, 'bind'), checkUnixAddress(bind.slice(UNIX_ADDRESS_PREFIX.length)));
    if (port && (port.number ?? 0) !== 0)
      issues.error(atPath(path, 'port.number'), 'port number must be 0 for unix domain socket');
  } else if (bind !== '') {
    issues.check(at(path, 'bind'), checkIPAddress(bind));
  }
  validateServerTLS(s.tls, at(path, 'tls'), issues);

  if (portOk && port) {
    const proto = parseProtocol(port.protocol);
    const tls = s.tls;
    if (isTLSProtocol(proto) && !tls) {
      issues.error(at(path, 'tls'), 'server must have TLS settings for HTTPS/TLS protocols');
    } else if (!isTLSProtocol(proto) && tls) {
      if (isHTTPProtocol(proto)) {
        // Only `httpsRedirect` makes sense on plain HTTP: the TLS mode's zero value is PASSTHROUGH.
        const mode = tls.mode ?? 'PASSTHROUGH';
        const passthrough = mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
        if (!passthrough || tls.caCertificates || tls.privateKey || tls.serverCertificate) {
          issues.error(at(path, 'tls'), 'server cannot have TLS settings for plain text HTTP ports');
        }
      } else {
        issues.error(at(path, 'tls'), 'server cannot have TLS settings for non HTTPS/TLS ports');
      }
    }
  }
}

export function validateGateway(gw: GatewaySpec, ctx: SpecContext, issues: Issues, path = 'spec'): void {
  if (!isDNS1123Label(ctx.name))
    issues.error('metadata.name', `invalid gateway name: ${JSON.stringify(ctx.name)}`);
  const servers = gw.servers ?? [];
  if (servers.length === 0) issues.error(at(path, 'servers'), 'gateway must have at least one server');
  servers.forEach((s, i) => validateServer(s, idx(at(path, 'servers'), i), issues));
  const portNames = new Set<string>();
  servers.forEach((s, i) => {
    if (!s.port) return;
    const name = s.port.name ?? '';
    if (portNames.has(name)) {
      issues.error(
        idx(at(path, 'servers'), i),
        `port names in servers must be unique: duplicate name ${name}`,
      );
    }
    portNames.add(name);
    if (!isHTTPProtocol(parseProtocol(s.port.protocol)) && s.tls?.httpsRedirect) {
      issues.warn(idx(at(path, 'servers'), i), 'tls.httpsRedirect should only be used with http servers');
    }
  });
}
