/**
 * Responses encoded before they are written, shared by every stream that sends the same bytes
 * (design §5). The server registers ADS with a response serializer that writes
 * `PreparedResponse.bytes` as they are (ads-service.ts), so a push to N streams of one group is
 * one encoding and N writes of the same Buffer, as the bench's floor server does.
 *
 * Nonces are therefore shared too: a nonce names one prepared response, is unique in this
 * process (a random prefix, then a sequence number), and a stream only ever receives
 * responses of increasing sequence per type (a cached response older than the stream's last
 * one is re-prepared with a fresh nonce), so a stream never sees a nonce twice.
 */
import { randomBytes } from 'node:crypto';
import type { AnyMessage, ResourceMessage } from './ads-messages.js';
import type { EncodedResource } from './source.js';
import {
  deltaResourceField,
  encodeDeltaResponse,
  encodeSotwResponse,
  GRPC_HEADER,
  sotwResourceField,
} from './wire.js';

const NONCE_PREFIX = randomBytes(4).toString('hex');
let seq = 0;

export interface PreparedResponse {
  /** The encoded DiscoveryResponse or DeltaDiscoveryResponse. */
  readonly bytes: Buffer;
  /** The same with gRPC's 5-byte message header in front (what goes on the wire). */
  readonly framed: Buffer;
  readonly seq: number;
  readonly nonce: string;
  readonly type_url: string;
  /** SotW `version_info`, delta `system_version_info`. */
  readonly version: string;
  readonly count: number;
  readonly removedCount: number;
}

const sotwPieces = new WeakMap<EncodedResource, Buffer>();
const deltaPieces = new WeakMap<EncodedResource, Buffer>();

function sotwPiece(r: EncodedResource): Buffer {
  let piece = sotwPieces.get(r);
  if (!piece) sotwPieces.set(r, (piece = sotwResourceField(r.typeUrl, r.value)));
  return piece;
}

function deltaPiece(r: EncodedResource): Buffer {
  let piece = deltaPieces.get(r);
  if (!piece) deltaPieces.set(r, (piece = deltaResourceField(r.name, r.version, r.typeUrl, r.value)));
  return piece;
}

/**
 * A prepared SotW response. `version_info`, `resources` and `nonce` mirror the decoded message
 * for inspection (tests, debugging); `resources[i].value` is the resource's shared bytes.
 */
export class SotwPrepared implements PreparedResponse {
  readonly seq = ++seq;
  readonly nonce = `${NONCE_PREFIX}-${this.seq.toString(36)}`;
  readonly framed: Buffer;

  constructor(
    readonly type_url: string,
    readonly version: string,
    readonly list: readonly EncodedResource[],
  ) {
    this.framed = encodeSotwResponse(version, list.map(sotwPiece), type_url, this.nonce);
  }

  get bytes(): Buffer {
    return this.framed.subarray(GRPC_HEADER);
  }

  get version_info(): string {
    return this.version;
  }
  get resources(): AnyMessage[] {
    return this.list.map((r) => ({ type_url: r.typeUrl, value: r.value }));
  }
  get count(): number {
    return this.list.length;
  }
  get removedCount(): number {
    return 0;
  }
}

/** A prepared delta response (see SotwPrepared). */
export class DeltaPrepared implements PreparedResponse {
  readonly seq = ++seq;
  readonly nonce = `${NONCE_PREFIX}-${this.seq.toString(36)}`;
  readonly framed: Buffer;

  constructor(
    readonly type_url: string,
    readonly version: string,
    readonly list: readonly EncodedResource[],
    readonly removed_resources: readonly string[],
  ) {
    this.framed = encodeDeltaResponse(version, list.map(deltaPiece), type_url, removed_resources, this.nonce);
  }

  get bytes(): Buffer {
    return this.framed.subarray(GRPC_HEADER);
  }

  get system_version_info(): string {
    return this.version;
  }
  get resources(): ResourceMessage[] {
    return this.list.map((r) => ({
      name: r.name,
      version: r.version,
      resource: { type_url: r.typeUrl, value: r.value },
    }));
  }
  get count(): number {
    return this.list.length;
  }
  get removedCount(): number {
    return this.removed_resources.length;
  }
}

/**
 * A cache of prepared responses keyed by a shared object (a content, a diff): the first stream
 * that needs the response encodes it, the others reuse it, unless its sequence is not above
 * `afterSeq` (the stream's last response of the type), in which case it is prepared afresh.
 */
export class PreparedCache<K extends object, P extends PreparedResponse> {
  private readonly entries = new WeakMap<K, P>();

  get(key: K, afterSeq: number, build: () => P): P {
    return this.hit(key, afterSeq) ?? this.keep(key, build());
  }

  /** The cached response for `key` if a stream whose last response was `afterSeq` may get it. */
  hit(key: K, afterSeq: number): P | undefined {
    const hit = this.entries.get(key);
    return hit && hit.seq > afterSeq ? hit : undefined;
  }

  /** Caches `fresh` for `key`; returns it. */
  keep(key: K, fresh: P): P {
    this.entries.set(key, fresh);
    return fresh;
  }
}

export function isPrepared(value: unknown): value is PreparedResponse {
  return value instanceof SotwPrepared || value instanceof DeltaPrepared;
}

/** A response serializer accepting prepared responses (and any other message via `fallback`). */
export function preparedSerializer(fallback: (value: unknown) => Buffer): (value: unknown) => Buffer {
  return (value: unknown) => (isPrepared(value) ? value.bytes : fallback(value));
}
