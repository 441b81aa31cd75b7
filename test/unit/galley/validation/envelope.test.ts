import { describe, expect, it } from 'vitest';
import { formatConfigError } from '../../../../src/galley/validation/result.js';
import {
  validateDocument,
  validateObject,
  validateSpec,
} from '../../../../src/galley/validation/validate.js';
import { doc } from './cases.js';

const vsSpec = { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] };

function messages(obj: unknown): string[] {
  const r = validateObject(obj, 'f.yaml');
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
}

describe('envelope validation', () => {
  it('accepts every served apiVersion and defaults the namespace', () => {
    for (const v of ['v1', 'v1beta1', 'v1alpha3']) {
      const r = validateObject(
        {
          apiVersion: `networking.istio.io/${v}`,
          kind: 'VirtualService',
          metadata: { name: 'r' },
          spec: vsSpec,
        },
        'f.yaml',
      );
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      expect(r.value.meta).toMatchObject({
        kind: 'VirtualService',
        name: 'r',
        namespace: 'default',
        apiVersion: `networking.istio.io/${v}`,
        source: 'f.yaml',
      });
      expect(r.value.meta.resourceVersion).toMatch(/^[0-9a-f]{16}$/);
      expect(r.value.spec).toEqual(vsSpec);
    }
  });

  it('keeps resourceVersion, labels and annotations from metadata', () => {
    const r = validateObject(
      doc('VirtualService', vsSpec, {
        resourceVersion: '42',
        labels: { app: 'a' },
        annotations: { 'x.io/y': 'z' },
      }),
      'f.yaml',
    );
    expect(r.ok && r.value.meta).toMatchObject({
      resourceVersion: '42',
      labels: { app: 'a' },
      annotations: { 'x.io/y': 'z' },
    });
  });

  it.each([
    [
      'wrong group',
      { ...doc('VirtualService', vsSpec), apiVersion: 'security.istio.io/v1' },
      'apiVersion: unsupported apiVersion "security.istio.io/v1"',
    ],
    [
      'wrong version',
      { ...doc('VirtualService', vsSpec), apiVersion: 'networking.istio.io/v2' },
      'apiVersion: unsupported apiVersion',
    ],
    [
      'missing apiVersion',
      { ...doc('VirtualService', vsSpec), apiVersion: undefined },
      'apiVersion: apiVersion is required',
    ],
    ['unknown kind', doc('EnvoyFilter', {}), 'kind: unknown kind "EnvoyFilter"'],
    [
      'missing name',
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {}, spec: vsSpec },
      'metadata.name: name is required',
    ],
    [
      'bad name',
      doc('VirtualService', vsSpec, { name: 'Reviews_1' }),
      'metadata.name: invalid name "Reviews_1"',
    ],
    [
      'bad namespace',
      doc('VirtualService', vsSpec, { namespace: 'a.b' }),
      'metadata.namespace: invalid namespace "a.b"',
    ],
    [
      'bad label',
      doc('VirtualService', vsSpec, { labels: { app: 'a b' } }),
      'metadata.labels.app: invalid tag value',
    ],
    [
      'non-string annotation',
      doc('VirtualService', vsSpec, { annotations: { a: 1 } }),
      'metadata.annotations.a: annotation value must be a string',
    ],
    [
      'always-reject annotation',
      doc('VirtualService', vsSpec, { annotations: { 'internal.istio.io/webhook-always-reject': '' } }),
      'annotation found, rejecting',
    ],
    [
      'dry-run annotation',
      doc('VirtualService', vsSpec, { annotations: { 'istio.io/dry-run': 'true' } }),
      'unsupported annotation istio.io/dry-run',
    ],
    [
      'unknown top-level field',
      { ...doc('VirtualService', vsSpec), _err: 'x' },
      '_err: unknown field "_err"',
    ],
    [
      'unknown metadata field',
      doc('VirtualService', vsSpec, { nam: 'x' }),
      'metadata.nam: unknown field "nam"',
    ],
    [
      'missing spec',
      { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'x' } },
      'spec: spec is required',
    ],
    ['spec not a map', doc('ServiceEntry', ['a']), 'spec: Invalid input: expected object'],
    ['not a map', 'hello', 'a config object must be a YAML/JSON map'],
  ])('rejects %s', (_name, obj, want) => {
    expect(messages(obj).join('\n')).toContain(want);
  });

  it('treats null fields as unset (YAML `key:` with no value)', () => {
    expect(messages(doc('VirtualService', { ...vsSpec, gateways: null, exportTo: null }))).toEqual([]);
  });

  it('validateObject rejects WorkloadGroup (not served) while validateDocument accepts it', () => {
    const wg = doc('WorkloadGroup', { template: { serviceAccount: 'sa' } });
    expect(validateDocument(wg, 'f.yaml').ok).toBe(true);
    expect(messages(wg)).toEqual([
      'kind: kind WorkloadGroup is not served by meshplane (served: ServiceEntry, WorkloadEntry, DestinationRule, VirtualService, Gateway, Sidecar)',
    ]);
  });

  it('carries the ref into errors and formats them as file: Kind ns/name: path: message', () => {
    const bad = doc(
      'VirtualService',
      {
        http: [
          {
            route: [
              { destination: { host: 'c' }, weight: 75 },
              { destination: { host: 'c' }, weight: -15 },
            ],
          },
        ],
      },
      { name: 'reviews', namespace: 'default' },
    );
    const r = validateObject(bad, 'config/reviews.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.ref).toEqual({ kind: 'VirtualService', namespace: 'default', name: 'reviews' });
    expect(r.errors.map(formatConfigError)).toEqual([
      'config/reviews.yaml: VirtualService default/reviews: spec.http[0].route[1].weight: weight -15 must be >= 0',
    ]);
  });

  it('never throws, whatever the input', () => {
    const inputs: unknown[] = [
      null,
      undefined,
      0,
      [],
      { kind: 'VirtualService' },
      { apiVersion: 1, kind: {}, metadata: [], spec: 'x' },
    ];
    for (const i of inputs) expect(() => validateObject(i, 'f')).not.toThrow();
    expect(validateObject(null, 'f').ok).toBe(false);
  });

  it('validateSpec validates a bare spec for the webhook', () => {
    expect(validateSpec('VirtualService', vsSpec, { name: 'r', namespace: 'ns' }).errors).toEqual([]);
    const bad = validateSpec('DestinationRule', { subsets: [] }, { name: 'r', namespace: 'ns' });
    expect(bad.errors).toEqual([{ path: 'spec.host', message: 'empty domain name not allowed' }]);
    expect(bad.value).toBeUndefined();
  });
});
