/**
 * Just enough protobuf wire format for the load generator: it encodes its own requests and reads
 * only the xDS envelope (DiscoveryResponse / DeltaDiscoveryResponse) plus the one or two fields of
 * a resource it needs to follow references (cluster → EDS name, listener → RDS name). Decoding
 * the Envoy resources in full would make the load generator, not the server, the bottleneck.
 * Field numbers are those of envoy/service/discovery/v3/discovery.proto and the resource protos.
 */

const WT_VARINT = 0;
const WT_I64 = 1;
const WT_LEN = 2;
const WT_I32 = 5;

/* ----------------------------------------------------------------------------- encoding */

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A length-delimited field (string, bytes or embedded message). */
export function lenField(field: number, value: Uint8Array | string): Buffer {
  const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([Buffer.from([...varint((field << 3) | WT_LEN), ...varint(body.length)]), body]);
}

export function varintField(field: number, value: number): Buffer {
  return Buffer.from([...varint((field << 3) | WT_VARINT), ...varint(value)]);
}

/** `repeated string` field. */
export function stringsField(field: number, values: Iterable<string>): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) parts.push(lenField(field, v));
  return Buffer.concat(parts);
}

export function message(...parts: (Buffer | undefined)[]): Buffer {
  return Buffer.concat(parts.filter((p): p is Buffer => p !== undefined && p.length > 0));
}

/** `google.protobuf.Value` of a JSON-ish value (string, number, boolean, object, array). */
function encodeValue(value: unknown): Buffer {
  if (value === null || value === undefined) return varintField(1, 0);
  if (typeof value === 'number') {
    const b = Buffer.alloc(9);
    b[0] = (2 << 3) | WT_I64;
    b.writeDoubleLE(value, 1);
    return b;
  }
  if (typeof value === 'string') return lenField(3, value);
  if (typeof value === 'boolean') return varintField(4, value ? 1 : 0);
  if (Array.isArray(value)) return lenField(6, message(...value.map((v) => lenField(1, encodeValue(v)))));
  return lenField(5, encodeStruct(value as Record<string, unknown>));
}

/** `google.protobuf.Struct` (fields = 1, a map<string, Value>). */
export function encodeStruct(obj: Record<string, unknown>): Buffer {
  return message(
    ...Object.entries(obj).map(([k, v]) => lenField(1, message(lenField(1, k), lenField(2, encodeValue(v))))),
  );
}

export interface NodeSpec {
  id: string;
  cluster?: string;
  metadata?: Record<string, unknown>;
  locality?: { region?: string; zone?: string; sub_zone?: string };
  userAgentName?: string;
  clientFeatures?: string[];
}

/** `envoy.config.core.v3.Node`. */
export function encodeNode(node: NodeSpec): Buffer {
  const loc = node.locality ?? {};
  return message(
    lenField(1, node.id),
    node.cluster ? lenField(2, node.cluster) : undefined,
    node.metadata ? lenField(3, encodeStruct(node.metadata)) : undefined,
    lenField(
      4,
      message(
        loc.region ? lenField(1, loc.region) : undefined,
        loc.zone ? lenField(2, loc.zone) : undefined,
        loc.sub_zone ? lenField(3, loc.sub_zone) : undefined,
      ),
    ),
    node.userAgentName ? lenField(6, node.userAgentName) : undefined,
    node.clientFeatures ? stringsField(10, node.clientFeatures) : undefined,
  );
}

/* ----------------------------------------------------------------------------- decoding */

/** A cursor over one message's fields; `start`/`end` delimit a length-delimited payload. */
export class FieldReader {
  pos: number;
  field = 0;
  wireType = 0;
  start = 0;
  end = 0;

  constructor(
    readonly buf: Uint8Array,
    from = 0,
    readonly limit = buf.length,
  ) {
    this.pos = from;
  }

  private readVarint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.limit) throw new Error('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  }

  /** Advances to the next field; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.limit) return false;
    const tag = this.readVarint();
    this.field = Math.floor(tag / 8);
    this.wireType = tag & 7;
    switch (this.wireType) {
      case WT_VARINT:
        this.start = this.pos;
        this.readVarint();
        this.end = this.pos;
        break;
      case WT_I64:
        this.start = this.pos;
        this.pos += 8;
        this.end = this.pos;
        break;
      case WT_LEN: {
        const len = this.readVarint();
        this.start = this.pos;
        this.pos += len;
        this.end = this.pos;
        break;
      }
      case WT_I32:
        this.start = this.pos;
        this.pos += 4;
        this.end = this.pos;
        break;
      default:
        throw new Error(`unsupported wire type ${this.wireType}`);
    }
    if (this.pos > this.limit) throw new Error('truncated field');
    return true;
  }

  /** The current length-delimited field as a latin1 string (xDS names and versions are ASCII). */
  string(): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + this.start, this.end - this.start).toString(
      'latin1',
    );
  }
}

/** A byte range of the response buffer. */
export interface Slice {
  start: number;
  end: number;
}

export interface Envelope {
  version: string;
  nonce: string;
  typeUrl: string;
  /** SotW: the Any values; delta: the Resource values' Any values (absent for a name-only Resource). */
  resources: Slice[];
  /** Delta only: the Resource names, aligned with `resources`. */
  names: string[];
  /** Delta only. */
  removed: string[];
}

/** Value slice of a `google.protobuf.Any` (value = 2). */
function anyValue(buf: Uint8Array, start: number, end: number): Slice | undefined {
  const r = new FieldReader(buf, start, end);
  while (r.next()) if (r.field === 2 && r.wireType === WT_LEN) return { start: r.start, end: r.end };
  return undefined;
}

