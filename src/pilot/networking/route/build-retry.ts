/**
 * VirtualService `retries` → `RetryPolicy` for gRPC clients (gRFC A44), following Istio's
 * retry.ConvertPolicy:
 * - no `retries`: Istio's mesh default (2 retries on
 *   `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes`);
 * - `attempts: 0` (or less) disables retries;
 * - `retryOn` replaces the default conditions.
 * gRPC only understands the status-code conditions `cancelled`, `deadline-exceeded`, `internal`,
 * `resource-exhausted` and `unavailable`; the others (HTTP conditions, status numbers) are
 * dropped, and a policy left with none is omitted since gRPC would ignore it anyway.
 * `perTryTimeout` → `per_try_timeout`, `backoff` → `retry_back_off.base_interval`. Pure.
 */
import type { HTTPRetry } from '../../../model/istio/index.js';
import { durationFromText, uint32Value, type ProtoObject } from '../proto-values.js';

export const DEFAULT_RETRY_ATTEMPTS = 2;
export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

/** Retry conditions gRPC clients evaluate (gRFC A44). */
export const GRPC_RETRY_CONDITIONS: ReadonlySet<string> = new Set([
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

/** Keeps the gRPC status conditions of an Envoy/Istio `retryOn` list, deduplicated, in order. */
export function grpcRetryOn(retryOn: string): string[] {
  const out: string[] = [];
  for (const part of retryOn.split(',')) {
    const condition = part.trim();
    if (GRPC_RETRY_CONDITIONS.has(condition) && !out.includes(condition)) out.push(condition);
  }
  return out;
}

export function buildRetryPolicy(retries: HTTPRetry | undefined): ProtoObject | undefined {
  const attempts = retries ? (retries.attempts ?? 0) : DEFAULT_RETRY_ATTEMPTS;
  if (attempts <= 0) return undefined;
  const conditions = grpcRetryOn(retries?.retryOn ? retries.retryOn : DEFAULT_RETRY_ON);
  if (conditions.length === 0) return undefined;
  const policy: ProtoObject = { retry_on: conditions.join(','), num_retries: uint32Value(attempts) };
  const perTry = durationFromText(retries?.perTryTimeout);
  if (perTry && (perTry.seconds > 0 || perTry.nanos > 0)) policy['per_try_timeout'] = perTry;
  const backoff = durationFromText(retries?.backoff);
  if (backoff && (backoff.seconds > 0 || backoff.nanos > 0))
    policy['retry_back_off'] = { base_interval: backoff };
  return policy;
}
