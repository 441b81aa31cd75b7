/**
 * The rest of an HTTP route's actions (istiod `validateHTTPMirrors`, `validateHTTPRedirect`,
 * `validateHTTPDirectResponse`, `ValidateHTTPRetry`, `validateHTTPRewrite`).
 */
import type { HTTPRoute } from '../../model/istio/virtual-service.js';
import { checkDuration } from './durations.js';
import { type Issues, at, idx, atPath } from './issues.js';
import { checkPort } from './net.js';
import { checkRegex } from './regex.js';
import { validateDestination } from './validate-destination.js';

const KB = 1024;
const MB = 1024 * KB;

/** Retry conditions Envoy understands (x-envoy-retry-on and x-envoy-retry-grpc-on), plus HTTP status codes. */
const RETRY_ON = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'envoy-ratelimited',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** Status codes Go's `http.StatusText` knows (a retryOn entry may be one of them). */
const KNOWN_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307,
  308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421,
  422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

function isRetryOnPolicy(policy: string): boolean {
  if (RETRY_ON.has(policy)) return true;
  return /^[+-]?[0-9]+$/.test(policy) && KNOWN_STATUS.has(Number(policy));
}

function base64Length(b64: string): number {
  const clean = b64.replace(/=+$/, '');
  return Math.floor((clean.length * 3) / 4);
}

export function validateHTTPRequestExtras(r: HTTPRoute, path: string, issues: Issues): void {
  (r.mirrors ?? []).forEach((m, i) => {
    const p = idx(at(path, 'mirrors'), i);
    if (!m.destination) {
      issues.error(at(p, 'destination'), 'destination is required for mirrors');
      return;
    }
    validateDestination(m.destination, at(p, 'destination'), issues);
    const v = m.percentage?.value;
    if (v !== undefined && v > 100)
      issues.error(
        atPath(p, 'percentage.value'),
        `mirror percentage must have a max value of 100 (it has ${v})`,
      );
    if (v !== undefined && v < 0)
      issues.error(
        atPath(p, 'percentage.value'),
        `mirror percentage must have a min value of 0 (it has ${v})`,
      );
  });

  const rd = r.redirect;
  if (rd) {
    const p = at(path, 'redirect');
    const hasPort = rd.port !== undefined || rd.derivePort !== undefined;
    if (rd.port !== undefined && rd.derivePort !== undefined)
      issues.error(p, 'only one of port or derivePort may be set');
    if (rd.uri && rd.prefixRewrite) {
      issues.error(p, 'redirect may only specify one of uri or prefix_rewrite');
    } else if (rd.prefixRewrite && (r.match ?? []).some((m) => m.uri && m.uri.prefix === undefined)) {
      issues.error(p, 'redirect prefix_rewrite requires all URI matches to use prefix match type');
    } else if (!rd.uri && !rd.prefixRewrite && !rd.authority && !hasPort && !rd.scheme) {
      issues.error(p, 'redirect must specify URI, authority, scheme, or port');
    } else if (rd.redirectCode && (rd.redirectCode < 300 || rd.redirectCode > 399)) {
      issues.error(at(p, 'redirectCode'), `${rd.redirectCode} is not a valid redirect code, must be 3xx`);
    } else if (rd.scheme && rd.scheme !== 'http' && rd.scheme !== 'https') {
      issues.error(at(p, 'scheme'), 'invalid redirect scheme, must be "http" or "https"');
    } else if (rd.port) {
      issues.check(at(p, 'port'), checkPort(rd.port));
    }
  }

  const dr = r.directResponse;
  if (dr) {
    const p = at(path, 'directResponse');
    const body = dr.body;
    if (body) {
      if (body.string !== undefined && body.bytes !== undefined)
        issues.error(at(p, 'body'), 'only one of string or bytes may be set');
      const size =
        body.string !== undefined
          ? new TextEncoder().encode(body.string).length
          : base64Length(body.bytes ?? '');
      if (size > MB)
        issues.error(
          at(p, 'body'),
          'large direct_responses may impact control plane performance, must be less than 1MB',
        );
      else if (size > 100 * KB)
        issues.warn(at(p, 'body'), 'large direct_responses may impact control plane performance');
    }
    const status = dr.status ?? 0;
    if (status < 200 || status > 600)
      issues.error(at(p, 'status'), `HTTP status ${status} is not in range 200-599`);
  }

  const rt = r.retries;
  if (rt) {
    const p = at(path, 'retries');
    const attempts = rt.attempts ?? 0;
    if (attempts < 0) issues.error(at(p, 'attempts'), 'attempts cannot be negative');
    if (
      attempts === 0 &&
      (rt.perTryTimeout !== undefined || rt.retryOn || rt.retryRemoteLocalities !== undefined)
    ) {
      issues.error(p, 'http retry policy configured when attempts are set to 0 (disabled)');
    }
    if (rt.perTryTimeout !== undefined) issues.check(at(p, 'perTryTimeout'), checkDuration(rt.perTryTimeout));
    if (rt.retryOn) {
      for (const policy of rt.retryOn.split(',')) {
        if (!isRetryOnPolicy(policy))
          issues.error(at(p, 'retryOn'), `${JSON.stringify(policy)} is not a valid retryOn policy`);
      }
    }
    if (rt.backoff !== undefined) issues.check(at(p, 'backoff'), checkDuration(rt.backoff));
  }

  const rw = r.rewrite;
  if (rw) {
    const p = at(path, 'rewrite');
    if (rw.uri && rw.uriRegexRewrite) {
      issues.error(p, 'rewrite may only contain one of URI or UriRegexRewrite');
    } else if (!rw.uri && !rw.uriRegexRewrite && !rw.authority) {
      issues.error(
        p,
        'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified',
      );
    } else if (rw.uriRegexRewrite) {
      const rr = rw.uriRegexRewrite;
      if (!rr.match || !rr.rewrite) {
        issues.error(
          at(p, 'uriRegexRewrite'),
          'UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and Match fields to be specified',
        );
      } else {
        const err = checkRegex(rr.match, 'HTTPRewrite.UriRegexRewrite.Match');
        if (err) issues.error(atPath(p, 'uriRegexRewrite.match'), `UriRegexRewrite has errors: ${err}`);
      }
    }
  }
}
