/**
 * Self-signed CA and serving certificate for the admission webhook, as istiod does when it runs
 * without an external CA: a fresh CA key and certificate at each start, a serving certificate
 * signed by it for the webhook Service's DNS names and the pod's addresses, and the CA's PEM
 * patched into the ValidatingWebhookConfiguration's `caBundle` (see webhook-config-patcher.ts).
 *
 * X.509 v3 per RFC 5280 §4.1, ECDSA P-256 with SHA-256 (RFC 5758 §3.2), built with the DER
 * encoders of der.ts and signed by node:crypto. The extensions are what Go's crypto/x509 (the API
 * server's TLS client) checks: basicConstraints CA:TRUE + keyUsage keyCertSign on the CA;
 * subjectAltName (Go ignores the CN for host names) + extKeyUsage serverAuth on the leaf.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
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
  toPem,
  unsignedInteger,
  utf8,
} from './der.js';
import { issueLeafCertificate } from '../../security/certificate.js';

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
} as const;

/** A certificate with its private key, both PEM (PKCS#8 for the key). */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** The private key, for signing further certificates (the CA). */
  readonly key: KeyObject;
  /** DER SubjectPublicKeyInfo, for the key identifiers. */
  readonly spki: Buffer;
  readonly subject: Buffer;
}

export interface ServingCertificateRequest {
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly validDays?: number;
  readonly now?: Date;
}

/** The webhook's key material: the serving pair and the CA that clients must trust. */
export interface WebhookCertificates {
  readonly certPem: string;
  readonly keyPem: string;
  /** The CA PEM for `caBundle`; absent when the certificate came from files. */
  readonly caPem?: string;
}

const DAY_MS = 86_400_000;
/** Clock skew allowance: certificates are valid from an hour before issue. */
const BACKDATE_MS = 3_600_000;

function name(commonName: string, organization?: string): Buffer {
  const rdns = [];
  if (organization) rdns.push(set(sequence(oid(OID.organization), utf8(organization))));
  rdns.push(set(sequence(oid(OID.commonName), utf8(commonName))));
  return sequence(...rdns);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** RFC 7093 §2 method 1: leftmost 160 bits of the SHA-256 of the SubjectPublicKeyInfo. */
function keyIdentifier(spki: Buffer): Buffer {
  return createHash('sha256').update(spki).digest().subarray(0, 20);
}

interface TbsInput {
  readonly subject: Buffer;
  readonly issuer: Buffer;
  readonly spki: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: Buffer[];
}

function signCertificate(tbsInput: TbsInput, signer: KeyObject): Buffer {
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  // A positive 127-bit serial: random, unique per certificate (RFC 5280 §4.1.2.2, at most 20 bytes).
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    algorithm,
    tbsInput.issuer,
    sequence(time(tbsInput.notBefore), time(tbsInput.notAfter)),
    tbsInput.subject,
    tbsInput.spki,
    explicit(3, sequence(...tbsInput.extensions)),
  );
  const signature = sign('sha256', tbs, signer); // DER ECDSA-Sig-Value
  return sequence(tbs, algorithm, bitString(signature));
}

function newKey(): { key: KeyObject; spki: Buffer; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    key: privateKey,
    spki: publicKey.export({ type: 'spki', format: 'der' }),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** A self-signed CA certificate (pathlen unconstrained, may sign serving certificates). */
export function createCertificateAuthority(
  commonName: string,
  options: { validDays?: number; now?: Date } = {},
): IssuedCertificate {
  const now = options.now ?? new Date();
  const { key, spki, keyPem } = newKey();
  const subject = name(commonName, 'meshplane');
  const der = signCertificate(
    {
      subject,
      issuer: subject,
      spki,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + (options.validDays ?? 3650) * DAY_MS),
      extensions: [
        extension(OID.basicConstraints, true, sequence(boolean(true))),
        // keyCertSign (bit 5) | cRLSign (bit 6) | digitalSignature (bit 0): 1000 0110, 1 unused bit.
        extension(OID.keyUsage, true, bitString(Buffer.from([0x86]), 1)),
        extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spki))),
      ],
    },
    key,
  );
  return { certPem: toPem('CERTIFICATE', der), keyPem, key, spki, subject };
}

/** A serving certificate for `dnsNames` and `ipAddresses`, signed by `ca` (security/certificate.ts). */
export function issueServingCertificate(
  ca: IssuedCertificate,
  req: ServingCertificateRequest,
): IssuedCertificate {
  return issueLeafCertificate(ca, { ...req, usages: ['serverAuth'] });
}

/**
 * The DNS names a webhook Service is dialled by (`<svc>.<ns>.svc` is what the API server uses for
 * a `service:` clientConfig), plus loopback for `url:` clientConfigs and local tests.
 */
export function webhookDnsNames(service: string, namespace: string, domainSuffix: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.${domainSuffix}`,
    'localhost',
  ];
}

/** A new CA and a serving certificate signed by it, for the given names. */
export function generateWebhookCertificates(
  req: Omit<ServingCertificateRequest, 'commonName'> & { commonName?: string },
): WebhookCertificates {
  const ca = createCertificateAuthority('meshplane-webhook-ca', { now: req.now });
  const leaf = issueServingCertificate(ca, { commonName: req.dnsNames[0] ?? 'meshplane', ...req });
  return { certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: ca.certPem };
}
