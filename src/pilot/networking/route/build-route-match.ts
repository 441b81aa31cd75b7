/**
 * VirtualService `HTTPMatchRequest` → Envoy `RouteMatch`, following Istio's TranslateRouteMatch
 * restricted to what gRPC clients evaluate (gRFC A28):
 * - `uri` exact/prefix/regex → `path` / `prefix` / `safe_regex` (RE2); no `uri` → `prefix: "/"`;
 * - `ignoreUriCase` → `case_sensitive: false` (gRPC honours it for path and prefix);
 * - `headers` → header matchers sorted by name: exact/prefix/regex as `string_match`, an empty
 *   match (or the regex `*`, as Istio reads it) as `present_match`; `withoutHeaders` the same,
 *   inverted;
 * - `method`, `authority`, `scheme` → `:method`, `:authority`, `:scheme` header matchers.
 * A match with `queryParams` can never match a gRPC request (gRPC has no query string), so
 * `isGrpcMatchable` tells the caller to drop it rather than let gRPC ignore the condition and
 * match everything. Pure.
 */
import type { HTTPMatchRequest, StringMatch } from '../../../model/istio/index.js';
import type { ProtoObject } from '../proto-values.js';

function isPresentMatch(m: StringMatch | undefined): boolean {
  if (!m) return true;
  if (m.exact === undefined && m.prefix === undefined && m.regex === undefined) return true;
  return m.regex === '*';
}

/** Envoy `StringMatcher` for a StringMatch with a value. */
export function buildStringMatcher(m: StringMatch): ProtoObject | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

export function buildHeaderMatcher(name: string, m: StringMatch | undefined, invert = false): ProtoObject {
  const out: ProtoObject = { name };
  if (isPresentMatch(m)) {
    out['present_match'] = true;
  } else {
    const matcher = buildStringMatcher(m!);
    if (matcher) out['string_match'] = matcher;
    if (invert) out['treat_missing_header_as_empty'] = true;
  }
  if (invert) out['invert_match'] = true;
  return out;
}

/** Whether a gRPC client can ever satisfy `match` (see the module comment). */
export function isGrpcMatchable(match: HTTPMatchRequest | undefined): boolean {
  return Object.keys(match?.queryParams ?? {}).length === 0;
}

function sortedEntries<T>(record: Readonly<Record<string, T>> | undefined): [string, T][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function buildRouteMatch(match: HTTPMatchRequest | undefined): ProtoObject {
  const out: ProtoObject = {};
  const uri = match?.uri;
  if (uri?.exact !== undefined) out['path'] = uri.exact;
  else if (uri?.prefix !== undefined) out['prefix'] = uri.prefix;
  else if (uri?.regex !== undefined) out['safe_regex'] = { regex: uri.regex };
  else out['prefix'] = '/';
  if (match?.ignoreUriCase) out['case_sensitive'] = { value: false };

  const headers: ProtoObject[] = [];
  const named: { name: string; matcher: ProtoObject }[] = [];
  for (const [name, m] of sortedEntries(match?.headers))
    named.push({ name, matcher: buildHeaderMatcher(name, m) });
  for (const [name, m] of sortedEntries(match?.withoutHeaders)) {
    named.push({ name, matcher: buildHeaderMatcher(name, m, true) });
  }
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  headers.push(...named.map((n) => n.matcher));
  if (match?.method) headers.push(buildHeaderMatcher(':method', match.method));
  if (match?.authority) headers.push(buildHeaderMatcher(':authority', match.authority));
  if (match?.scheme) headers.push(buildHeaderMatcher(':scheme', match.scheme));
  if (headers.length > 0) out['headers'] = headers;
  return out;
}

/** A match that accepts every request: `prefix: "/"` with no other condition (Istio IsCatchAllRoute). */
export function isCatchAllMatch(match: ProtoObject): boolean {
  return match['prefix'] === '/' && match['headers'] === undefined;
}
