import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../../src/galley/webhook/x509.js';
import { caFromPem, issueLeafCertificate } from '../../../src/security/certificate.js';
import { certificateSubject } from '../../../src/security/der-reader.js';
import { CA_CERT_FILE, CA_KEY_FILE, loadMeshCa, loadOrCreateMeshCa } from '../../../src/security/mesh-ca.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'meshplane-ca-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('mesh CA', () => {
  it('is generated once, written with a private key file, and reloaded unchanged', async () => {
    const dir = path.join(tmp(), 'nested', 'ca');
    const first = await loadOrCreateMeshCa(dir);
    expect(first.created).toBe(true);
    const cert = new X509Certificate(readFileSync(path.join(dir, CA_CERT_FILE)));
    expect(cert.ca).toBe(true);
    expect(cert.subject).toContain('CN=meshplane-mesh-ca');
    expect(statSync(path.join(dir, CA_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const again = await loadOrCreateMeshCa(dir);
    expect(again.created).toBe(false);
    expect(again.ca.fingerprint()).toBe(first.ca.fingerprint());
    expect(again.ca.certPem).toBe(first.ca.certPem);
    // The reloaded CA signs certificates that chain to the stored certificate.
    const leaf = new X509Certificate(again.ca.issueServing(['localhost'], ['127.0.0.1']).certPem);
    expect(leaf.checkIssued(cert)).toBe(true);
    expect(leaf.verify(cert.publicKey)).toBe(true);
  });

  it('agrees on one CA when several processes start on an empty directory at once', async () => {
    const dir = tmp();
    const results = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateMeshCa(dir)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.ca.fingerprint())).size).toBe(1);
  });

  it('names the directory and file when the stored CA is broken', async () => {
    const dir = tmp();
    await loadOrCreateMeshCa(dir);
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    writeFileSync(path.join(dir, CA_KEY_FILE), other.export({ type: 'pkcs8', format: 'pem' }).toString());
    await expect(loadMeshCa(dir)).rejects.toThrow(
      `--ca-dir ${dir}: ca-cert.pem / ca-key.pem: private key does not match`,
    );
    rmSync(path.join(dir, CA_KEY_FILE));
    await expect(loadOrCreateMeshCa(dir)).rejects.toThrow('ca-cert.pem without ca-key.pem');
  });

  it('reads back a CA from its PEM with the exact subject bytes', () => {
    const ec = createCertificateAuthority('plug-ec');
    const reloaded = caFromPem(ec.certPem, ec.key, ec.keyPem);
    expect(reloaded.subject.equals(ec.subject)).toBe(true);
    expect(certificateSubject(new X509Certificate(ec.certPem).raw).equals(ec.subject)).toBe(true);
  });
});

describe('workload and serving certificates', () => {
  it('issues a SPIFFE client certificate that chains to the CA', async () => {
    const { ca } = await loadOrCreateMeshCa(tmp());
    const issued = ca.issueWorkload({
      trustDomain: 'cluster.local',
      namespace: 'default',
      serviceAccount: 'sleep',
    });
    const cert = new X509Certificate(issued.certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('URI:spiffe://cluster.local/ns/default/sa/sleep');
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect(cert.checkPrivateKey(issued.key)).toBe(true);
    // Short-lived, as Istio's workload certificates (1 day by default here).
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeLessThan(2 * 86_400_000);
  });

  it('issues a serving certificate with DNS and IP SANs, server use only', async () => {
    const { ca } = await loadOrCreateMeshCa(tmp());
    const cert = new X509Certificate(
      ca.issueServing(['meshplane.meshplane-system.svc', 'localhost'], ['127.0.0.1', '::1']).certPem,
    );
    expect(cert.subjectAltName).toBe(
      'DNS:meshplane.meshplane-system.svc, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('signs with an RSA CA too', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = createCertificateAuthority('tmp');
    // An RSA "CA" object with the EC CA's subject: enough to check the RSA signature algorithm.
    const rsaCa = { ...ec, key: privateKey, spki: publicKey.export({ type: 'spki', format: 'der' }) };
    const leaf = new X509Certificate(
      issueLeafCertificate(rsaCa, { commonName: 'x', dnsNames: ['x'], usages: ['serverAuth'] }).certPem,
    );
    expect(leaf.verify(publicKey)).toBe(true);
  });

  it('refuses a leaf with no SAN, no usage or a bad IP', async () => {
    const { ca } = await loadOrCreateMeshCa(tmp());
    expect(() => issueLeafCertificate(ca.ca, { commonName: 'x', usages: ['serverAuth'] })).toThrow(
      'subjectAltName',
    );
    expect(() => issueLeafCertificate(ca.ca, { commonName: 'x', dnsNames: ['x'], usages: [] })).toThrow(
      'serverAuth',
    );
    expect(() =>
      issueLeafCertificate(ca.ca, { commonName: 'x', ipAddresses: ['300.1.1.1'], usages: ['serverAuth'] }),
    ).toThrow('not an IP address: 300.1.1.1');
  });
});
