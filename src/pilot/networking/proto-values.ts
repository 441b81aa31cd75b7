/**
 * Small constructors for protobuf well-known values in the plain-object form protobufjs'
 * `fromObject` takes (snake_case fields, Anys as `{'@type': url, ...}`). Pure.
 */
import { parseDurationMs } from '../../model/istio/index.js';

/** A protobufjs-compatible plain message. */
export type ProtoObject = Record<string, unknown>;

/** `google.protobuf.Duration` from milliseconds (negative values clamp to 0). */
export function durationFromMs(ms: number): { seconds: number; nanos: number } {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  const seconds = Math.floor(safe / 1000);
  const nanos = Math.round((safe - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? { seconds: seconds + 1, nanos: 0 } : { seconds, nanos };
}

/** `google.protobuf.Duration` from an Istio (Go) duration string; `undefined` if it is not one. */
export function durationFromText(text: string | undefined): { seconds: number; nanos: number } | undefined {
  if (text === undefined) return undefined;
  const ms = parseDurationMs(text);
  return ms === undefined ? undefined : durationFromMs(ms);
}

/** `google.protobuf.UInt32Value`. */
export function uint32Value(value: number): { value: number } {
  return { value: Math.max(0, Math.min(0xffffffff, Math.round(value))) };
}

/**
 * `envoy.type.v3.FractionalPercent` from an Istio percent in [0, 100] (fractions allowed), as
 * Istio encodes it: `value * 10000` per MILLION.
 */
export function fractionalPercent(percent: number): { numerator: number; denominator: string } {
  const clamped = Math.max(0, Math.min(100, Number.isFinite(percent) ? percent : 0));
  return { numerator: Math.round(clamped * 10000), denominator: 'MILLION' };
}

/**
 * An Any of a message type with no fields set, written as `type_url` + empty `value`: used for
 * extension configs whose protos meshplane does not load (listener filters such as
 * `original_dst`, retry predicates), since protobufjs drops an `@type` it cannot resolve. An
 * empty message encodes to zero bytes, so this is exactly what a full encoder would send.
 */
export function emptyAny(typeUrl: string): ProtoObject {
  return { type_url: typeUrl, value: new Uint8Array(0) };
}
