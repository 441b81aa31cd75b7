/**
 * JSON ↔ `google.protobuf.Struct` wire bytes, by hand on protobufjs' Writer and Reader. Written
 * out rather than going through `Type.fromObject`, because the envelope body must be canonical:
 * object keys are written sorted, so equal JSON gives equal bytes and therefore an equal content
 * hash version, whatever key order the author wrote (design §6.4, deterministic versions).
 *
 * Field numbers from google/protobuf/struct.proto: Struct.fields = 1 (map<string, Value>, each
 * entry a message with key = 1, value = 2); Value: null_value = 1, number_value = 2,
 * string_value = 3, bool_value = 4, struct_value = 5, list_value = 6; ListValue.values = 1.
 */
import protobuf from 'protobufjs';

/** Deeper nesting is refused when decoding (a config is never that deep; a hostile peer could be). */
const MAX_DEPTH = 100;

export const STRUCT_TYPE_URL = 'type.googleapis.com/google.protobuf.Struct';

/** Encodes a JSON object (non-object input encodes as an empty Struct). */
export function encodeStruct(json: unknown): Uint8Array {
  const w = protobuf.Writer.create();
  writeStructFields(w, isObject(json) ? json : {});
  return w.finish();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function writeStructFields(w: protobuf.Writer, obj: Record<string, unknown>): void {
  for (const key of Object.keys(obj).sort()) {
    const value = obj[key];
    if (value === undefined) continue;
    w.uint32((1 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).string(key);
    w.uint32((2 << 3) | 2).fork();
    writeValue(w, value);
    w.ldelim();
    w.ldelim();
  }
}

function writeValue(w: protobuf.Writer, value: unknown): void {
  if (value === null || value === undefined) {
    w.uint32((1 << 3) | 0).int32(0);
  } else if (typeof value === 'number') {
    w.uint32((2 << 3) | 1).double(value);
  } else if (typeof value === 'string') {
    w.uint32((3 << 3) | 2).string(value);
  } else if (typeof value === 'boolean') {
    w.uint32((4 << 3) | 0).bool(value);
  } else if (typeof value === 'bigint') {
    w.uint32((2 << 3) | 1).double(Number(value));
  } else if (Array.isArray(value)) {
    w.uint32((6 << 3) | 2).fork();
    for (const item of value) {
      w.uint32((1 << 3) | 2).fork();
      writeValue(w, item);
      w.ldelim();
    }
    w.ldelim();
  } else if (isObject(value)) {
    w.uint32((5 << 3) | 2).fork();
    writeStructFields(w, value);
    w.ldelim();
  } else {
    // Functions, symbols: not JSON; written as null like JSON.stringify would drop them.
    w.uint32((1 << 3) | 0).int32(0);
  }
}

export type DecodeStructResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

/** Decodes Struct bytes into plain JSON; never throws (malformed bytes are an error result). */
export function decodeStruct(bytes: Uint8Array): DecodeStructResult {
  try {
    const r = protobuf.Reader.create(bytes);
    return { ok: true, value: readStruct(r, bytes.length, 0) };
  } catch (err) {
    return {
      ok: false,
      error: `malformed google.protobuf.Struct: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  // A key named __proto__ must become data, never the object's prototype.
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function readStruct(r: protobuf.Reader, end: number, depth: number): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new Error(`nested deeper than ${MAX_DEPTH}`);
  const out: Record<string, unknown> = {};
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
      r.skipType(tag & 7);
      continue;
    }
    const entryEnd = r.uint32() + r.pos;
    let key = '';
    let value: unknown = null;
    while (r.pos < entryEnd) {
      const t = r.uint32();
      if (t >>> 3 === 1 && (t & 7) === 2) key = r.string();
      else if (t >>> 3 === 2 && (t & 7) === 2) value = readValue(r, r.uint32() + r.pos, depth + 1);
      else r.skipType(t & 7);
    }
    setKey(out, key, value);
  }
  return out;
}

/** Wire type of each Value field (varint 0, 64-bit 1, length-delimited 2); others are skipped. */
const VALUE_WIRE_TYPES: Readonly<Record<number, number>> = { 1: 0, 2: 1, 3: 2, 4: 0, 5: 2, 6: 2 };

function readValue(r: protobuf.Reader, end: number, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new Error(`nested deeper than ${MAX_DEPTH}`);
  let value: unknown = null;
  while (r.pos < end) {
    const tag = r.uint32();
    if (VALUE_WIRE_TYPES[tag >>> 3] !== (tag & 7)) {
      r.skipType(tag & 7);
      continue;
    }
    switch (tag >>> 3) {
      case 1:
        r.int32();
        value = null;
        break;
      case 2:
        value = r.double();
        break;
      case 3:
        value = r.string();
        break;
      case 4:
        value = r.bool();
        break;
      case 5:
        value = readStruct(r, r.uint32() + r.pos, depth + 1);
        break;
      case 6:
        value = readList(r, r.uint32() + r.pos, depth + 1);
        break;
      default:
        r.skipType(tag & 7);
    }
  }
  return value;
}

function readList(r: protobuf.Reader, end: number, depth: number): unknown[] {
  const out: unknown[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) out.push(readValue(r, r.uint32() + r.pos, depth + 1));
    else r.skipType(tag & 7);
  }
  return out;
}
