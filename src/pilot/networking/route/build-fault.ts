/**
 * VirtualService `fault` → per-route `envoy.extensions.filters.http.fault.v3.HTTPFault` override,
 * placed in `typed_per_filter_config` under the HCM filter's name (gRFC A33).
 *
 * Percentages: Istio sends `percentage.value * 10000` per MILLION. When `percentage` is absent
 * Istio sends no percentage, which Envoy reads as 0% — the documented behaviour is "if not
 * specified, no request will be aborted/delayed" (istio/istio#36303, #39969). gRPC rejects a
 * fault without a percentage, so we send the same meaning explicitly: DEFAULT_FAULT_PERCENT.
 * The deprecated integer `delay.percent` is honoured as Istio does (per HUNDRED).
 *
 * Abort: `httpStatus` as is (gRPC maps it to a status per A33), `grpcStatus` names (Istio's
 * SupportedGRPCStatus, e.g. `UNAVAILABLE`) or numbers → `grpc_status`; `http2Error` is not
 * supported by gRPC or Envoy's filter, so that abort is dropped. Delay: `fixedDelay` only
 * (exponential delays are unsupported in Istio too). Pure.
 */
import type { HTTPFaultInjection } from '../../../model/istio/index.js';
import { FAULT_TYPE } from '../../../xds/type-urls.js';
import { durationFromText, fractionalPercent, type ProtoObject } from '../proto-values.js';

/** The HTTP filter name the HCM registers the fault filter under (and overrides are keyed by). */
export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
/** Istio semantics for a fault with no `percentage`: no request is affected. */
export const DEFAULT_FAULT_PERCENT = 0;

const GRPC_CODES: Readonly<Record<string, number>> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

/** gRPC status code for an Istio `grpcStatus` (name or decimal number), or `undefined`. */
export function grpcStatusCode(value: string): number | undefined {
  const named = GRPC_CODES[value.toUpperCase()];
  if (named !== undefined) return named;
  if (/^\d+$/.test(value) && Number(value) <= 16) return Number(value);
  return undefined;
}

function percentOf(percentage: { value?: number | undefined } | undefined): ProtoObject {
  return fractionalPercent(percentage?.value ?? DEFAULT_FAULT_PERCENT);
}

function buildDelay(delay: NonNullable<HTTPFaultInjection['delay']>): ProtoObject | undefined {
  const fixed = durationFromText(delay.fixedDelay);
  if (!fixed) return undefined;
  const percentage =
    delay.percentage === undefined && delay.percent !== undefined
      ? { numerator: Math.max(0, Math.min(100, delay.percent)), denominator: 'HUNDRED' }
      : percentOf(delay.percentage);
  return { fixed_delay: fixed, percentage };
}

function buildAbort(abort: NonNullable<HTTPFaultInjection['abort']>): ProtoObject | undefined {
  const percentage = percentOf(abort.percentage);
  if (abort.httpStatus !== undefined) return { http_status: abort.httpStatus, percentage };
  if (abort.grpcStatus !== undefined) {
    const code = grpcStatusCode(abort.grpcStatus);
    return code === undefined ? undefined : { grpc_status: code, percentage };
  }
  return undefined;
}

/** The HTTPFault Any for a route, or `undefined` when nothing applicable is configured. */
export function buildFault(fault: HTTPFaultInjection | undefined): ProtoObject | undefined {
  if (!fault) return undefined;
  const delay = fault.delay ? buildDelay(fault.delay) : undefined;
  const abort = fault.abort ? buildAbort(fault.abort) : undefined;
  if (!delay && !abort) return undefined;
  return { '@type': FAULT_TYPE, ...(delay ? { delay } : {}), ...(abort ? { abort } : {}) };
}
