/**
 * One VirtualService HTTP route (istiod `validateHTTPRoute`): exactly one action (route, redirect,
 * direct response, or delegate for root routes), RE2 matches, header operations, CORS, fault
 * injection, mirroring, retries, rewrites and timeouts.
 */
import type { StringMatch } from '../../model/istio/common.js';
import type {
  CorsPolicy,
  Headers,
  HTTPFaultInjection,
  HTTPMatchRequest,
  HTTPRoute,
  HTTPRouteDestination,
} from '../../model/istio/virtual-service.js';
import { setKeys } from './context.js';
import { checkDuration, checkPercentage, hasSubSecond } from './durations.js';
import {
  checkCORSHeaderName,
  checkHeaderOperationName,
  checkHeaderValue,
  checkMatchHeaderName,
  checkRequestHeaderSetName,
  isAuthorityHeader,
} from './headers.js';
import { type Issues, at, idx, sortedEntries, atPath } from './issues.js';
import { isDNS1123Label, validateLabels } from './labels.js';
import { checkPort } from './net.js';
import { checkStringMatch, checkStringMatchRegex, stringMatchKinds } from './regex.js';
import {
  validateDestination,
  validateGatewayNames,
  validateRouteDestinations,
} from './validate-destination.js';
import { validateHTTPRequestExtras } from './validate-http-extras.js';

function oneStringMatch(sm: StringMatch | undefined, path: string, issues: Issues): void {
  if (sm && stringMatchKinds(sm).length > 1) {
    issues.error(
      path,
      `only one of exact, prefix or regex may be set, got ${stringMatchKinds(sm).join(', ')}`,
    );
  }
}

function validateMatch(m: HTTPMatchRequest, path: string, issues: Issues): void {
  for (const [name, sm] of sortedEntries(m.headers)) {
    const p = at(at(path, 'headers'), name);
    issues.check(p, checkMatchHeaderName(name));
    oneStringMatch(sm, p, issues);
    issues.check(p, checkStringMatch(sm, 'headers'));
  }
  for (const [name, sm] of sortedEntries(m.withoutHeaders)) {
    const p = at(at(path, 'withoutHeaders'), name);
    issues.check(p, checkMatchHeaderName(name));
    oneStringMatch(sm, p, issues);
    // `*` is not a regex here: it means "header present".
    if (sm.regex !== '*') issues.check(p, checkStringMatch(sm, 'withoutHeaders'));
  }
  // Envoy allows an empty uri prefix but not an empty scheme/method/authority prefix.
  oneStringMatch(m.uri, at(path, 'uri'), issues);
  issues.check(at(path, 'uri'), checkStringMatchRegex(m.uri, 'uri'));
  for (const field of ['scheme', 'method', 'authority'] as const) {
    oneStringMatch(m[field], at(path, field), issues);
    issues.check(at(path, field), checkStringMatch(m[field], field));
  }
  for (const [name, sm] of sortedEntries(m.queryParams)) {
    const p = at(at(path, 'queryParams'), name);
    oneStringMatch(sm, p, issues);
    issues.check(p, checkStringMatch(sm, 'queryParams'));
  }
  if (m.port !== undefined && m.port !== 0) issues.check(at(path, 'port'), checkPort(m.port));
  validateLabels(m.sourceLabels, at(path, 'sourceLabels'), issues);
  validateGatewayNames(m.gateways, at(path, 'gateways'), issues);
  if (m.sourceNamespace && !isDNS1123Label(m.sourceNamespace)) {
    issues.error(at(path, 'sourceNamespace'), `sourceNamespace match ${m.sourceNamespace} is invalid`);
  }
}

/** Header operations: request set/add may target the authority; remove and response ops may not touch Host. */
export function validateHeaders(h: Headers | undefined, path: string, issues: Issues): void {
  if (!h) return;
  for (const dir of ['request', 'response'] as const) {
    const ops = h[dir];
    if (!ops) continue;
    const p = at(path, dir);
    for (const op of ['add', 'set'] as const) {
      for (const [name, value] of sortedEntries(ops[op])) {
        const hp = at(at(p, op), name);
        issues.check(
          hp,
          dir === 'request' ? checkRequestHeaderSetName(name) : checkHeaderOperationName(name),
        );
        issues.check(hp, checkHeaderValue(value));
      }
    }
    (ops.remove ?? []).forEach((name, i) =>
      issues.check(idx(at(p, 'remove'), i), checkHeaderOperationName(name)),
    );
  }
}

