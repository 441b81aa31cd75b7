/**
 * One VirtualService `HTTPRoute` match block → one Envoy `Route` for sidecars and gateways
 * (Istio's translateRoute), with everything Envoy implements:
 * - match: uri, scheme, method, authority, headers, withoutHeaders (build-route-match.ts) plus
 *   `queryParams` (exact, prefix, regex; an empty match means "present");
 * - `redirect` → RedirectAction (`uri` → path, `authority` → host, `scheme`, `port`,
 *   `redirectCode` 301 default), `directResponse` → DirectResponseAction (string or bytes body);
 * - otherwise a RouteAction: one destination → `cluster`, several → `weighted_clusters` without
 *   weight-0 entries (all weight 1 if none is left, never a zero total), per-destination header
 *   operations on each ClusterWeight; `timeout` (0s = none, Istio's default), `retries`
 *   (build-envoy-retry.ts), `rewrite` (`uri` → `prefix_rewrite`, or `regex_rewrite` of the
 *   matched regex; `uriRegexRewrite` → `regex_rewrite`; `authority` → `host_rewrite_literal`),
 *   mirrors with their percentages (100% by default) and the destinations' consistent hashes;
 * - route-level header operations (plus the single destination's), fault (build-fault.ts) and
 *   CORS (build-cors.ts) in `typed_per_filter_config`.
 * A `delegate` route yields nothing yet.
 *
 * `legacyMatchers` (proxies of Istio < 1.11, such as MOSN's Istio 1.10 model, which read only the
 * pre-1.19 Envoy fields) writes header matchers as `exact_match` / `prefix_match` /
 * `safe_regex_match` instead of `string_match`, as istiod of that era did. Pure.
 */
import type {
  ConsistentHashLB,
  HTTPMatchRequest,
  HTTPRedirect,
  HTTPRoute,
} from '../../../model/istio/index.js';
import { CORS_FILTER } from '../envoy-types.js';
import { durationFromText, fractionalPercent, uint32Value, type ProtoObject } from '../proto-values.js';
import { buildCorsPolicy } from './build-cors.js';
import { buildEnvoyRetryPolicy } from './build-envoy-retry.js';
import { buildFault, FAULT_FILTER_NAME } from './build-fault.js';
import { applyHeaderOperations } from './build-header-ops.js';
import type { DestinationResolver } from './build-route-action.js';
import { buildRouteMatch, buildStringMatcher } from './build-route-match.js';

const REDIRECT_CODES: Readonly<Record<number, string>> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** Envoy's hash policy for a DestinationRule consistent hash (every Istio hash key). */
export function buildEnvoyHashPolicy(hash: ConsistentHashLB | undefined): ProtoObject | undefined {
  if (!hash) return undefined;
  if (hash.httpHeaderName) return { header: { header_name: hash.httpHeaderName } };
  if (hash.httpCookie?.name) {
    const cookie: ProtoObject = { name: hash.httpCookie.name };
    if (hash.httpCookie.path) cookie['path'] = hash.httpCookie.path;
    const ttl = durationFromText(hash.httpCookie.ttl);
    if (ttl) cookie['ttl'] = ttl;
    return { cookie };
  }
  if (hash.useSourceIp) return { connection_properties: { source_ip: true } };
  if (hash.httpQueryParameterName) return { query_parameter: { name: hash.httpQueryParameterName } };
  return undefined;
}

const LEGACY_FIELDS: Readonly<Record<string, string>> = {
  exact: 'exact_match',
  prefix: 'prefix_match',
  suffix: 'suffix_match',
  safe_regex: 'safe_regex_match',
};

/** Rewrites `string_match` header matchers into the deprecated per-kind fields. */
function toLegacyHeaderMatchers(headers: ProtoObject[]): ProtoObject[] {
  return headers.map((h) => {
    const sm = h['string_match'] as ProtoObject | undefined;
    if (!sm) return h;
    const { string_match: _sm, ...rest } = h;
    const [kind, value] = Object.entries(sm)[0] ?? [];
    const field = kind ? LEGACY_FIELDS[kind] : undefined;
    return field ? { ...rest, [field]: value } : h;
  });
}

