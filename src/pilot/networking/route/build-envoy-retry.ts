/**
 * VirtualService `retries` → Envoy `RetryPolicy`, as Istio's retry.ConvertPolicy builds it for
 * sidecars and gateways (the proxyless variant in build-retry.ts keeps only gRPC conditions):
 * - no `retries`: the mesh default, 2 retries on
 *   `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes` with 503
 *   retriable;
 * - `attempts` ≤ 0 disables retries;
 * - `retryOn` replaces the conditions; HTTP status numbers in it become
 *   `retriable_status_codes` (and add `retriable-status-codes`);
 * - other hosts are preferred on retry (`previous_hosts` predicate, up to 5 selection attempts)
 *   unless `retryIgnorePreviousHosts: false`;
 * - `perTryTimeout` → `per_try_timeout`, `backoff` → `retry_back_off.base_interval`.
 * Pure.
 */
import type { HTTPRetry } from '../../../model/istio/index.js';
import { PREVIOUS_HOSTS_PREDICATE, PREVIOUS_HOSTS_TYPE } from '../envoy-types.js';
import { durationFromText, emptyAny, uint32Value, type ProtoObject } from '../proto-values.js';
import { DEFAULT_RETRY_ATTEMPTS, DEFAULT_RETRY_ON } from './build-retry.js';

const STATUS_CONDITION = 'retriable-status-codes';

export function buildEnvoyRetryPolicy(retries: HTTPRetry | undefined): ProtoObject | undefined {
  const attempts = retries ? (retries.attempts ?? 0) : DEFAULT_RETRY_ATTEMPTS;
  if (attempts <= 0) return undefined;
  const conditions: string[] = [];
  const codes: number[] = retries?.retryOn ? [] : [503];
  for (const part of (retries?.retryOn || DEFAULT_RETRY_ON).split(',')) {
    const c = part.trim();
    if (c === '') continue;
    if (/^\d{3}$/.test(c)) {
      if (!codes.includes(Number(c))) codes.push(Number(c));
      continue;
    }
    if (!conditions.includes(c)) conditions.push(c);
  }
  if (codes.length > 0 && !conditions.includes(STATUS_CONDITION)) conditions.push(STATUS_CONDITION);
  const policy: ProtoObject = { retry_on: conditions.join(','), num_retries: uint32Value(attempts) };
  const perTry = durationFromText(retries?.perTryTimeout);
  if (perTry && (perTry.seconds > 0 || perTry.nanos > 0)) policy['per_try_timeout'] = perTry;
  if (retries?.retryIgnorePreviousHosts !== false) {
    policy['retry_host_predicate'] = [
      { name: PREVIOUS_HOSTS_PREDICATE, typed_config: emptyAny(PREVIOUS_HOSTS_TYPE) },
    ];
    policy['host_selection_retry_max_attempts'] = 5;
  }
  if (codes.length > 0) policy['retriable_status_codes'] = codes;
  const backoff = durationFromText(retries?.backoff);
  if (backoff && (backoff.seconds > 0 || backoff.nanos > 0))
    policy['retry_back_off'] = { base_interval: backoff };
  return policy;
}