const CORS_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  '*',
]);

function validateCors(c: CorsPolicy | undefined, path: string, issues: Issues): void {
  if (!c) return;
  (c.allowOrigins ?? []).forEach((o, i) => {
    const p = idx(at(path, 'allowOrigins'), i);
    oneStringMatch(o, p, issues);
    const value = o.exact ?? o.prefix ?? o.regex ?? '';
    if (value === '') issues.error(p, `'${value}' is not a valid match type for CORS allow origins`);
    else issues.check(p, checkStringMatchRegex(o, 'corsPolicy.allowOrigins'));
  });
  (c.allowMethods ?? []).forEach((m, i) => {
    if (!CORS_METHODS.has(m))
      issues.error(idx(at(path, 'allowMethods'), i), `${JSON.stringify(m)} is not a supported HTTP method`);
  });
  (c.allowHeaders ?? []).forEach((h, i) =>
    issues.check(idx(at(path, 'allowHeaders'), i), checkCORSHeaderName(h)),
  );
  (c.exposeHeaders ?? []).forEach((h, i) =>
    issues.check(idx(at(path, 'exposeHeaders'), i), checkCORSHeaderName(h)),
  );
  if (c.maxAge !== undefined) {
    issues.check(at(path, 'maxAge'), checkDuration(c.maxAge));
    if (hasSubSecond(c.maxAge))
      issues.error(at(path, 'maxAge'), 'max_age duration is accurate only to seconds precision');
  }
}

const GRPC_STATUS = new Set([
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
]);

export function checkHTTPStatus(status: number): string | undefined {
  return status < 200 || status > 600 ? `HTTP status ${status} is not in range 200-599` : undefined;
}

function validateFault(f: HTTPFaultInjection | undefined, path: string, issues: Issues): void {
  if (!f) return;
  if (!f.abort && !f.delay) issues.error(path, 'HTTP fault injection must have an abort and/or a delay');
  if (f.abort) {
    const p = at(path, 'abort');
    const a = f.abort;
    if (a.percentage) issues.check(atPath(p, 'percentage.value'), checkPercentage(a.percentage.value));
    const kinds = setKeys(a, ['httpStatus', 'grpcStatus', 'http2Error']);
    if (kinds.length > 1) issues.error(p, `only one of httpStatus, grpcStatus or http2Error may be set`);
    if (a.grpcStatus !== undefined && !GRPC_STATUS.has(a.grpcStatus)) {
      issues.error(
        at(p, 'grpcStatus'),
        `gRPC status ${JSON.stringify(a.grpcStatus)} is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`,
      );
    }
    if (a.http2Error !== undefined)
      issues.error(at(p, 'http2Error'), 'HTTP/2 abort fault injection not supported yet');
    if (a.httpStatus !== undefined) issues.check(at(p, 'httpStatus'), checkHTTPStatus(a.httpStatus));
    if (kinds.length === 0) issues.warn(p, 'abort configured, but error type not set');
  }
  if (f.delay) {
    const p = at(path, 'delay');
    const d = f.delay;
    if (d.percentage) issues.check(atPath(p, 'percentage.value'), checkPercentage(d.percentage.value));
    if (d.fixedDelay !== undefined && d.exponentialDelay !== undefined) {
      issues.error(p, 'only one of fixedDelay or exponentialDelay may be set');
    }
    if (d.fixedDelay !== undefined) issues.check(at(p, 'fixedDelay'), checkDuration(d.fixedDelay));
    if (d.exponentialDelay !== undefined) {
      issues.check(at(p, 'exponentialDelay'), checkDuration(d.exponentialDelay));
      issues.error(at(p, 'exponentialDelay'), 'exponentialDelay not supported yet');
    }
  }
}

function validateHTTPRouteDestinations(
  routes: readonly HTTPRouteDestination[] | undefined,
  path: string,
  issues: Issues,
): void {
  validateRouteDestinations(routes, path, issues);
  (routes ?? []).forEach((r, i) => validateHeaders(r.headers, at(idx(path, i), 'headers'), issues));
}