export function buildEnvoyRouteMatch(
  match: HTTPMatchRequest | undefined,
  legacyMatchers = false,
): ProtoObject {
  const out = buildRouteMatch(match);
  if (legacyMatchers && out['headers'])
    out['headers'] = toLegacyHeaderMatchers(out['headers'] as ProtoObject[]);
  const params = Object.entries(match?.queryParams ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (params.length > 0) {
    out['query_parameters'] = params.map(([name, m]) => {
      const matcher = buildStringMatcher(m);
      return matcher ? { name, string_match: matcher } : { name, present_match: true };
    });
  }
  return out;
}

function buildRedirect(r: HTTPRedirect): ProtoObject {
  const out: ProtoObject = {};
  if (r.uri) out['path_redirect'] = r.uri;
  else if (r.prefixRewrite) out['prefix_rewrite'] = r.prefixRewrite;
  if (r.authority) out['host_redirect'] = r.authority;
  if (r.scheme) out['scheme_redirect'] = r.scheme;
  if (r.port) out['port_redirect'] = r.port;
  out['response_code'] = REDIRECT_CODES[r.redirectCode ?? 301] ?? 'MOVED_PERMANENTLY';
  return out;
}

function buildDirectResponse(http: HTTPRoute): ProtoObject {
  const dr = http.directResponse!;
  const out: ProtoObject = { status: dr.status ?? 200 };
  if (dr.body?.string !== undefined) out['body'] = { inline_string: dr.body.string };
  else if (dr.body?.bytes !== undefined) out['body'] = { inline_bytes: dr.body.bytes };
  return out;
}

function mirrorPolicies(http: HTTPRoute, resolve: DestinationResolver): ProtoObject[] {
  const out: ProtoObject[] = [];
  const add = (cluster: string, percent: number | undefined) =>
    out.push({ cluster, runtime_fraction: { default_value: fractionalPercent(percent ?? 100) } });
  if (http.mirror?.host) {
    add(resolve(http.mirror).cluster, http.mirrorPercentage?.value ?? http.mirrorPercent);
  }
  for (const m of http.mirrors ?? []) {
    if (m.destination?.host) add(resolve(m.destination).cluster, m.percentage?.value);
  }
  return out;
}

function applyRewrite(action: ProtoObject, http: HTTPRoute, match: HTTPMatchRequest | undefined): void {
  const rw = http.rewrite;
  if (!rw) return;
  if (rw.uriRegexRewrite?.match !== undefined) {
    action['regex_rewrite'] = {
      pattern: { regex: rw.uriRegexRewrite.match },
      substitution: rw.uriRegexRewrite.rewrite ?? '',
    };
  } else if (rw.uri !== undefined) {
    if (match?.uri?.regex !== undefined) {
      action['regex_rewrite'] = { pattern: { regex: match.uri.regex }, substitution: rw.uri };
    } else {
      action['prefix_rewrite'] = rw.uri;
    }
  }
  if (rw.authority) action['host_rewrite_literal'] = rw.authority;
}

function clusterSpecifier(
  route: ProtoObject,
  http: HTTPRoute,
  resolve: DestinationResolver,
  hashes: ProtoObject[],
) {
  const dests = (http.route ?? []).filter((r) => r.destination?.host);
  const addHash = (hash: ConsistentHashLB | undefined) => {
    const policy = buildEnvoyHashPolicy(hash);
    if (policy && !hashes.some((h) => JSON.stringify(h) === JSON.stringify(policy))) hashes.push(policy);
  };
  if (dests.length === 1) {
    const resolved = resolve(dests[0]!.destination!);
    addHash(resolved.consistentHash);
    applyHeaderOperations(route, dests[0]!.headers);
    return { cluster: resolved.cluster };
  }
  let weighted = dests.filter((d) => (d.weight ?? 0) > 0);
  const equal = weighted.length === 0;
  if (equal) weighted = dests;
  const clusters = weighted.map((d) => {
    const resolved = resolve(d.destination!);
    addHash(resolved.consistentHash);
    const entry: ProtoObject = { name: resolved.cluster, weight: uint32Value(equal ? 1 : (d.weight ?? 0)) };
    applyHeaderOperations(entry, d.headers);
    return entry;
  });
  return { weighted_clusters: { clusters } };
}

function buildAction(
  route: ProtoObject,
  http: HTTPRoute,
  match: HTTPMatchRequest | undefined,
  resolve: DestinationResolver,
): ProtoObject {
  const hashes: ProtoObject[] = [];
  const action: ProtoObject = { ...clusterSpecifier(route, http, resolve, hashes) };
  const timeout = durationFromText(http.timeout) ?? { seconds: 0, nanos: 0 };
  action['timeout'] = timeout;
  if (timeout.seconds > 0 || timeout.nanos > 0) {
    action['max_stream_duration'] = { max_stream_duration: timeout, grpc_timeout_header_max: timeout };
  }
  const retry = buildEnvoyRetryPolicy(http.retries);
  if (retry) action['retry_policy'] = retry;
  applyRewrite(action, http, match);
  const mirrors = mirrorPolicies(http, resolve);
  if (mirrors.length > 0) action['request_mirror_policies'] = mirrors;
  if (hashes.length > 0) action['hash_policy'] = hashes;
  return action;
}

/** The Envoy route for one match block of `http`, or `undefined` when it has no action. */
export function buildEnvoyRoute(
  http: HTTPRoute,
  match: HTTPMatchRequest | undefined,
  resolve: DestinationResolver,
  legacyMatchers = false,
): ProtoObject | undefined {
  const route: ProtoObject = {};
  const name = [http.name, match?.name].filter((n) => n).join('.');
  if (name) route['name'] = name;
  route['match'] = buildEnvoyRouteMatch(match, legacyMatchers);
  if (http.redirect) {
    route['redirect'] = buildRedirect(http.redirect);
  } else if (http.directResponse) {
    route['direct_response'] = buildDirectResponse(http);
  } else if (!http.delegate && (http.route ?? []).some((r) => r.destination?.host)) {
    route['route'] = buildAction(route, http, match, resolve);
  } else {
    return undefined;
  }
  applyHeaderOperations(route, http.headers);
  const perFilter: ProtoObject = {};
  const fault = buildFault(http.fault);
  if (fault) perFilter[FAULT_FILTER_NAME] = fault;
  const cors = buildCorsPolicy(http.corsPolicy);
  if (cors) perFilter[CORS_FILTER] = cors;
  if (Object.keys(perFilter).length > 0) route['typed_per_filter_config'] = perFilter;
  return route;
}

/** Istio's default route to a service's cluster (no VirtualService): default retries, no timeout. */
export function buildEnvoyDefaultRoute(cluster: string, hash?: ConsistentHashLB): ProtoObject {
  const action: ProtoObject = { cluster, timeout: { seconds: 0, nanos: 0 } };
  const retry = buildEnvoyRetryPolicy(undefined);
  if (retry) action['retry_policy'] = retry;
  const hashPolicy = buildEnvoyHashPolicy(hash);
  if (hashPolicy) action['hash_policy'] = [hashPolicy];
  return { name: 'default', match: { prefix: '/' }, route: action };
}
