/**
 * Encodes generated resources once per (push version — plus the hostname's endpoint version for
 * EDS —, type, scope key, name) and keeps an unchanged message's encoding across push versions,
 * so its bytes, version and identity survive a push that did not change it (design §5).
 */
import type { PushContext } from '../model/push-context.js';
import { contentHash } from '../util/hash.js';
import { messageType } from '../xds/proto.js';
import type { EncodedResource } from '../xds/source.js';
import { BoundedMemo } from './bounded-memo.js';
import { parseClusterName } from './networking/naming.js';

export class ResourceEncoder {
  private readonly memo: BoundedMemo<EncodedResource>;
  /** The last encoding of each (type, scope, name), with its message as JSON. */
  private readonly lastEncoded = new Map<string, { json: string; encoded: EncodedResource }>();
  encodedCount = 0;
  reusedCount = 0;

  constructor(private readonly maxEntries: number) {
    this.memo = new BoundedMemo(maxEntries);
  }

  get size(): number {
    return this.memo.size;
  }

  encode(
    push: PushContext,
    typeUrl: string,
    scope: string,
    name: string,
    message: Record<string, unknown>,
    isEds: boolean,
  ): EncodedResource {
    const hostname = isEds ? (parseClusterName(name)?.hostname ?? '') : '';
    const endpointVersion = isEds ? push.endpoints.hostnameVersion(hostname) : '';
    const key = [push.version, endpointVersion, typeUrl, scope, name].join('\n');
    const cached = this.memo.get(key);
    if (cached) {
      this.reusedCount++;
      return cached;
    }
    // A new push version regenerates every resource of the types it concerns, most of them
    // unchanged: the same message (compared as JSON, far cheaper than protobuf encoding) keeps
    // its encoding.
    const json = JSON.stringify(message);
    const nameKey = `${typeUrl}\n${scope}\n${name}`;
    const last = this.lastEncoded.get(nameKey);
    if (last && last.json === json) {
      this.memo.set(key, push.version, last.encoded);
      this.reusedCount++;
      return last.encoded;
    }
    const type = messageType(typeUrl);
    const value = type.encode(type.fromObject(message)).finish();
    const encoded: EncodedResource = { name, version: contentHash(value), typeUrl, value };
    this.memo.set(key, push.version, encoded);
    this.lastEncoded.delete(nameKey);
    this.lastEncoded.set(nameKey, { json, encoded });
    while (this.lastEncoded.size > this.maxEntries) {
      const oldest = this.lastEncoded.keys().next().value;
      if (oldest === undefined) break;
      this.lastEncoded.delete(oldest);
    }
    this.encodedCount++;
    return encoded;
  }

  /** Keeps only encodings of the given push versions. */
  retain(versions: ReadonlySet<string>): void {
    this.memo.retain(versions);
  }
}