/** Which role a route plays: in a delegate VirtualService, in a root (delegating) rule, or neither. */
type RouteRole = 'independent' | 'root' | 'delegate';

function validateConflicts(r: HTTPRoute, role: RouteRole, path: string, issues: Issues): void {
  const name = r.name ?? '';
  if (role === 'root') {
    if (r.redirect) issues.error(at(path, 'redirect'), `root HTTP route ${name} must not specify redirect`);
    if (r.route) issues.error(at(path, 'route'), `root HTTP route ${name} must not specify route`);
    return;
  }
  if (role === 'delegate' && r.delegate)
    issues.error(at(path, 'delegate'), 'delegate HTTP route cannot contain delegate');
  const hasRoute = (r.route ?? []).length > 0;
  if (r.redirect) {
    if (hasRoute) issues.error(path, 'HTTP route cannot contain both route and redirect');
    if (r.fault) issues.error(path, 'HTTP route cannot contain both fault and redirect');
    if (r.rewrite) issues.error(path, 'HTTP route rule cannot contain both rewrite and redirect');
    if (r.directResponse)
      issues.error(path, 'HTTP route rule cannot contain both direct_response and redirect');
  } else if (r.directResponse) {
    if (hasRoute) issues.error(path, 'HTTP route cannot contain both route and direct_response');
    if (r.fault) issues.error(path, 'HTTP route cannot contain both fault and direct_response');
    if (r.rewrite) issues.error(path, 'HTTP route rule cannot contain both rewrite and direct_response');
  } else if (!hasRoute) {
    issues.error(path, 'HTTP route, redirect or direct_response is required');
  }
  if (r.mirror && (r.mirrors ?? []).length > 0)
    issues.error(path, 'HTTP route cannot contain both mirror and mirrors');
}

/** Only one place may rewrite the authority: `rewrite.authority` or a request header set/add of `:authority`/`host`. */
function validateAuthorityRewrite(r: HTTPRoute, path: string, issues: Issues): void {
  let current = r.rewrite?.authority ?? '';
  for (const op of ['set', 'add'] as const) {
    for (const [k, v] of sortedEntries(r.headers?.request?.[op])) {
      if (!isAuthorityHeader(k)) continue;
      if (current !== '') {
        issues.error(
          at(path, 'headers'),
          `authority header cannot be set multiple times: have ${JSON.stringify(current)}, attempting to set ${JSON.stringify(v)}`,
        );
        return;
      }
      current = v;
    }
  }
}

export function validateHTTPRoute(r: HTTPRoute, inDelegate: boolean, path: string, issues: Issues): void {
  const role: RouteRole = inDelegate ? 'delegate' : r.delegate ? 'root' : 'independent';
  validateConflicts(r, role, path, issues);
  (r.match ?? []).forEach((m, i) => validateMatch(m, idx(at(path, 'match'), i), issues));
  validateHeaders(r.headers, at(path, 'headers'), issues);
  validateCors(r.corsPolicy, at(path, 'corsPolicy'), issues);
  validateFault(r.fault, at(path, 'fault'), issues);
  if (r.mirrorPercent !== undefined) {
    if (r.mirrorPercent > 100) {
      issues.error(
        at(path, 'mirrorPercent'),
        `mirror_percent must have a max value of 100 (it has ${r.mirrorPercent})`,
      );
    }
    issues.warn(
      at(path, 'mirrorPercent'),
      'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead',
    );
  }
  if (r.mirrorPercentage) {
    const v = r.mirrorPercentage.value ?? 0;
    if (v > 100)
      issues.error(
        atPath(path, 'mirrorPercentage.value'),
        `mirror_percentage must have a max value of 100 (it has ${v})`,
      );
    if (v < 0)
      issues.error(
        atPath(path, 'mirrorPercentage.value'),
        `mirror_percentage must have a min value of 0 (it has ${v})`,
      );
  }
  validateDestination(r.mirror, at(path, 'mirror'), issues);
  validateHTTPRequestExtras(r, path, issues);
  validateAuthorityRewrite(r, path, issues);
  validateHTTPRouteDestinations(r.route, at(path, 'route'), issues);
  if (r.timeout !== undefined) issues.check(at(path, 'timeout'), checkDuration(r.timeout));
}
