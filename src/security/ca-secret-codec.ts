/**
 * The Kubernetes Secrets that hold meshplane's CAs when it runs against a cluster, so every
 * replica behind the Service signs with the same CA (as istiod keeps its self-signed root in the
 * `istio-ca-secret` Secret): `meshplane-ca` (the mesh CA of xDS over TLS, which signs the 15012
 * serving certificates and the proxies' client certificates) and `meshplane-webhook-ca` (the CA
 * patched into the ValidatingWebhookConfiguration's caBundle). Two Secrets, not one, because the
 * two CAs have different audiences (proxies vs. the API server) and may be replaced separately.
 *
 * Each Secret's `data` holds `ca-cert.pem` and `ca-key.pem`, base64 of PEM, the file names
 * `--ca-dir` uses. An operator may create the Secret beforehand with their own CA (`kubectl create
 * secret generic meshplane-ca --from-file=ca-cert.pem --from-file=ca-key.pem`); meshplane never
 * overwrites an existing Secret. This module only encodes and decodes (pure, never throws).
 */
import { X509Certificate } from 'node:crypto';

export const MESH_CA_SECRET = 'meshplane-ca';
export const WEBHOOK_CA_SECRET = 'meshplane-webhook-ca';
export const DEFAULT_CA_SECRET_NAMESPACE = 'meshplane-system';
export const CA_SECRET_CERT_KEY = 'ca-cert.pem';
export const CA_SECRET_KEY_KEY = 'ca-key.pem';
/** Marks the Secret's purpose, as Istio types `istio-ca-secret` `istio.io/ca-root`. */
export const CA_SECRET_TYPE = 'meshplane.io/ca-root';

/** The fields of a core/v1 Secret this module reads and writes. */
export interface SecretObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly resourceVersion?: string;
  };
  readonly type?: string;
  readonly data?: Readonly<Record<string, string>>;
}

export interface CaPem {
  readonly certPem: string;
  readonly keyPem: string;
}

export type DecodedCa = ({ readonly ok: true } & CaPem) | { readonly ok: false; readonly error: string };

/** The Secret to create for a freshly generated CA. */
export function encodeCaSecret(name: string, namespace: string, ca: CaPem): SecretObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'meshplane', 'app.kubernetes.io/name': 'meshplane' },
    },
    type: CA_SECRET_TYPE,
    data: {
      [CA_SECRET_CERT_KEY]: Buffer.from(ca.certPem, 'utf8').toString('base64'),
      [CA_SECRET_KEY_KEY]: Buffer.from(ca.keyPem, 'utf8').toString('base64'),
    },
  };
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function pemField(secret: SecretObject, key: string, label: string): string | { error: string } {
  const raw = secret.data?.[key];
  if (raw === undefined || raw === '') return { error: `has no data.${key}` };
  if (!BASE64.test(raw)) return { error: `data.${key} is not base64` };
  const pem = Buffer.from(raw, 'base64').toString('utf8');
  if (!pem.includes(`-----BEGIN ${label}`))
    return { error: `data.${key} is not a PEM ${label.toLowerCase()}` };
  return pem;
}

/**
 * The CA a Secret holds: both fields present, PEM, the certificate a CA (basicConstraints
 * CA:TRUE) and not expired at `now`. Whether the key matches is checked where the key is parsed
 * (`caFromPem`). Errors name the Secret.
 */
export function decodeCaSecret(secret: SecretObject, now = new Date()): DecodedCa {
  const where = `Secret ${secret.metadata.namespace ?? ''}/${secret.metadata.name}`;
  const certPem = pemField(secret, CA_SECRET_CERT_KEY, 'CERTIFICATE');
  if (typeof certPem !== 'string') return { ok: false, error: `${where} ${certPem.error}` };
  const keyPem = pemField(secret, CA_SECRET_KEY_KEY, '');
  if (typeof keyPem !== 'string') return { ok: false, error: `${where} ${keyPem.error}` };
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyPem))
    return { ok: false, error: `${where} data.${CA_SECRET_KEY_KEY} is not a PEM private key` };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    return {
      ok: false,
      error: `${where} data.${CA_SECRET_CERT_KEY}: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (!cert.ca) return { ok: false, error: `${where} data.${CA_SECRET_CERT_KEY} is not a CA certificate` };
  const validTo = new Date(cert.validTo);
  if (validTo.getTime() <= now.getTime())
    return { ok: false, error: `${where}: the CA expired on ${validTo.toISOString()}` };
  return { ok: true, certPem, keyPem };
}