/** Reads a SotW `DiscoveryResponse` envelope (version 1, resources 2, type_url 4, nonce 5). */
export function readSotwResponse(buf: Uint8Array): Envelope {
  const env: Envelope = { version: '', nonce: '', typeUrl: '', resources: [], names: [], removed: [] };
  const r = new FieldReader(buf);
  while (r.next()) {
    if (r.wireType !== WT_LEN) continue;
    if (r.field === 1) env.version = r.string();
    else if (r.field === 4) env.typeUrl = r.string();
    else if (r.field === 5) env.nonce = r.string();
    else if (r.field === 2) {
      const v = anyValue(buf, r.start, r.end);
      if (v) env.resources.push(v);
    }
  }
  return env;
}

/**
 * Reads a `DeltaDiscoveryResponse` envelope (system_version_info 1, resources 2 as
 * Resource{version 1, resource 2, name 3}, type_url 4, nonce 5, removed_resources 6).
 */
export function readDeltaResponse(buf: Uint8Array): Envelope {
  const env: Envelope = { version: '', nonce: '', typeUrl: '', resources: [], names: [], removed: [] };
  const r = new FieldReader(buf);
  while (r.next()) {
    if (r.wireType !== WT_LEN) continue;
    if (r.field === 1) env.version = r.string();
    else if (r.field === 4) env.typeUrl = r.string();
    else if (r.field === 5) env.nonce = r.string();
    else if (r.field === 6) env.removed.push(r.string());
    else if (r.field === 2) {
      let name = '';
      let value: Slice = { start: r.start, end: r.start };
      const inner = new FieldReader(buf, r.start, r.end);
      while (inner.next()) {
        if (inner.field === 3 && inner.wireType === WT_LEN) name = inner.string();
        else if (inner.field === 2 && inner.wireType === WT_LEN)
          value = anyValue(buf, inner.start, inner.end) ?? value;
      }
      env.names.push(name);
      env.resources.push(value);
    }
  }
  return env;
}

/** Field 1 of a resource: the name of a Cluster, Listener, RouteConfiguration or ClusterLoadAssignment. */
export function resourceName(buf: Uint8Array, s: Slice): string {
  const r = new FieldReader(buf, s.start, s.end);
  while (r.next()) if (r.field === 1 && r.wireType === WT_LEN) return r.string();
  return '';
}

/** The first length-delimited field `field` within `s`, as a slice. */
function child(buf: Uint8Array, s: Slice, field: number): Slice | undefined {
  const r = new FieldReader(buf, s.start, s.end);
  while (r.next()) if (r.field === field && r.wireType === WT_LEN) return { start: r.start, end: r.end };
  return undefined;
}

function childString(buf: Uint8Array, s: Slice | undefined, field: number): string {
  if (!s) return '';
  const c = child(buf, s, field);
  return c ? Buffer.from(buf.buffer, buf.byteOffset + c.start, c.end - c.start).toString('latin1') : '';
}

/**
 * The EDS name a client must watch for a Cluster: `eds_cluster_config` (3) `.service_name` (2),
 * or the cluster name (1) when that is empty. Non-EDS clusters (type 2 ≠ EDS = 3) return ''.
 */
export function clusterEdsName(buf: Uint8Array, s: Slice): string {
  let name = '';
  let eds: Slice | undefined;
  let type = -1;
  const r = new FieldReader(buf, s.start, s.end);
  while (r.next()) {
    if (r.field === 1 && r.wireType === WT_LEN) name = r.string();
    else if (r.field === 2 && r.wireType === WT_VARINT) type = buf[r.start]!;
    else if (r.field === 3 && r.wireType === WT_LEN) eds = { start: r.start, end: r.end };
  }
  if (type !== 3 && !eds) return '';
  return childString(buf, eds, 2) || name;
}

const HCM_TYPE_SUFFIX = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** The `rds.route_config_name` of an HCM (rds = 3, route_config_name = 2); '' for inline routes. */
function hcmRouteName(buf: Uint8Array, hcm: Slice): string {
  return childString(buf, child(buf, hcm, 3), 2);
}

/** Route names of the HCM filters of one FilterChain (filters = 3; Filter typed_config = 4). */
function chainRouteNames(buf: Uint8Array, chain: Slice, out: Set<string>): void {
  const r = new FieldReader(buf, chain.start, chain.end);
  while (r.next()) {
    if (r.field !== 3 || r.wireType !== WT_LEN) continue;
    const any = child(buf, { start: r.start, end: r.end }, 4);
    if (!any || !childString(buf, any, 1).endsWith(HCM_TYPE_SUFFIX)) continue;
    const hcm = anyValue(buf, any.start, any.end);
    const name = hcm && hcmRouteName(buf, hcm);
    if (name) out.add(name);
  }
}

/**
 * The RDS names a Listener references. Proxyless: `api_listener` (19) `.api_listener` (1, Any)
 * → HCM. Sidecar: the HCM filters of `filter_chains` (3) and `default_filter_chain` (25).
 */
export function listenerRouteNames(buf: Uint8Array, s: Slice): string[] {
  const out = new Set<string>();
  const r = new FieldReader(buf, s.start, s.end);
  while (r.next()) {
    if (r.wireType !== WT_LEN) continue;
    const f = { start: r.start, end: r.end };
    if (r.field === 19) {
      const any = child(buf, f, 1);
      const hcm = any && anyValue(buf, any.start, any.end);
      const name = hcm && hcmRouteName(buf, hcm);
      if (name) out.add(name);
    } else if (r.field === 3 || r.field === 25) chainRouteNames(buf, f, out);
  }
  return [...out];
}

/** Does the resource's byte range contain `marker`? */
export function containsBytes(buf: Buffer, s: Slice, marker: Buffer): boolean {
  return buf.subarray(s.start, s.end).indexOf(marker) >= 0;
}
