/**
 * The admission decision (pure): AdmissionReview v1 in, AdmissionReview out, with the same
 * validator verdicts and messages as the config directory and `meshplane validate`.
 */
import { describe, expect, it } from 'vitest';
import { reviewAdmission } from '../../../../src/galley/webhook/admission.js';

const VS_GVK = { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' };

function review(request: Record<string, unknown>, apiVersion = 'admission.k8s.io/v1'): unknown {
  return { apiVersion, kind: 'AdmissionReview', request: { uid: 'u-1', kind: VS_GVK, ...request } };
}

const vs = (spec: unknown, meta: Record<string, unknown> = { name: 'r', namespace: 'default' }) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: meta,
  spec,
});

const GOOD_SPEC = { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }] }] };
const BAD_SPEC = {
  hosts: ['reviews'],
  http: [
    {
      route: [
        { destination: { host: 'reviews', subset: 'v1' }, weight: -15 },
        { destination: { host: '' }, weight: 10 },
      ],
    },
  ],
};

describe('reviewAdmission', () => {
  it('allows a valid VirtualService on CREATE and echoes the uid', () => {
    const r = reviewAdmission(review({ operation: 'CREATE', object: vs(GOOD_SPEC) }));
    expect(r).toEqual({
      ok: true,
      answer: {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: 'u-1', allowed: true },
      },
    });
  });

  it('denies an invalid one with every error and its field path', () => {
    const r = reviewAdmission(
      review({ operation: 'UPDATE', object: vs(BAD_SPEC), oldObject: vs(GOOD_SPEC) }),
    );
    if (!r.ok) throw new Error(r.error);
    const res = r.answer.response;
    expect(res.allowed).toBe(false);
    expect(res.status?.code).toBe(400);
    const msg = res.status!.message;
    expect(msg.startsWith('configuration is invalid: ')).toBe(true);
    expect(msg).toContain('spec.http[0].route[0].weight');
    expect(msg).toContain('spec.http[0].route[1].destination.host');
    expect(msg.split('; ').length).toBeGreaterThanOrEqual(2);
    expect(r.denied).toBe(msg);
  });

  it('always allows DELETE, even of an invalid object', () => {
    const r = reviewAdmission(review({ operation: 'DELETE', oldObject: vs(BAD_SPEC) }));
    expect(r.ok && r.answer.response.allowed).toBe(true);
  });

  it('takes the namespace and name from the request when the object lacks them', () => {
    const r = reviewAdmission(
      review({ operation: 'CREATE', namespace: 'ns1', name: 'n1', object: vs(GOOD_SPEC, {}) }),
    );
    expect(r.ok && r.answer.response.allowed).toBe(true);
  });

  it('returns validator warnings on an allowed object', () => {
    const spec = {
      hosts: ['foo.com'],
      tls: [{ match: [{ sniHosts: ['1.1.1.1'] }], route: [{ destination: { host: 'foo.com' } }] }],
    };
    const r = reviewAdmission(review({ operation: 'CREATE', object: vs(spec) }));
    if (!r.ok) throw new Error(r.error);
    expect(r.answer.response.allowed).toBe(true);
    expect(r.answer.response.warnings).toEqual([
      'spec.tls[0].match[0].sniHosts[0]: using an IP address ("1.1.1.1") goes against SNI spec and most clients do not support this',
    ]);
  });

  it('validates WorkloadGroup (validated, not served) and denies a missing spec', () => {
    const r = reviewAdmission(
      review({
        operation: 'CREATE',
        kind: { group: 'networking.istio.io', version: 'v1', kind: 'WorkloadGroup' },
        object: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'WorkloadGroup',
          metadata: { name: 'w', namespace: 'd' },
        },
      }),
    );
    expect(r.ok && r.answer.response.allowed).toBe(false);
  });

  it('allows kinds and groups it has no validator for', () => {
    const other = reviewAdmission(
      review({ operation: 'CREATE', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, object: {} }),
    );
    expect(other.ok && other.answer.response.allowed).toBe(true);
    const envoyFilter = reviewAdmission(
      review({ operation: 'CREATE', kind: { ...VS_GVK, kind: 'EnvoyFilter' }, object: { spec: 1 } }),
    );
    expect(envoyFilter.ok && envoyFilter.answer.response.allowed).toBe(true);
  });

  it('answers a v1beta1 review in v1beta1', () => {
    const r = reviewAdmission(
      review({ operation: 'CREATE', object: vs(GOOD_SPEC) }, 'admission.k8s.io/v1beta1'),
    );
    expect(r.ok && r.answer.apiVersion).toBe('admission.k8s.io/v1beta1');
  });

  it('rejects what is not an AdmissionReview', () => {
    expect(reviewAdmission(null).ok).toBe(false);
    expect(reviewAdmission({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v2' }).ok).toBe(false);
    expect(
      reviewAdmission({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request: {} }).ok,
    ).toBe(false);
  });
});
