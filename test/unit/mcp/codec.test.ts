import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { validateObject } from '../../../src/galley/validation/validate.js';
import type { Config } from '../../../src/model/config.js';
import { decodeEnvelope, encodeEnvelope } from '../../../src/mcp/codec.js';
import {
  ALL_COLLECTIONS,
  collectionOf,
  coreCollection,
  istioCollection,
  splitResourceName,
} from '../../../src/mcp/collections.js';
import {
  checkEnvelope,
  configToEnvelope,
  coreObjectToEnvelope,
  envelopeToCoreObject,
  envelopeToIstioDocument,
  formatTimestamp,
  parseTimestamp,
} from '../../../src/mcp/envelope.js';
import { decodeStruct, encodeStruct } from '../../../src/mcp/struct-codec.js';

const VS: Config = {
  meta: {
    kind: 'VirtualService',
    apiVersion: 'networking.istio.io/v1',
    name: 'reviews',
    namespace: 'bookinfo',
    labels: { app: 'reviews' },
    annotations: { 'meshplane.io/owner': 'team-a' },
    resourceVersion: '4711',
    creationTimestamp: '2024-05-06T07:08:09Z',
  },
  spec: {
    hosts: ['reviews.bookinfo.svc.cluster.local'],
    http: [
      {
        match: [{ headers: { 'x-canary': { exact: 'true' } } }],
        route: [{ destination: { host: 'reviews.bookinfo.svc.cluster.local', subset: 'v2' }, weight: 100 }],
      },
    ],
  },
};

function reverseKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .reverse()
      .map(([k, x]) => [k, reverseKeys(x)]),
  );
}

function structType(): protobuf.Type {
  const root = new protobuf.Root();
  root.loadSync('google/protobuf/struct.proto');
  return root.lookupType('google.protobuf.Struct');
}

