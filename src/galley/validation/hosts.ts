/**
 * Host name rules (istiod `pkg/config/validation/agent`): FQDNs, wildcard domains (`*` or a wildcard
 * first label only), `namespace/host` entries of Sidecars and Gateways, and host matching
 * (`pkg/config/host`) used for duplicate-host and SNI checks.
 */
import { isDNS1123Label, isWildcardDNS1123Label } from './labels.js';
import { isIPAddress } from './net.js';

function checkDNS1123Preconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name ${JSON.stringify(name)} too long (max 255)`;
  if (name.length === 0) return 'empty domain name not allowed';
  return undefined;
}

function checkDNS1123Labels(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1] ?? '';
  if (/^[+-]?[0-9]+$/.test(tld)) {
    return `domain name ${JSON.stringify(domain)} invalid (top level domain ${JSON.stringify(tld)} cannot be all-numeric)`;
  }
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i] ?? '';
    // A trailing dot (`istio.io.`) is allowed.
    if (i === parts.length - 1 && label === '') return undefined;
    if (!isDNS1123Label(label))
      return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(label)} invalid)`;
  }
  return undefined;
}

/** A fully-qualified (or short) DNS name without wildcards. */
export function checkFQDN(fqdn: string): string | undefined {
  return checkDNS1123Preconditions(fqdn) ?? checkDNS1123Labels(fqdn);
}

/** A DNS name whose first label may be a wildcard (`*`, `*.foo.com`, `*foo.com`). */
export function checkWildcardDomain(domain: string): string | undefined {
  const pre = checkDNS1123Preconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!isWildcardDNS1123Label(first)) {
    return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(first)} invalid)`;
  }
  return dot < 0 ? undefined : checkDNS1123Labels(domain.slice(dot + 1));
}

/**
 * Hosts of a gateway-bound VirtualService: a wildcard domain, or for SNI the auto-generated
 * `outbound_.PORT_._.HOST` names of AUTO_PASSTHROUGH gateways.
 */
export function checkWildcardDomainForGateway(sni: boolean, domain: string): string | undefined {
  const pre = checkDNS1123Preconditions(domain);
  if (pre) return pre;
  if (sni && domain.startsWith('outbound_')) {
    const parts = domain.split('_');
    const format = 'outbound_.<port>_._.<hostname>';
    if (parts.length < 4) return `domain name ${domain} invalid, should follow '${format}' format`;
    const port = (parts[1] ?? '').replace(/^\.+|\.+$/g, '');
    const hostname = (parts[3] ?? '').replace(/^\.+|\.+$/g, '');
    if (!/[0-9]/.test(port)) {
      return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(port)} invalid). should follow ${format} format`;
    }
    if (!/[a-zA-Z]/.test(hostname)) {
      return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(hostname)} invalid). should follow ${format} format`;
    }
    return undefined;
  }
  return checkWildcardDomain(domain);
}

/** Only `*` or a `*.` prefix; `*foo.com` is a partial wildcard. */
export function checkPartialWildcard(host: string): string | undefined {
  if (host.includes('*') && host.length !== 1 && !host.startsWith('*.')) {
    return `partial wildcard ${JSON.stringify(host)} not allowed`;
  }
  return undefined;
}

function checkHostnamePart(hostname: string, isGateway: boolean): string[] {
  const errs: string[] = [];
  if (hostname !== '*' && !hostname.includes('.')) errs.push('short names (non FQDN) are not allowed');
  const err = checkWildcardDomain(hostname);
  // Gateways also accept an IP as the host.
  if (err && (!isGateway || !isIPAddress(hostname))) errs.push(err);
  const partial = checkPartialWildcard(hostname);
  if (partial) errs.push(partial);
  return errs;
}

/**
 * `namespace/dnsName` host entries of Sidecar egress listeners and Gateway servers. Gateways also
 * accept a bare host (old style). Sidecar namespaces may be `*`, `.`, `~`-prefixed, or a label.
 */
export function checkNamespaceSlashHost(hostname: string, isGateway: boolean): string[] {
  const slash = hostname.indexOf('/');
  if (slash < 0) {
    if (isGateway) return checkHostnamePart(hostname, true);
    return ['host must be of form namespace/dnsName'];
  }
  const ns = hostname.slice(0, slash);
  const dns = hostname.slice(slash + 1);
  const errs: string[] = [];
  if (ns === '' || dns === '') errs.push('config namespace and dnsName in host entry cannot be empty');
  if (!isGateway) {
    const bare = ns.startsWith('~') ? ns.slice(1) : ns;
    if (bare !== '' && bare !== '*' && bare !== '.' && !isDNS1123Label(bare)) {
      errs.push(`invalid namespace value ${JSON.stringify(ns)} in sidecar`);
    }
  } else if (ns !== '*' && ns !== '.' && !isDNS1123Label(ns)) {
    errs.push(`invalid namespace value ${JSON.stringify(ns)} in gateway`);
  }
  errs.push(...checkHostnamePart(dns, isGateway));
  return errs;
}

function isWildcarded(h: string): boolean {
  return h.startsWith('*');
}

/** Whether two host names overlap (either covers the other), as `host.Name.Matches`. */
export function hostsMatch(a: string, b: string): boolean {
  if (isWildcarded(a)) {
    if (isWildcarded(b)) {
      return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
    }
    return b.endsWith(a.slice(1));
  }
  if (isWildcarded(b)) return a.endsWith(b.slice(1));
  return a === b;
}

/** Whether host `a` is covered by host `b`, as `host.Name.SubsetOf`. */
export function hostSubsetOf(a: string, b: string): boolean {
  if (isWildcarded(a)) {
    if (isWildcarded(b)) return a.length >= b.length && a.slice(1).endsWith(b.slice(1));
    return false;
  }
  if (isWildcarded(b)) return a.endsWith(b.slice(1));
  return a === b;
}

export function isWildcardHost(h: string): boolean {
  return isWildcarded(h);
}
