/**
 * Leaf certificates signed by the mesh CA: meshplane's own xDS serving certificate and workload
 * (client) certificates carrying a SPIFFE ID, as Istio's CA issues them (X.509 v3, RFC 5280
 * §4.1; URI SAN per RFC 5280 §4.2.1.6 and the SPIFFE X.509-SVID spec §4). Built with the DER
 * encoders the webhook certificates use (galley/webhook/der.ts) and signed by node:crypto.
 *
 * What Go's crypto/x509 and OpenSSL (Envoy, grpc-go, node) check, and so what is set here:
 * basicConstraints CA:FALSE, keyUsage digitalSignature|keyEncipherment, extKeyUsage serverAuth
 * and/or clientAuth (OpenSSL refuses a client certificate whose extKeyUsage lacks clientAuth),
 * subjectAltName, and key identifiers linking the leaf to its CA.
 */
import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import {
  bitString,
  boolean,
  explicit,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  tlv,
  toPem,
  unsignedInteger,
  utf8,
} from '../galley/webhook/der.js';
import type { IssuedCertificate } from '../galley/webhook/x509.js';
import { certificateSubject } from './der-reader.js';

export type { IssuedCertificate };

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export type KeyUsage = 'serverAuth' | 'clientAuth';

export interface LeafRequest {
  readonly commonName: string;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** URI SANs, e.g. a SPIFFE ID. */
  readonly uris?: readonly string[];
  readonly usages: readonly KeyUsage[];
  readonly validDays?: number;
  readonly now?: Date;
}

const DAY_MS = 86_400_000;
/** Clock skew allowance: certificates are valid from an hour before issue. */
const BACKDATE_MS = 3_600_000;

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** RFC 7093 §2 method 1: leftmost 160 bits of the SHA-256 of the SubjectPublicKeyInfo. */
function keyIdentifier(spki: Buffer): Buffer {
  return createHash('sha256').update(spki).digest().subarray(0, 20);
}

/** The signature AlgorithmIdentifier for the CA's key: ECDSA or RSA (a plugged-in CA may be RSA). */
function signatureAlgorithm(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'ec') return sequence(oid(OID.ecdsaWithSha256));
  if (key.asymmetricKeyType === 'rsa') return sequence(oid(OID.sha256WithRsa), tlv(0x05)); // NULL params
  throw new Error(`CA key type ${key.asymmetricKeyType ?? 'unknown'} cannot sign (need EC or RSA)`);
}

/** IPv4 (4 bytes) or IPv6 (16 bytes) for an iPAddress GeneralName; undefined if neither. */
export function ipBytes(ip: string): Buffer | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every((p) => p <= 255) ? Buffer.from(parts) : undefined;
  }
  if (!/^[0-9a-fA-F:]+$/.test(ip) || ip.split('::').length > 2) return undefined;
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const groups = (s: string | undefined): string[] => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...Array<string>(Math.max(fill, 0)).fill('0'), ...t];
  if (all.length !== 8 || all.some((g) => g.length === 0 || g.length > 4)) return undefined;
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** The SubjectAltName GeneralNames (RFC 5280 §4.2.1.6): dNSName [2], URI [6], iPAddress [7]. */
export function subjectAltNames(req: Pick<LeafRequest, 'dnsNames' | 'ipAddresses' | 'uris'>): Buffer[] {
  const sans: Buffer[] = [];
  for (const dns of req.dnsNames ?? []) sans.push(tlv(0x82, Buffer.from(dns, 'ascii')));
  for (const uri of req.uris ?? []) sans.push(tlv(0x86, Buffer.from(uri, 'ascii')));
  for (const ip of req.ipAddresses ?? []) {
    const bytes = ipBytes(ip);
    if (!bytes) throw new Error(`not an IP address: ${ip}`);
    sans.push(tlv(0x87, bytes));
  }
  return sans;
}

/** A new EC P-256 key pair, as Istio's workload certificates use by default. */
function newKey(): { key: KeyObject; spki: Buffer; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    key: privateKey,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** A certificate for `req`, with a fresh key, signed by `ca`. */
export function issueLeafCertificate(ca: IssuedCertificate, req: LeafRequest): IssuedCertificate {
  const sans = subjectAltNames(req);
  if (sans.length === 0) throw new Error('a leaf certificate needs at least one subjectAltName');
  if (req.usages.length === 0) throw new Error('a leaf certificate needs serverAuth and/or clientAuth');
  const now = req.now ?? new Date();
  const { key, spki, keyPem } = newKey();
  const subject = sequence(set(sequence(oid(OID.commonName), utf8(req.commonName))));
  const algorithm = signatureAlgorithm(ca.key);
  // A positive 127-bit serial: random, unique per certificate (RFC 5280 §4.1.2.2).
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const notAfter = new Date(now.getTime() + (req.validDays ?? 365) * DAY_MS);
  const extensions = [
    extension(OID.basicConstraints, true, sequence()),
    // digitalSignature (bit 0) | keyEncipherment (bit 2): 1010 0000, 5 unused bits.
    extension(OID.keyUsage, true, bitString(Buffer.from([0xa0]), 5)),
    extension(OID.extKeyUsage, false, sequence(...req.usages.map((u) => oid(OID[u])))),
    extension(OID.subjectAltName, false, sequence(...sans)),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
    // [0] keyIdentifier (IMPLICIT OCTET STRING).
    extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, keyIdentifier(ca.spki)))),
  ];
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    algorithm,
    ca.subject,
    sequence(time(notBefore), time(notAfter)),
    subject,
    spki,
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, ca.key);
  const der = sequence(tbs, algorithm, bitString(signature));
  return { certPem: toPem('CERTIFICATE', der), keyPem, key, spki, subject };
}

/**
 * A CA as `IssuedCertificate` from its PEM certificate and private key (a CA meshplane generated
 * earlier, or one an operator plugged in): checks the key matches and the certificate is a CA.
 */
export function caFromPem(certPem: string, key: KeyObject, keyPem: string): IssuedCertificate {
  const cert = new X509Certificate(certPem);
  if (!cert.ca) throw new Error('certificate is not a CA (basicConstraints CA:TRUE missing)');
  if (!cert.checkPrivateKey(key)) throw new Error('private key does not match the certificate');
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return { certPem, keyPem, key, spki, subject: certificateSubject(cert.raw) };
}
