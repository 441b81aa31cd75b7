/**
 * The single source of truth for xDS resource names, as Istio spells them so that tools, dashboards
 * and clients written against istiod keep working:
 * - clusters `outbound|PORT|SUBSET|HOST` and `inbound|PORT||` (Istio's `model.BuildSubsetKey`);
 * - EDS names equal cluster names (`eds_cluster_config.service_name`);
 * - proxyless listeners are the dial target `host:port` (gRFC A27: the client asks LDS for the
 *   name in `xds:///host:port`);
 * - proxyless route configs reuse the outbound cluster name `outbound|PORT||HOST`, as Istio's
 *   grpcgen does (one RouteConfiguration per service port).
 * Pure, never throws.
 */

export type TrafficDirection = 'inbound' | 'outbound';

/** `direction|port|subset|hostname`, Istio's cluster (and EDS) name. */
export function buildClusterName(
  direction: TrafficDirection,
  subset: string,
  hostname: string,
  port: number,
): string {
  return `${direction}|${port}|${subset}|${hostname}`;
}

/** The default (no subset) outbound cluster of a service port. */
export function buildOutboundClusterName(hostname: string, port: number, subset = ''): string {
  return buildClusterName('outbound', subset, hostname, port);
}

/** `inbound|PORT||`: the cluster a sidecar uses for its own workload's port. */
export function buildInboundClusterName(port: number): string {
  return buildClusterName('inbound', '', '', port);
}

export interface ClusterNameParts {
  readonly direction: TrafficDirection;
  readonly port: number;
  readonly subset: string;
  readonly hostname: string;
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * Parses `direction|port|subset|hostname`; `undefined` for anything else (other generators' names,
 * typos, a client asking for a name we never produced).
 */
export function parseClusterName(name: string): ClusterNameParts | undefined {
  const parts = name.split('|');
  if (parts.length !== 4) return undefined;
  const [direction, portText, subset, hostname] = parts as [string, string, string, string];
  if (direction !== 'inbound' && direction !== 'outbound') return undefined;
  const port = parsePort(portText);
  if (port === undefined) return undefined;
  if (direction === 'outbound' && hostname === '') return undefined;
  return { direction, port, subset, hostname };
}

/** The name a proxyless client subscribes to for `xds:///host:port`. */
export function buildProxylessListenerName(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface HostPort {
  readonly host: string;
  /** Absent when the name carries no port (`xds:///greeter`). */
  readonly port?: number;
}

/**
 * Splits a `host:port` listener name (IPv6 literals in brackets). `undefined` when the port is not
 * a valid port number or the host is empty.
 */
export function parseHostPort(name: string): HostPort | undefined {
  if (name.startsWith('[')) {
    const close = name.indexOf(']');
    if (close < 0) return undefined;
    const host = name.slice(1, close);
    const rest = name.slice(close + 1);
    if (host === '') return undefined;
    if (rest === '') return { host };
    if (!rest.startsWith(':')) return undefined;
    const port = parsePort(rest.slice(1));
    return port === undefined ? undefined : { host, port };
  }
  const colon = name.lastIndexOf(':');
  if (colon < 0) return name === '' ? undefined : { host: name };
  const host = name.slice(0, colon);
  if (host === '' || host.includes(':')) return undefined;
  const port = parsePort(name.slice(colon + 1));
  return port === undefined ? undefined : { host, port };
}

/** Proxyless route config name: the default outbound cluster name of the service port. */
export function buildProxylessRouteName(hostname: string, port: number): string {
  return buildOutboundClusterName(hostname, port);
}

/** Parses a proxyless route config name; only `outbound|PORT||HOST` (no subset) is one. */
export function parseProxylessRouteName(name: string): { hostname: string; port: number } | undefined {
  const parts = parseClusterName(name);
  if (!parts || parts.direction !== 'outbound' || parts.subset !== '') return undefined;
  return { hostname: parts.hostname, port: parts.port };
}

/** Virtual host name inside a route config: `host:port`, as Istio names sidecar virtual hosts. */
export function buildVirtualHostName(hostname: string, port: number): string {
  return `${hostname}:${port}`;
}
