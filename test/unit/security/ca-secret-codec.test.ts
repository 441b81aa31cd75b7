import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../../src/galley/webhook/x509.js';
import { issueLeafCertificate } from '../../../src/security/certificate.js';
import {
  CA_SECRET_CERT_KEY,
  CA_SECRET_KEY_KEY,
  CA_SECRET_TYPE,
  decodeCaSecret,
  encodeCaSecret,
  type SecretObject,
} from '../../../src/security/ca-secret-codec.js';

const ca = createCertificateAuthority('test-ca');

describe('CA Secret encoding', () => {
  it('encodes the PEMs as base64 under ca-cert.pem / ca-key.pem, labelled and typed', () => {
    const s = encodeCaSecret('meshplane-ca', 'meshplane-system', ca);
    expect(s).toMatchObject({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'meshplane-ca', namespace: 'meshplane-system' },
      type: CA_SECRET_TYPE,
    });
    expect(s.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('meshplane');
    expect(Buffer.from(s.data![CA_SECRET_CERT_KEY]!, 'base64').toString()).toBe(ca.certPem);
    expect(Buffer.from(s.data![CA_SECRET_KEY_KEY]!, 'base64').toString()).toBe(ca.keyPem);
  });

  it('decodes what it encodes, byte for byte', () => {
    const d = decodeCaSecret(encodeCaSecret('meshplane-ca', 'ns', ca));
    expect(d).toEqual({ ok: true, certPem: ca.certPem, keyPem: ca.keyPem });
  });

  it('accepts an Opaque Secret made by kubectl with the same keys (an operator CA)', () => {
    const s: SecretObject = {
      metadata: { name: 'meshplane-ca', namespace: 'ns' },
      type: 'Opaque',
      data: {
        [CA_SECRET_CERT_KEY]: Buffer.from(ca.certPem).toString('base64'),
        [CA_SECRET_KEY_KEY]: Buffer.from(ca.keyPem).toString('base64'),
        extra: 'aGVsbG8=',
      },
    };
    expect(decodeCaSecret(s).ok).toBe(true);
  });

  const broken = (data: Record<string, string>): string => {
    const d = decodeCaSecret({ metadata: { name: 'meshplane-ca', namespace: 'ns' }, data });
    return d.ok ? 'ok' : d.error;
  };
  const b64 = (s: string): string => Buffer.from(s).toString('base64');

  it('names the Secret and the field on anything missing or malformed, without throwing', () => {
    expect(broken({})).toBe('Secret ns/meshplane-ca has no data.ca-cert.pem');
    expect(broken({ [CA_SECRET_CERT_KEY]: b64(ca.certPem) })).toBe(
      'Secret ns/meshplane-ca has no data.ca-key.pem',
    );
    expect(broken({ [CA_SECRET_CERT_KEY]: '!!not base64!!', [CA_SECRET_KEY_KEY]: b64(ca.keyPem) })).toBe(
      'Secret ns/meshplane-ca data.ca-cert.pem is not base64',
    );
    expect(broken({ [CA_SECRET_CERT_KEY]: b64('hello'), [CA_SECRET_KEY_KEY]: b64(ca.keyPem) })).toBe(
      'Secret ns/meshplane-ca data.ca-cert.pem is not a PEM certificate',
    );
    expect(broken({ [CA_SECRET_CERT_KEY]: b64(ca.certPem), [CA_SECRET_KEY_KEY]: b64(ca.certPem) })).toBe(
      'Secret ns/meshplane-ca data.ca-key.pem is not a PEM private key',
    );
    const garbled = ca.certPem.replace(/\n([A-Za-z0-9+/]{10})/, '\n$1AAAA');
    expect(broken({ [CA_SECRET_CERT_KEY]: b64(garbled), [CA_SECRET_KEY_KEY]: b64(ca.keyPem) })).toMatch(
      /^Secret ns\/meshplane-ca data\.ca-cert\.pem: /,
    );
    expect(decodeCaSecret({ metadata: { name: 'x' } })).toEqual({
      ok: false,
      error: 'Secret /x has no data.ca-cert.pem',
    });
  });

  it('refuses a certificate that is not a CA, and an expired CA', () => {
    const leaf = issueLeafCertificate(ca, { commonName: 'leaf', dnsNames: ['leaf'], usages: ['serverAuth'] });
    expect(broken({ [CA_SECRET_CERT_KEY]: b64(leaf.certPem), [CA_SECRET_KEY_KEY]: b64(leaf.keyPem) })).toBe(
      'Secret ns/meshplane-ca data.ca-cert.pem is not a CA certificate',
    );
    const validTo = new Date(new X509Certificate(ca.certPem).validTo);
    const later = new Date(validTo.getTime() + 1000);
    const d = decodeCaSecret(encodeCaSecret('meshplane-ca', 'ns', ca), later);
    expect(d.ok ? '' : d.error).toBe(`Secret ns/meshplane-ca: the CA expired on ${validTo.toISOString()}`);
  });
});
