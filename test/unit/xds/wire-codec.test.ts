/**
 * The server's own ADS codec against proto-loader's: prepared responses (wire.ts,
 * prepared-response.ts) must decode to the same messages proto-loader would have written, and
 * request-decoder.ts must give the server what proto-loader would have decoded, with name lists
 * interned and an ACK's list recognized by its bytes.
 */
import type { MethodDefinition } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { adsServerDefinition, adsServiceDefinition } from '../../../src/xds/ads-service.js';
import type { DeltaDiscoveryRequest, DiscoveryRequest } from '../../../src/xds/ads-messages.js';
import { internNames } from '../../../src/xds/name-sets.js';
import {
  DeltaPrepared,
  isPrepared,
  PreparedCache,
  SotwPrepared,
} from '../../../src/xds/prepared-response.js';
import type { EncodedResource } from '../../../src/xds/source.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE } from '../../../src/xds/type-urls.js';
import { GRPC_HEADER } from '../../../src/xds/wire.js';

type Method = MethodDefinition<Record<string, unknown>, Record<string, any>>;
const client = adsServiceDefinition() as unknown as Record<string, Method>;
const server = adsServerDefinition() as unknown as Record<string, Method>;
const SOTW = 'StreamAggregatedResources';
const DELTA = 'DeltaAggregatedResources';

const res = (name: string, version: string, value: string): EncodedResource => ({
  name,
  version,
  typeUrl: ENDPOINT_TYPE,
  value: Buffer.from(value),
});

describe('prepared responses', () => {
  it('SotW: decodes as proto-loader would, framed for gRPC', () => {
    const p = new SotwPrepared(ENDPOINT_TYPE, 'v1', [res('a', '1', 'A'), res('b', '1', 'BB')]);
    const decoded = client[SOTW]!.responseDeserialize(p.bytes);
    expect(decoded).toMatchObject({ version_info: 'v1', type_url: ENDPOINT_TYPE, nonce: p.nonce });
    expect(decoded['resources'].map((a: any) => [a.type_url, Buffer.from(a.value).toString()])).toEqual([
      [ENDPOINT_TYPE, 'A'],
      [ENDPOINT_TYPE, 'BB'],
    ]);
    expect(p.framed[0]).toBe(0);
    expect(p.framed.readUInt32BE(1)).toBe(p.bytes.length);
    expect(p.framed.length).toBe(GRPC_HEADER + p.bytes.length);
    expect(isPrepared(p)).toBe(true);
    // The server's serializer writes the prepared bytes, and anything else the usual way.
    expect(server[SOTW]!.responseSerialize(p)).toEqual(p.bytes);
    const plain = { version_info: 'x', type_url: CLUSTER_TYPE, nonce: 'n' };
    expect(client[SOTW]!.responseDeserialize(server[SOTW]!.responseSerialize(plain))).toMatchObject(plain);
  });

  it('delta: resources with name and version, removals, system version', () => {
    const p = new DeltaPrepared(ENDPOINT_TYPE, 'sys', [res('a', '7', 'A')], ['gone', 'also']);
    const decoded = client[DELTA]!.responseDeserialize(p.bytes);
    expect(decoded).toMatchObject({
      system_version_info: 'sys',
      type_url: ENDPOINT_TYPE,
      nonce: p.nonce,
      removed_resources: ['gone', 'also'],
    });
    expect(decoded['resources']).toHaveLength(1);
    expect(decoded['resources'][0]).toMatchObject({ name: 'a', version: '7' });
    expect(Buffer.from(decoded['resources'][0].resource.value).toString()).toBe('A');
    expect(p.count).toBe(1);
    expect(p.removedCount).toBe(2);
  });

  it('nonces are unique and a cached response is reused only if newer than what a stream has', () => {
    const cache = new PreparedCache<object, SotwPrepared>();
    const key = {};
    let built = 0;
    const build = () => {
      built++;
      return new SotwPrepared(CLUSTER_TYPE, 'v', []);
    };
    const first = cache.get(key, 0, build);
    expect(cache.get(key, 0, build)).toBe(first);
    expect(built).toBe(1);
    // A stream that already got something newer gets a fresh response with a higher sequence.
    const later = new SotwPrepared(CLUSTER_TYPE, 'v', []);
    const fresh = cache.get(key, later.seq, build);
    expect(fresh).not.toBe(first);
    expect(fresh.seq).toBeGreaterThan(later.seq);
    expect(new Set([first.nonce, later.nonce, fresh.nonce]).size).toBe(3);
  });
});

