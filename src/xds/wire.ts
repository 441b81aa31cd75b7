/**
 * The few protobuf encodings the ADS server writes itself: a DiscoveryResponse or
 * DeltaDiscoveryResponse assembled from pieces encoded once per resource version. Protobuf lets a
 * message be the concatenation of its fields in any order, and a repeated message field is one
 * length-delimited field per element, so the `resources` entries (the `Any`, or the delta
 * `Resource` envelope around it) are encoded once and shared by every response and every stream
 * that carries them; only `version_info`, `type_url` and `nonce` are written per response
 * (envoy/service/discovery/v3/discovery.proto field numbers).
 */

const WIRE_LEN = 2;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
  return pos;
}

/** One length-delimited field (`tag`, length, bytes). */
export function lenField(field: number, payload: Uint8Array): Buffer {
  const tag = (field << 3) | WIRE_LEN;
  const head = varintSize(tag) + varintSize(payload.length);
  const out = Buffer.allocUnsafe(head + payload.length);
  let pos = writeVarint(out, 0, tag);
  pos = writeVarint(out, pos, payload.length);
  out.set(payload, pos);
  return out;
}

/** A string field; proto3 omits the empty string, and so do we. */
export function stringField(field: number, value: string): Buffer {
  return value === '' ? EMPTY : lenField(field, Buffer.from(value, 'utf8'));
}

const EMPTY = Buffer.alloc(0);

/** `google.protobuf.Any { type_url = 1; value = 2; }` */
function anyMessage(typeUrl: string, value: Uint8Array): Buffer {
  return Buffer.concat([stringField(1, typeUrl), lenField(2, value)]);
}

/** `DiscoveryResponse.resources` (field 2) holding one `Any`. */
export function sotwResourceField(typeUrl: string, value: Uint8Array): Buffer {
  return lenField(2, anyMessage(typeUrl, value));
}

/**
 * `DeltaDiscoveryResponse.resources` (field 2) holding one
 * `Resource { version = 1; resource = 2 (Any); name = 3; }`.
 */
export function deltaResourceField(
  name: string,
  version: string,
  typeUrl: string,
  value: Uint8Array,
): Buffer {
  const resource = Buffer.concat([
    stringField(1, version),
    lenField(2, anyMessage(typeUrl, value)),
    stringField(3, name),
  ]);
  return lenField(2, resource);
}

/**
 * The gRPC length-prefixed message (a zero compression flag, the length as uint32 big-endian,
 * the message) made of `parts`, in one allocation and one copy of each part.
 */
export function framedMessage(parts: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = Buffer.allocUnsafe(GRPC_HEADER + length);
  out[0] = 0;
  out.writeUInt32BE(length, 1);
  let pos = GRPC_HEADER;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** Bytes of the gRPC message header (compression flag and length). */
export const GRPC_HEADER = 5;

/** DiscoveryResponse (framed): version_info 1, resources 2, type_url 4, nonce 5. */
export function encodeSotwResponse(
  version: string,
  resources: readonly Uint8Array[],
  typeUrl: string,
  nonce: string,
): Buffer {
  return framedMessage([
    stringField(1, version),
    ...resources,
    stringField(4, typeUrl),
    stringField(5, nonce),
  ]);
}

/**
 * DeltaDiscoveryResponse (framed): system_version_info 1, resources 2, type_url 4, nonce 5,
 * removed_resources 6.
 */
export function encodeDeltaResponse(
  systemVersion: string,
  resources: readonly Uint8Array[],
  typeUrl: string,
  removed: readonly string[],
  nonce: string,
): Buffer {
  return framedMessage([
    stringField(1, systemVersion),
    ...resources,
    stringField(4, typeUrl),
    stringField(5, nonce),
    ...removed.map((name) => lenField(6, Buffer.from(name, 'utf8'))),
  ]);
}
