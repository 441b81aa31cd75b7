/**
 * Where the webhook's certificate comes from: files given by flag (`--webhook-cert`,
 * `--webhook-key`, e.g. a cert-manager Secret mounted in the pod, whose CA the operator puts in
 * `caBundle`), or, as istiod does by default, a CA and serving certificate generated at start
 * whose CA meshplane patches into the ValidatingWebhookConfiguration itself.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { generateWebhookCertificates, webhookDnsNames, type WebhookCertificates } from './x509.js';

export interface WebhookCertSource {
  readonly certFile?: string;
  readonly keyFile?: string;
  /** `NAME.NAMESPACE` of the webhook Service, for the generated certificate's names. */
  readonly service: string;
  readonly domainSuffix: string;
  /** The listen host; included as an IP SAN when it is a concrete address. */
  readonly listenHost?: string;
}

/** Reads and checks a PEM certificate and key; throws with the file named on anything wrong. */
export async function loadWebhookCertificates(
  certFile: string,
  keyFile: string,
): Promise<WebhookCertificates> {
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  try {
    const cert = new X509Certificate(certPem);
    if (!cert.checkPrivateKey(createPrivateKey(keyPem)))
      throw new Error('key does not match the certificate');
  } catch (err) {
    throw new Error(
      `--webhook-cert ${certFile} / --webhook-key ${keyFile}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return { certPem, keyPem };
}

export async function webhookCertificates(src: WebhookCertSource): Promise<WebhookCertificates> {
  if (src.certFile || src.keyFile) {
    if (!src.certFile || !src.keyFile) throw new Error('--webhook-cert and --webhook-key go together');
    return loadWebhookCertificates(src.certFile, src.keyFile);
  }
  const [service, namespace] = src.service.split('.');
  const ips = new Set(['127.0.0.1', '::1']);
  const host = src.listenHost;
  if (host && host !== '0.0.0.0' && host !== '::' && /^[0-9.:a-fA-F]+$/.test(host)) ips.add(host);
  return generateWebhookCertificates({
    dnsNames: webhookDnsNames(service ?? 'meshplane', namespace ?? 'meshplane-system', src.domainSuffix),
    ipAddresses: [...ips],
  });
}
