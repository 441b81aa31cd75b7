/**
 * The webhook's self-made certificates: parsed and verified by node's X509Certificate (OpenSSL)
 * and by `openssl verify -purpose sslserver`; the e2e suite has Go's crypto/x509 (the API server)
 * accept them for real.
 */
import { ipBytes } from '../../../../src/security/certificate.js';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { oid, time, unsignedInteger } from '../../../../src/galley/webhook/der.js';
import {
  createCertificateAuthority,
  generateWebhookCertificates,
  issueServingCertificate,
  webhookDnsNames,
} from '../../../../src/galley/webhook/x509.js';

describe('DER primitives', () => {
  it('encodes OIDs, integers and times as X.690 says', () => {
    expect(oid('1.2.840.10045.4.3.2').toString('hex')).toBe('06082a8648ce3d040302');
    expect(unsignedInteger(Buffer.from([0x00, 0x00, 0x7f])).toString('hex')).toBe('02017f');
    expect(unsignedInteger(Buffer.from([0x80])).toString('hex')).toBe('02020080');
    expect(time(new Date('2030-01-02T03:04:05Z')).toString('ascii').slice(2)).toBe('300102030405Z');
    expect(time(new Date('2050-01-02T03:04:05Z')).toString('ascii').slice(2)).toBe('20500102030405Z');
  });

  it('parses IPv4 and IPv6 addresses', () => {
    expect(ipBytes('127.0.0.1')?.toString('hex')).toBe('7f000001');
    expect(ipBytes('::1')?.toString('hex')).toBe('00000000000000000000000000000001');
    expect(ipBytes('fd00:1::2')?.toString('hex')).toBe('fd000001000000000000000000000002');
    expect(ipBytes('256.0.0.1')).toBeUndefined();
    expect(ipBytes('meshplane')).toBeUndefined();
  });
});

describe('webhook certificates', () => {
  const dnsNames = webhookDnsNames('meshplane', 'meshplane-system', 'cluster.local');
  const certs = generateWebhookCertificates({ dnsNames, ipAddresses: ['127.0.0.1', '::1'] });

  it('issues a CA and a serving certificate for the Service names and loopback', () => {
    const ca = new X509Certificate(certs.caPem!);
    const leaf = new X509Certificate(certs.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('meshplane.meshplane-system.svc')).toBe('meshplane.meshplane-system.svc');
    expect(leaf.checkHost('meshplane.meshplane-system.svc.cluster.local')).toBeDefined();
    expect(leaf.checkHost('other.meshplane-system.svc')).toBeUndefined();
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('10.0.0.1')).toBeUndefined();
    expect(leaf.checkPrivateKey(createPrivateKey(certs.keyPem))).toBe(true);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(new Date(leaf.validFrom).getTime()).toBeLessThan(Date.now());
  });

  it('passes `openssl verify -purpose sslserver`', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshplane-x509-'));
    try {
      writeFileSync(path.join(dir, 'ca.pem'), certs.caPem!);
      writeFileSync(path.join(dir, 'leaf.pem'), certs.certPem);
      const out = execFileSync(
        'openssl',
        ['verify', '-CAfile', 'ca.pem', '-purpose', 'sslserver', '-verify_ip', '127.0.0.1', 'leaf.pem'],
        { cwd: dir, encoding: 'utf8' },
      );
      expect(out.trim()).toBe('leaf.pem: OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not verify against another CA and gets a fresh serial per certificate', () => {
    const other = createCertificateAuthority('other');
    const leaf = new X509Certificate(certs.certPem);
    expect(leaf.verify(new X509Certificate(other.certPem).publicKey)).toBe(false);
    const a = issueServingCertificate(other, { commonName: 'x', dnsNames: ['x'], ipAddresses: [] });
    const b = issueServingCertificate(other, { commonName: 'x', dnsNames: ['x'], ipAddresses: [] });
    expect(new X509Certificate(a.certPem).serialNumber).not.toBe(new X509Certificate(b.certPem).serialNumber);
  });

  it('refuses a SAN that is not an IP address', () => {
    const ca = createCertificateAuthority('ca');
    expect(() =>
      issueServingCertificate(ca, { commonName: 'x', dnsNames: [], ipAddresses: ['nope'] }),
    ).toThrow('not an IP address');
  });
});
