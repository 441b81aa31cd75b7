/**
 * VirtualService `corsPolicy` → the per-route `envoy.extensions.filters.http.cors.v3.CorsPolicy`
 * placed in `typed_per_filter_config` under the CORS filter's name (Istio translateCORSPolicy;
 * the HCM carries the `envoy.filters.http.cors` filter). Origins: `allowOrigins` string matches
 * (exact, prefix, RE2 regex), or the deprecated `allowOrigin` list as exact matches (`*` as a
 * match-all regex). Lists are comma-joined; `maxAge` in whole seconds. Pure.
 */
import type { CorsPolicy } from '../../../model/istio/index.js';
import { CORS_POLICY_TYPE } from '../envoy-types.js';
import { durationFromText, type ProtoObject } from '../proto-values.js';
import { buildStringMatcher } from './build-route-match.js';

function origins(cors: CorsPolicy): ProtoObject[] {
  const out: ProtoObject[] = [];
  for (const m of cors.allowOrigins ?? []) {
    const matcher = buildStringMatcher(m);
    if (matcher) out.push(matcher);
  }
  for (const origin of cors.allowOrigin ?? []) {
    out.push(origin === '*' ? { safe_regex: { regex: '.*' } } : { exact: origin });
  }
  return out;
}

export function buildCorsPolicy(cors: CorsPolicy | undefined): ProtoObject | undefined {
  if (!cors) return undefined;
  const policy: ProtoObject = { '@type': CORS_POLICY_TYPE };
  const allowed = origins(cors);
  if (allowed.length > 0) policy['allow_origin_string_match'] = allowed;
  if (cors.allowMethods?.length) policy['allow_methods'] = cors.allowMethods.join(',');
  if (cors.allowHeaders?.length) policy['allow_headers'] = cors.allowHeaders.join(',');
  if (cors.exposeHeaders?.length) policy['expose_headers'] = cors.exposeHeaders.join(',');
  const maxAge = durationFromText(cors.maxAge);
  if (maxAge) policy['max_age'] = String(maxAge.seconds);
  if (cors.allowCredentials !== undefined) policy['allow_credentials'] = { value: cors.allowCredentials };
  if (cors.unmatchedPreflights === 'IGNORE') policy['forward_not_matching_preflights'] = { value: false };
  return policy;
}
