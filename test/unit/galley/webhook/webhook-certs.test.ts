/**
 * Where the webhook certificate comes from: files by flag (checked: both given, key matches), or
 * generated for the Service names and the concrete listen address.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { webhookCertificates } from '../../../../src/galley/webhook/webhook-certs.js';
import { generateWebhookCertificates } from '../../../../src/galley/webhook/x509.js';

const dir = mkdtempSync(path.join(tmpdir(), 'meshplane-webhook-certs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { service: 'mp.istio-system', domainSuffix: 'example.local' };

describe('webhookCertificates', () => {
  it('generates a CA-signed certificate for NAME.NAMESPACE and the listen IP', async () => {
    const certs = await webhookCertificates({ ...base, listenHost: '127.0.0.2' });
    const leaf = new X509Certificate(certs.certPem);
    expect(leaf.verify(new X509Certificate(certs.caPem!).publicKey)).toBe(true);
    expect(leaf.checkHost('mp.istio-system.svc')).toBe('mp.istio-system.svc');
    expect(leaf.checkHost('mp.istio-system.svc.example.local')).toBeDefined();
    expect(leaf.checkIP('127.0.0.2')).toBe('127.0.0.2');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('loads certificate files without a CA (the operator owns caBundle)', async () => {
    const g = generateWebhookCertificates({ dnsNames: ['x'], ipAddresses: [] });
    writeFileSync(path.join(dir, 'tls.crt'), g.certPem);
    writeFileSync(path.join(dir, 'tls.key'), g.keyPem);
    const certs = await webhookCertificates({
      ...base,
      certFile: path.join(dir, 'tls.crt'),
      keyFile: path.join(dir, 'tls.key'),
    });
    expect(certs).toEqual({ certPem: g.certPem, keyPem: g.keyPem });
  });

  it('refuses a key that does not match, or only one of the two flags', async () => {
    const other = generateWebhookCertificates({ dnsNames: ['y'], ipAddresses: [] });
    writeFileSync(path.join(dir, 'other.key'), other.keyPem);
    await expect(
      webhookCertificates({
        ...base,
        certFile: path.join(dir, 'tls.crt'),
        keyFile: path.join(dir, 'other.key'),
      }),
    ).rejects.toThrow('key does not match the certificate');
    await expect(webhookCertificates({ ...base, certFile: path.join(dir, 'tls.crt') })).rejects.toThrow(
      '--webhook-cert and --webhook-key go together',
    );
  });
});
