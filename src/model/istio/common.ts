/**
 * Shared pieces of the networking.istio.io API (istio/api `networking/v1alpha3/*.proto`, the same
 * messages under v1 and v1beta1): string matches, port selectors, percents, label maps, workload
 * selectors and durations. Field names are the proto3 JSON names (camelCase), as in Istio's CRDs.
 *
 * Objects are strict: an unknown field is an error, as with `kubectl`'s strict field validation and
 * `istioctl validate`.
 */
import { z } from 'zod';

/** Units accepted by Go's `time.ParseDuration`, which the CRD `format: duration` uses, in nanoseconds. */
const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const DURATION_PART = /^([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)/;

/**
 * Parses a duration the way Go's `time.ParseDuration` does (`1s`, `100ms`, `1.5s`, `1h30m`, `0`),
 * returning nanoseconds, or `undefined` when the text is not a duration. Exact integer arithmetic
 * (fractions truncated to the nanosecond, as Go does), so `1.1s` is exactly 1100ms. Pure.
 */
export function parseDurationNs(text: string): number | undefined {
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s.startsWith('-');
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0n;
  while (s.length > 0) {
    const m = DURATION_PART.exec(s);
    if (!m) return undefined;
    const int = m[1] ?? '';
    const frac = m[2] ?? '';
    const unit = UNIT_NS[m[3] ?? ''];
    if ((int === '' && frac === '') || unit === undefined) return undefined;
    total += BigInt(int || '0') * unit;
    if (frac !== '') total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    s = s.slice(m[0].length);
  }
  const ns = Number(negative ? -total : total);
  return Number.isSafeInteger(ns) ? ns : undefined;
}

/** Parses a Go-style duration string into milliseconds (may be fractional), or `undefined`. Pure. */
export function parseDurationMs(text: string): number | undefined {
  const ns = parseDurationNs(text);
  return ns === undefined ? undefined : ns / 1e6;
}

/** `google.protobuf.Duration` as written in Istio YAML: a Go duration string (`1s`, `100ms`, `1.5s`, `1h`). */
export const durationSchema = z.string().refine((s) => parseDurationNs(s) !== undefined, {
  message: 'invalid duration: expected e.g. 1s, 100ms, 1h',
});
export type Duration = z.infer<typeof durationSchema>;

/** proto3 `uint32` (JSON number). */
export const uint32 = z.number().int().min(0).max(4294967295);
/** proto3 `int32` (JSON number). */
export const int32 = z.number().int().min(-2147483648).max(2147483647);
/** proto3 `uint64`: protojson accepts a number or a decimal string; both become a number. */
export const uint64 = z.union([
  z.number().int().min(0),
  z
    .string()
    .regex(/^\d+$/, 'expected an unsigned integer')
    .transform((s) => Number(s)),
]);

/** `map<string, string>` label maps (Kubernetes labels, source labels, selectors). */
export const labelMapSchema = z.record(z.string(), z.string());
export type LabelMap = z.infer<typeof labelMapSchema>;

/** StringMatch: a oneof of `exact`, `prefix` or `regex` (RE2). */
export const stringMatchSchema = z.strictObject({
  exact: z.string().optional(),
  prefix: z.string().optional(),
  regex: z.string().optional(),
});
export type StringMatch = z.infer<typeof stringMatchSchema>;

/** PortSelector: the port of a destination service. */
export const portSelectorSchema = z.strictObject({
  number: uint32.optional(),
});
export type PortSelector = z.infer<typeof portSelectorSchema>;

/** Percent: a value in [0, 100], fractions allowed. */
export const percentSchema = z.strictObject({
  value: z.number().optional(),
});
export type Percent = z.infer<typeof percentSchema>;

/** networking WorkloadSelector (ServiceEntry, Sidecar): `labels`. */
export const workloadSelectorSchema = z.strictObject({
  labels: labelMapSchema.optional(),
});
export type WorkloadSelector = z.infer<typeof workloadSelectorSchema>;

/** istio.type.v1beta1.WorkloadSelector (DestinationRule): `matchLabels`. */
export const typeWorkloadSelectorSchema = z.strictObject({
  matchLabels: labelMapSchema.optional(),
});
export type TypeWorkloadSelector = z.infer<typeof typeWorkloadSelectorSchema>;

/** `exportTo` / `hosts` style string lists. */
export const stringListSchema = z.array(z.string());
