/**
 * Duration and percentage rules shared by the kinds. Envoy takes durations at millisecond
 * precision in most places, so istiod rejects anything below 1ms or not a whole number of ms.
 */
import { parseDurationNs } from '../../model/istio/common.js';

const NS_PER_MS = 1_000_000;

/** istiod `ValidateDuration`: at least 1ms, whole milliseconds. */
export function checkDuration(d: string): string | undefined {
  const ns = parseDurationNs(d);
  if (ns === undefined) return `invalid duration ${JSON.stringify(d)}`;
  if (ns < NS_PER_MS) return 'duration must be greater than 1ms';
  if (ns % NS_PER_MS !== 0) return 'only durations to ms precision are supported';
  return undefined;
}

/** True when the duration has a sub-second part (CORS `maxAge` is whole seconds). */
export function hasSubSecond(d: string): boolean {
  const ns = parseDurationNs(d);
  return ns !== undefined && ns % 1e9 !== 0;
}

/** Integer percent in 0..100 (outlier detection ejection/health percents). */
export function checkIntPercent(v: number | undefined): string | undefined {
  if (v === undefined) return undefined;
  return v < 0 || v > 100 ? `percentage ${v} is not in range 0..100` : undefined;
}

/** Fractional percent: 0, or within [0.0001, 100] (Envoy's FractionalPercent resolution). */
export function checkPercentage(value: number | undefined): string | undefined {
  const v = value ?? 0;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) {
    return `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`;
  }
  return undefined;
}