describe('request decoder', () => {
  const node = {
    id: 'sidecar~10.0.0.1~a.ns~ns.svc.cluster.local',
    cluster: 'c',
    metadata: { fields: { NAMESPACE: { stringValue: 'ns' } } },
  };
  const names = Array.from({ length: 50 }, (_, i) => `outbound|80||svc-${i}.ns.svc.cluster.local`);
  const sotw = (req: Record<string, unknown>): DiscoveryRequest =>
    server[SOTW]!.requestDeserialize(client[SOTW]!.requestSerialize(req)) as DiscoveryRequest;
  const delta = (req: Record<string, unknown>): DeltaDiscoveryRequest =>
    server[DELTA]!.requestDeserialize(client[DELTA]!.requestSerialize(req)) as DeltaDiscoveryRequest;

  it('SotW: every field as proto-loader decodes it; names interned', () => {
    const full = {
      version_info: 'v1',
      node,
      resource_names: names,
      type_url: ENDPOINT_TYPE,
      response_nonce: 'n1',
      error_detail: { code: 3, message: 'bad' },
    };
    const ours = sotw(full);
    const theirs = client[SOTW]!.requestDeserialize(client[SOTW]!.requestSerialize(full));
    expect({ ...ours, resource_names: [...ours.resource_names!] }).toMatchObject(theirs);
    const list = ours.resource_names_source!.resolve();
    expect(list.names).toBe(internNames(names));
    expect(list).toMatchObject({ wildcard: false, count: 50 });
  });

  it('decodes recurring type URLs and other strings of their length alike, byte for byte', () => {
    const sameLength = 'x'.repeat(ENDPOINT_TYPE.length);
    for (let i = 0; i < 3; i++) {
      expect(sotw({ type_url: ENDPOINT_TYPE, response_nonce: sameLength, version_info: 'v' })).toMatchObject({
        type_url: ENDPOINT_TYPE,
        response_nonce: sameLength,
      });
      expect(delta({ type_url: `${ENDPOINT_TYPE}x`, response_nonce: ENDPOINT_TYPE })).toMatchObject({
        type_url: `${ENDPOINT_TYPE}x`,
        response_nonce: ENDPOINT_TYPE,
      });
    }
  });

  it('SotW: an ACK repeating the list resolves to the same Set, by bytes or by hash', () => {
    const first = sotw({ resource_names: names, type_url: ENDPOINT_TYPE }).resource_names_source!.resolve();
    const ack = sotw({ resource_names: names, type_url: ENDPOINT_TYPE, response_nonce: 'n' });
    expect(ack.resource_names_source!.resolve(first.names).names).toBe(first.names);
    const reordered = sotw({ resource_names: [...names].reverse(), type_url: ENDPOINT_TYPE });
    expect(reordered.resource_names_source!.resolve(first.names).names).toBe(first.names);
    const other = sotw({ resource_names: names.slice(1), type_url: ENDPOINT_TYPE });
    const list = other.resource_names_source!.resolve(first.names);
    expect(list.names).not.toBe(first.names);
    expect(list.names.size).toBe(49);
  });

  it('SotW: a list of the same length but other bytes is not taken for the last one seen', () => {
    const a = names.map((n) => n.replace('svc-', 'sva-'));
    const b = names.map((n) => n.replace('svc-', 'svb-'));
    const first = sotw({ resource_names: a, type_url: ENDPOINT_TYPE }).resource_names_source!.resolve();
    // Same length, no hint: without the byte comparison this would resolve to `a`'s Set.
    const second = sotw({ resource_names: b, type_url: ENDPOINT_TYPE }).resource_names_source!.resolve();
    expect(second.names).not.toBe(first.names);
    expect([...second.names].sort()).toEqual([...b].sort());
    // Another client sending `b` again shares the Set.
    const again = sotw({ resource_names: b, type_url: ENDPOINT_TYPE }).resource_names_source!.resolve();
    expect(again.names).toBe(second.names);
  });

  it('SotW: `*` and small lists; absent names stay absent', () => {
    const wild = sotw({
      resource_names: ['*', 'a'],
      type_url: CLUSTER_TYPE,
    }).resource_names_source!.resolve();
    expect(wild).toMatchObject({ wildcard: true, count: 2 });
    expect([...wild.names]).toEqual(['a']);
    const none = sotw({ type_url: CLUSTER_TYPE });
    expect(none.resource_names).toBeUndefined();
    expect(none.resource_names_source!.resolve()).toMatchObject({ count: 0, wildcard: false });
    expect(none.node).toBeUndefined();
  });

  it('delta: every field as proto-loader decodes it; lists interned', () => {
    const full = {
      node,
      type_url: ENDPOINT_TYPE,
      resource_names_subscribe: names,
      resource_names_unsubscribe: ['x'],
      initial_resource_versions: { a: '1', b: '2' },
      response_nonce: 'n2',
      error_detail: { code: 13, message: 'boom' },
    };
    const ours = delta(full);
    const theirs = client[DELTA]!.requestDeserialize(client[DELTA]!.requestSerialize(full));
    expect({
      ...ours,
      resource_names_subscribe: [...ours.resource_names_subscribe!],
      resource_names_unsubscribe: [...ours.resource_names_unsubscribe!],
    }).toMatchObject(theirs);
    expect(ours.subscribe_list!.names).toBe(internNames(names));
    expect(ours.unsubscribe_list).toMatchObject({ count: 1, wildcard: false });
  });

  it('a message it cannot read is left to proto-loader', () => {
    for (const bytes of [
      [0x1a, 0x05, 0x61],
      [0x23, 0x01],
    ]) {
      const buf = Buffer.from(bytes);
      let theirs: unknown;
      try {
        theirs = client[SOTW]!.requestDeserialize(buf);
      } catch (err) {
        theirs = err;
      }
      if (theirs instanceof Error) expect(() => server[SOTW]!.requestDeserialize(buf)).toThrow();
      else expect(server[SOTW]!.requestDeserialize(buf)).toEqual(theirs);
    }
  });
});
