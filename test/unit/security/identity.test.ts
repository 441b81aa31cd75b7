import { describe, expect, it } from 'vitest';
import {
  checkNamespaceBinding,
  claimedNamespaces,
  describeIdentity,
  identityFromServiceAccountUsername,
  identityFromSubjectAltName,
  parseSpiffeId,
  spiffeId,
  urisFromSubjectAltName,
  type WorkloadIdentity,
} from '../../../src/security/identity.js';

const proxy = (id: string, metadata: Record<string, unknown> = {}, namespace?: string) => ({
  id,
  metadata,
  namespace:
    namespace ??
    (typeof metadata['NAMESPACE'] === 'string' ? metadata['NAMESPACE'] : id.split('~')[2]!.split('.')[1]!),
});

describe('SPIFFE IDs', () => {
  it('round-trips spiffe://TD/ns/NS/sa/SA', () => {
    const id = spiffeId('cluster.local', 'default', 'bookinfo-productpage');
    expect(id).toBe('spiffe://cluster.local/ns/default/sa/bookinfo-productpage');
    expect(parseSpiffeId(id)).toEqual({
      ok: true,
      value: { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'bookinfo-productpage' },
    });
  });

  it.each([
    ['spiffe://cluster.local/ns/default', /is not spiffe/],
    ['spiffe://cluster.local/ns/default/sa/a/extra', /is not spiffe/],
    ['https://cluster.local/ns/default/sa/a', /is not spiffe/],
    ['spiffe://cluster.local/ns/Default/sa/a', /namespace "Default" is invalid/],
    ['spiffe://cluster.local/ns/default/sa/A_b', /service account "A_b" is invalid/],
    ['spiffe://Cluster.Local/ns/default/sa/a', /trust domain/],
  ])('refuses %s', (uri, error) => {
    const r = parseSpiffeId(uri);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });

  it('reads URIs from node:crypto subjectAltName text', () => {
    expect(urisFromSubjectAltName('DNS:a.svc, URI:spiffe://td/ns/x/sa/y, IP Address:127.0.0.1')).toEqual([
      'spiffe://td/ns/x/sa/y',
    ]);
    expect(urisFromSubjectAltName(undefined)).toEqual([]);
  });

  it('takes exactly one SPIFFE ID of the trust domain from a certificate', () => {
    expect(
      identityFromSubjectAltName('URI:spiffe://cluster.local/ns/default/sa/sleep', 'cluster.local'),
    ).toEqual({
      ok: true,
      value: { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'sleep', method: 'mtls' },
    });
    const none = identityFromSubjectAltName('DNS:localhost', 'cluster.local');
    expect(none).toMatchObject({ ok: false, error: expect.stringContaining('no spiffe:// URI SAN') });
    const two = identityFromSubjectAltName(
      'URI:spiffe://cluster.local/ns/a/sa/x, URI:spiffe://cluster.local/ns/b/sa/x',
      'cluster.local',
    );
    expect(two).toMatchObject({ ok: false, error: expect.stringContaining('2 spiffe:// URI SANs') });
    const foreign = identityFromSubjectAltName('URI:spiffe://other.td/ns/default/sa/x', 'cluster.local');
    expect(foreign).toMatchObject({ ok: false, error: expect.stringContaining('"other.td"') });
  });
});

describe('ServiceAccount usernames', () => {
  it('reads system:serviceaccount:NS:SA', () => {
    expect(identityFromServiceAccountUsername('system:serviceaccount:default:sleep')).toEqual({
      ok: true,
      value: { namespace: 'default', serviceAccount: 'sleep', method: 'jwt' },
    });
  });

  it.each([
    'admin',
    'system:node:n1',
    'system:serviceaccount:default',
    'system:serviceaccount:Bad:x',
    'system:serviceaccount:a:b:c',
  ])('refuses %s', (u) => {
    expect(identityFromServiceAccountUsername(u).ok).toBe(false);
  });
});

describe('namespace binding', () => {
  const sleep: WorkloadIdentity = {
    trustDomain: 'cluster.local',
    namespace: 'default',
    serviceAccount: 'sleep',
    method: 'mtls',
  };

  it('accepts a node of the identity namespace', () => {
    const p = proxy('sidecar~10.0.0.1~sleep-1.default~default.svc.cluster.local', { NAMESPACE: 'default' });
    expect(claimedNamespaces(p)).toEqual(['default']);
    expect(checkNamespaceBinding(p, sleep)).toEqual({ ok: true });
  });

  it('refuses another namespace, naming node, claim and identity', () => {
    const p = proxy('sidecar~10.0.0.1~x-1.other~other.svc.cluster.local');
    const v = checkNamespaceBinding(p, sleep);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.reason).toContain('sidecar~10.0.0.1~x-1.other~other.svc.cluster.local');
      expect(v.reason).toContain('"other"');
      expect(v.reason).toContain('spiffe://cluster.local/ns/default/sa/sleep');
    }
  });

  it('reads the namespace after the last dot of the pod part, as parseProxy does', () => {
    const p = proxy('sidecar~10.0.0.1~app.v1-abc.default~default.svc.cluster.local', {}, 'default');
    expect(claimedNamespaces(p)).toEqual(['default']);
  });

  it('refuses a node whose id and metadata disagree', () => {
    // Served as "default" (metadata wins in parseProxy) but the id says "other": refused.
    const p = proxy(
      'sidecar~10.0.0.1~x-1.other~other.svc.cluster.local',
      { NAMESPACE: 'default' },
      'default',
    );
    expect(claimedNamespaces(p)).toEqual(['default', 'other']);
    expect(checkNamespaceBinding(p, sleep).ok).toBe(false);
  });

  it('describes token identities by username', () => {
    expect(describeIdentity({ namespace: 'a', serviceAccount: 'b', method: 'jwt' })).toBe(
      'system:serviceaccount:a:b',
    );
  });
});
