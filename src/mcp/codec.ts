/**
 * The MCP envelope on the wire: {@link Envelope} ↔ `meshplane.mcp.v1.Resource` bytes (the value
 * of each delta `Resource.resource` Any). The message types come from our own
 * proto/meshplane/mcp/v1/resource.proto, found through the same include directories as Envoy's
 * protos (src/xds/proto.ts); the body is a canonical `google.protobuf.Struct` (struct-codec.ts).
 *
 * Encoding is deterministic (map keys sorted), so the content hash of the bytes is a version that
 * replicas and restarts agree on. Decoding never throws: a malformed resource is an error result
 * the client turns into a NACK.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_INCLUDE_DIRS } from '../xds/proto.js';
import { formatTimestamp, parseTimestamp, type Envelope } from './envelope.js';
import { decodeStruct, encodeStruct, STRUCT_TYPE_URL } from './struct-codec.js';

export const ENVELOPE_PROTO = 'meshplane/mcp/v1/resource.proto';
export const ENVELOPE_MESSAGE = 'meshplane.mcp.v1.Resource';

let resourceType: protobuf.Type | undefined;

function resolveImport(_origin: string, target: string): string {
  if (path.isAbsolute(target) && existsSync(target)) return target;
  for (const dir of PROTO_INCLUDE_DIRS) {
    const candidate = path.join(dir, target);
    if (existsSync(candidate)) return candidate;
  }
  // google/protobuf/{any,timestamp}.proto: protobufjs' bundled common types.
  return target;
}

/** `meshplane.mcp.v1.Resource`, loaded once. */
export function envelopeType(): protobuf.Type {
  if (resourceType) return resourceType;
  const root = new protobuf.Root();
  root.resolvePath = resolveImport;
  root.loadSync(resolveImport('', ENVELOPE_PROTO), { keepCase: true });
  root.resolveAll();
  resourceType = root.lookupType(ENVELOPE_MESSAGE);
  return resourceType;
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

export function encodeEnvelope(env: Envelope): Uint8Array {
  const type = envelopeType();
  const created = env.createTime ? parseTimestamp(env.createTime) : undefined;
  const message = type.fromObject({
    metadata: {
      name: env.name,
      version: env.version,
      labels: sortedRecord(env.labels),
      annotations: sortedRecord(env.annotations),
      ...(created ? { create_time: created } : {}),
    },
    body: { type_url: STRUCT_TYPE_URL, value: encodeStruct(env.body) },
  });
  return type.encode(message).finish();
}

export type DecodeResult = { ok: true; envelope: Envelope } | { ok: false; path: string; error: string };

interface DecodedResource {
  metadata?: {
    name?: string;
    version?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    create_time?: { seconds?: string | number; nanos?: number };
  };
  body?: { type_url?: string; value?: Uint8Array };
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== 'object' || v === null) return out;
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** Bytes → Envelope; every failure names the part of the envelope at fault. */
export function decodeEnvelope(bytes: Uint8Array): DecodeResult {
  let decoded: DecodedResource;
  try {
    const type = envelopeType();
    decoded = type.toObject(type.decode(bytes), {
      longs: String,
      defaults: false,
    }) as DecodedResource;
    const value = decoded.body?.value;
    if (value && !(value instanceof Uint8Array)) decoded.body!.value = Uint8Array.from(value);
  } catch (err) {
    return {
      ok: false,
      path: '',
      error: `not a ${ENVELOPE_MESSAGE}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const meta = decoded.metadata;
  if (!meta) return { ok: false, path: 'metadata', error: 'envelope has no metadata' };
  const body = decoded.body;
  if (!body) return { ok: false, path: 'body', error: 'envelope has no body' };
  if (body.type_url !== STRUCT_TYPE_URL)
    return {
      ok: false,
      path: 'body',
      error: `body type ${JSON.stringify(body.type_url ?? '')} is not ${STRUCT_TYPE_URL}`,
    };
  const struct = decodeStruct(body.value ?? new Uint8Array());
  if (!struct.ok) return { ok: false, path: 'body', error: struct.error };
  const ct = meta.create_time;
  const createTime = ct ? formatTimestamp(Number(ct.seconds ?? 0), ct.nanos ?? 0) : undefined;
  return {
    ok: true,
    envelope: {
      name: meta.name ?? '',
      version: meta.version ?? '',
      labels: stringMap(meta.labels),
      annotations: stringMap(meta.annotations),
      ...(createTime ? { createTime } : {}),
      body: struct.value,
    },
  };
}
