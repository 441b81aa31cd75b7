/**
 * The Gateway servers a gateway proxy (`router~...`) implements: every server of every Gateway
 * whose selector its labels satisfy, oldest Gateway first, with what the listener and route
 * builders need: its kind, its RDS name as Istio spells it (`http.PORT` shared by the plain
 * HTTP servers of a port, `https.PORT.PORTNAME.GATEWAY.NAMESPACE` per HTTPS server), and its hosts
 * split into namespace filter and host. Pure.
 * See https://istio.io/latest/docs/reference/config/networking/gateway/.
 */
import type { Config } from '../../model/config.js';
import type { GatewaySpec, Server } from '../../model/istio/index.js';
import type { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';

export type ServerKind = 'http' | 'https' | 'tls-passthrough' | 'tls-terminate' | 'tcp';

export interface ServerHost {
  /** Namespace a VirtualService must be in: a name or `*`. */
  readonly namespace: string;
  readonly host: string;
}

export interface GatewayServer {
  readonly gateway: Config<GatewaySpec>;
  /** `namespace/name`. */
  readonly gatewayName: string;
  readonly server: Server;
  readonly port: number;
  readonly bind: string;
  readonly kind: ServerKind;
  readonly hosts: readonly ServerHost[];
  /** RDS name of HTTP and HTTPS servers. */
  readonly routeName?: string;
}

const HTTP_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

function kindOf(server: Server): ServerKind {
  const protocol = (server.port?.protocol ?? '').toUpperCase();
  const mode = server.tls?.mode ?? 'SIMPLE';
  const passthrough = mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
  if (HTTP_PROTOCOLS.has(protocol)) return 'http';
  if (protocol === 'HTTPS') return passthrough ? 'tls-passthrough' : 'https';
  if (protocol === 'TLS') return passthrough ? 'tls-passthrough' : 'tls-terminate';
  return 'tcp';
}

export function parseServerHost(text: string, gatewayNamespace: string): ServerHost {
  const slash = text.indexOf('/');
  if (slash < 0) return { namespace: '*', host: text };
  const ns = text.slice(0, slash);
  return { namespace: ns === '.' ? gatewayNamespace : ns, host: text.slice(slash + 1) };
}

/** Every server of the Gateways selecting this proxy, in Gateway age and server order. */
export function gatewayServers(push: PushContext, proxy: Proxy): GatewayServer[] {
  const out: GatewayServer[] = [];
  for (const gateway of push.gatewaysFor(proxy.labels)) {
    const { name, namespace } = gateway.meta;
    for (const server of gateway.spec.servers ?? []) {
      const port = server.port?.number;
      if (!port) continue;
      const kind = kindOf(server);
      const routeName =
        kind === 'http'
          ? `http.${port}`
          : kind === 'https'
            ? `https.${port}.${server.port?.name ?? ''}.${name}.${namespace}`
            : undefined;
      out.push({
        gateway,
        gatewayName: `${namespace}/${name}`,
        server,
        port,
        bind: server.bind || '0.0.0.0',
        kind,
        hosts: (server.hosts ?? []).map((h) => parseServerHost(h, namespace)),
        ...(routeName ? { routeName } : {}),
      });
    }
  }
  return out;
}

/** SNI names of a server (`*` means any: no SNI match). */
export function serverSniNames(server: GatewayServer): string[] {
  const hosts = server.hosts.map((h) => h.host);
  return hosts.includes('*') ? [] : [...new Set(hosts)].sort();
}