describe('collections', () => {
  it('names collections by their GVK string, as Istio 1.7+ MCP over xDS', () => {
    expect(istioCollection('VirtualService').typeUrl).toBe('networking.istio.io/v1alpha3/VirtualService');
    expect(coreCollection('Service').typeUrl).toBe('core/v1/Service');
    expect(coreCollection('EndpointSlice').typeUrl).toBe('discovery.k8s.io/v1/EndpointSlice');
    expect(ALL_COLLECTIONS.map((c) => c.typeUrl)).toContain('networking.istio.io/v1alpha3/ServiceEntry');
    expect(collectionOf('type.googleapis.com/envoy.config.cluster.v3.Cluster')).toBeUndefined();
    expect(splitResourceName('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitResourceName('node-1')).toEqual({ namespace: '', name: 'node-1' });
  });
});

describe('Struct body', () => {
  const json = {
    s: 'héllo ✓',
    empty: '',
    zero: 0,
    neg: -1.5,
    f: false,
    n: null,
    list: [1, 'two', [3], { four: 4 }, null],
    nested: { deeper: { deepest: true } },
    obj: {},
  };

  it('round-trips JSON, falsy values included', () => {
    const r = decodeStruct(encodeStruct(json));
    expect(r).toEqual({ ok: true, value: json });
  });

  it('is canonical: key order does not change the bytes', () => {
    const a = encodeStruct({ b: 1, a: { y: 2, x: 3 } });
    const b = encodeStruct({ a: { x: 3, y: 2 }, b: 1 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('is the google.protobuf.Struct wire format (protobufjs reads it, and we read protobufjs)', () => {
    const T = structType();
    const theirs = T.toObject(T.decode(encodeStruct({ a: 'x', b: [1, true] })), { enums: String });
    expect(theirs).toEqual({
      fields: {
        a: { stringValue: 'x' },
        b: { listValue: { values: [{ numberValue: 1 }, { boolValue: true }] } },
      },
    });
    const bytes = T.encode(
      T.fromObject({ fields: { k: { structValue: { fields: { z: { nullValue: 0 } } } } } }),
    ).finish();
    expect(decodeStruct(bytes)).toEqual({ ok: true, value: { k: { z: null } } });
  });

  it('keeps a __proto__ key as data', () => {
    const r = decodeStruct(encodeStruct(JSON.parse('{"__proto__": {"polluted": 1}}')));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect(Object.keys(r.value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('reports malformed bytes instead of throwing', () => {
    const r = decodeStruct(new Uint8Array([0x0a, 0x10, 0x0a]));
    expect(r.ok).toBe(false);
  });
});

describe('envelope', () => {
  it('carries an Istio config through bytes and back to the same Config', () => {
    const env = configToEnvelope(VS);
    expect(env.name).toBe('bookinfo/reviews');
    const decoded = decodeEnvelope(encodeEnvelope(env));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.envelope).toEqual(env);
    const doc = envelopeToIstioDocument(istioCollection('VirtualService'), decoded.envelope);
    const result = validateObject(doc, 'mcp');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.spec).toEqual(VS.spec);
    expect(result.value.meta).toEqual({
      ...VS.meta,
      apiVersion: 'networking.istio.io/v1alpha3',
      source: 'mcp',
    });
  });

  it('encodes equal configs to equal bytes whatever their key order', () => {
    const reordered: Config = {
      meta: { ...VS.meta, labels: { app: 'reviews' } },
      spec: reverseKeys(VS.spec),
    };
    expect(Buffer.from(encodeEnvelope(configToEnvelope(reordered)))).toEqual(
      Buffer.from(encodeEnvelope(configToEnvelope(VS))),
    );
  });

  it('carries a core object (body without metadata) and rebuilds it', () => {
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'reviews-abc',
        namespace: 'bookinfo',
        resourceVersion: '99',
        labels: { 'kubernetes.io/service-name': 'reviews' },
        uid: 'dropped',
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 9080, protocol: 'TCP' }],
    };
    const env = coreObjectToEnvelope(slice);
    expect(Object.keys(env.body).sort()).toEqual(['addressType', 'endpoints', 'ports']);
    const decoded = decodeEnvelope(encodeEnvelope(env));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const back = envelopeToCoreObject(coreCollection('EndpointSlice'), decoded.envelope);
    const { uid: _uid, ...metadata } = slice.metadata;
    expect(back).toEqual({ ...slice, metadata });
    const node = envelopeToCoreObject(
      coreCollection('Node'),
      coreObjectToEnvelope({ metadata: { name: 'n1', labels: { zone: 'a' } } }),
    );
    expect(node.metadata).toEqual({ name: 'n1', labels: { zone: 'a' } });
  });

  it('checks the name form per collection', () => {
    const vs = istioCollection('VirtualService');
    const base = configToEnvelope(VS);
    expect(checkEnvelope(vs, base)).toBeUndefined();
    expect(checkEnvelope(vs, { ...base, name: 'reviews' })?.path).toBe('metadata.name');
    expect(checkEnvelope(vs, { ...base, name: 'ns/' })?.message).toMatch(/no name part/);
    expect(checkEnvelope(coreCollection('Node'), { ...base, name: 'ns/n1' })?.message).toMatch(
      /cluster-scoped/,
    );
  });

  it('reports a malformed envelope with the part at fault', () => {
    const r = decodeEnvelope(new Uint8Array([0xff, 0xff, 0xff]));
    expect(r.ok).toBe(false);
    const noBody = decodeEnvelope(encodeEnvelope({ ...configToEnvelope(VS) }).subarray(0, 0));
    expect(noBody).toMatchObject({ ok: false, path: 'metadata' });
  });

  it('formats timestamps as Kubernetes does and keeps fractions', () => {
    expect(parseTimestamp('2024-05-06T07:08:09Z')).toEqual({ seconds: 1714979289, nanos: 0 });
    expect(formatTimestamp(1714979289, 0)).toBe('2024-05-06T07:08:09Z');
    const t = parseTimestamp('2024-05-06T07:08:09.120Z')!;
    expect(formatTimestamp(t.seconds, t.nanos)).toBe('2024-05-06T07:08:09.12Z');
    expect(parseTimestamp('2024-05-06T09:08:09+02:00')).toEqual({ seconds: 1714979289, nanos: 0 });
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });
});
