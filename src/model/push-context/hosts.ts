/**
 * Host name rules shared by VirtualService, DestinationRule and service lookups, as Istio applies
 * them (istio.io/istio `pkg/config/host`): short names are relative to the config's namespace,
 * `*` and `*.suffix` are wildcards, and the most specific match wins. Pure.
 */

/** `*` or `*.example.com`. */
export function isWildcardHost(host: string): boolean {
  return host.startsWith('*');
}

/**
 * Expands a short name to `name.NAMESPACE.svc.DOMAIN_SUFFIX`, as Istio's ResolveShortnameToFQDN:
 * names that contain a dot, `*` and IP literals are left alone (`reviews.default` stays as is).
 */
export function resolveShortName(host: string, namespace: string, domainSuffix: string): string {
  if (host === '' || host === '*' || host.includes('.') || host.includes(':')) return host;
  return `${host}.${namespace}.svc.${domainSuffix}`;
}

/**
 * Whether a concrete hostname is matched by a (possibly wildcard) pattern. `*.example.com` matches
 * `a.example.com` and `a.b.example.com` but not `example.com`; `*` matches everything.
 */
export function hostMatches(hostname: string, pattern: string): boolean {
  if (pattern === '*') return true;
  if (isWildcardHost(pattern))
    return hostname.endsWith(pattern.slice(1)) && hostname.length > pattern.length - 1;
  return hostname === pattern;
}

/**
 * Specificity of `pattern` for `hostname`: an exact match beats any wildcard, and a longer
 * wildcard suffix beats a shorter one. `-1` when it does not match.
 */
export function matchSpecificity(hostname: string, pattern: string): number {
  if (!hostMatches(hostname, pattern)) return -1;
  return isWildcardHost(pattern) ? pattern.length : Number.MAX_SAFE_INTEGER;
}

/** The most specific pattern matching `hostname` (first wins on ties), or `undefined`. */
export function mostSpecificHost(hostname: string, patterns: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const pattern of patterns) {
    const score = matchSpecificity(hostname, pattern);
    if (score > bestScore) {
      best = pattern;
      bestScore = score;
    }
  }
  return best;
}
