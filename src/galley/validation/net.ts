/**
 * Addresses, ports and protocols, as istiod checks them: IPs parse like Go's `netip.ParseAddr`
 * (no IPv4 leading zeros, IPv6 with optional zone), CIDRs like `netip.ParsePrefix`, ports in
 * 1..65535, and protocol names from `pkg/config/protocol` (case-insensitive).
 */
import { isDNS1123Label } from './labels.js';

/** Prefix marking a Unix domain socket address (`unix:///path` or `unix://@abstract`). */
export const UNIX_ADDRESS_PREFIX = 'unix://';

const IPV4_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_OCTET.test(p) && Number(p) <= 255);
}

export function isIPv6(addr: string): boolean {
  let s = addr;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    if (pct === s.length - 1) return false;
    s = s.slice(0, pct);
  }
  if (!s.includes(':')) return false;
  let groupsNeeded = 8;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    // A '0' placeholder stands for the IPv4 tail (two groups), so one group fewer is expected.
    s = s.slice(0, lastColon + 1) + '0';
    groupsNeeded = 7;
  }
  const dbl = s.split('::');
  if (dbl.length > 2) return false;
  const split = (t: string): string[] | undefined => {
    if (t === '') return [];
    const g = t.split(':');
    return g.every((x) => HEX_GROUP.test(x)) ? g : undefined;
  };
  if (dbl.length === 2) {
    const head = split(dbl[0] ?? '');
    const rest = split(dbl[1] ?? '');
    if (!head || !rest) return false;
    return head.length + rest.length < groupsNeeded;
  }
  const all = split(s);
  return all !== undefined && all.length === groupsNeeded;
}

/** True for an IPv4 or IPv6 address (netutil.IsValidIPAddress). */
export function isIPAddress(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

export function checkIPAddress(s: string): string | undefined {
  return isIPAddress(s) ? undefined : `${s} is not a valid IP`;
}

/** `a.b.c.d`, `a.b.c.d/nn`, `x::y` or `x::y/nnn`. */
export function checkIPSubnet(subnet: string): string | undefined {
  const parts = subnet.split('/');
  if (parts.length === 2) {
    const [ip = '', bits = ''] = parts;
    const max = isIPv4(ip) ? 32 : isIPv6(ip) && !ip.includes('%') ? 128 : -1;
    if (max < 0 || !/^(?:0|[1-9][0-9]*)$/.test(bits) || Number(bits) > max) {
      return `${subnet} is not a valid CIDR block`;
    }
    return undefined;
  }
  return checkIPAddress(subnet);
}

export function checkPort(port: number): string | undefined {
  return port >= 1 && port <= 65535 ? undefined : `port number ${port} must be in the range 1..65535`;
}

/** Port names are DNS-1123 labels. */
export function checkPortName(name: string): string | undefined {
  return isDNS1123Label(name) ? undefined : `invalid port name: ${name}`;
}

export type Protocol =
  | 'TCP'
  | 'UDP'
  | 'GRPC'
  | 'GRPC-Web'
  | 'HTTP'
  | 'HTTP_PROXY'
  | 'HTTP2'
  | 'HTTPS'
  | 'TLS'
  | 'Mongo'
  | 'Redis'
  | 'MySQL'
  | 'Unsupported';

const PROTOCOLS: Readonly<Record<string, Protocol>> = {
  tcp: 'TCP',
  udp: 'UDP',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  http: 'HTTP',
  http_proxy: 'HTTP_PROXY',
  http2: 'HTTP2',
  https: 'HTTPS',
  tls: 'TLS',
  mongo: 'Mongo',
  redis: 'Redis',
  mysql: 'MySQL',
};

/** Istio protocol names, case-insensitive; anything else (including empty) is Unsupported. */
export function parseProtocol(s: string | undefined): Protocol {
  return PROTOCOLS[(s ?? '').toLowerCase()] ?? 'Unsupported';
}

export function isHTTPProtocol(p: Protocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'HTTP_PROXY' || p === 'GRPC' || p === 'GRPC-Web';
}

export function isTLSProtocol(p: Protocol): boolean {
  return p === 'HTTPS' || p === 'TLS';
}

export function isTCPProtocol(p: Protocol): boolean {
  return p === 'TCP' || p === 'HTTPS' || p === 'TLS' || p === 'Mongo' || p === 'Redis' || p === 'MySQL';
}

/** Empty means "sniff the protocol" and is allowed; otherwise it must be a known protocol. */
export function checkProtocol(s: string | undefined): string | undefined {
  if (!s) return undefined;
  return parseProtocol(s) === 'Unsupported' ? `unsupported protocol: ${s}` : undefined;
}

/** The part after `unix://`: an abstract socket `@name` or an absolute file path (not a directory). */
export function checkUnixAddress(addr: string): string | undefined {
  if (addr === '') return 'unix address must not be empty';
  if (addr.startsWith('@')) return undefined;
  if (!addr.startsWith('/') || addr.endsWith('/')) return `${addr} is not an absolute path to a file`;
  return undefined;
}
