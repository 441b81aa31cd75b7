/**
 * Where the webhook's certificate comes from: files given by flag (`--webhook-cert`,
 * `--webhook-key`, e.g. a cert-manager Secret mounted in the pod, whose CA the operator puts in
 * `caBundle`), or, as istiod does by default, a serving certificate issued at start by a CA whose
 * certificate meshplane patches into the ValidatingWebhookConfiguration itself. That CA is the
 * Secret `meshplane-webhook-ca` shared by every replica when a Secrets API is given (so all
 * replicas patch the same caBundle and the API server trusts whichever one it calls), else one
 * generated in memory at each start.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CaSecretUnavailableError, loadOrCreateSharedCa, type SecretApi } from '../../security/ca-secret.js';
import { WEBHOOK_CA_SECRET } from '../../security/ca-secret-codec.js';
import type { Logger } from '../../util/log.js';
import {
  generateWebhookCertificates,
  issueServingCertificate,
  webhookDnsNames,
  type WebhookCertificates,
} from './x509.js';

const WEBHOOK_CA_COMMON_NAME = 'meshplane-webhook-ca';

export interface WebhookCertSource {
  readonly certFile?: string;
  readonly keyFile?: string;
  /** `NAME.NAMESPACE` of the webhook Service, for the generated certificate's names. */
  readonly service: string;
  readonly domainSuffix: string;
  /** The listen host; included as an IP SAN when it is a concrete address. */
  readonly listenHost?: string;
  /** The CA shared by all replicas, in Secret `namespace/meshplane-webhook-ca` (Kubernetes). */
  readonly shared?: { readonly api: SecretApi; readonly namespace: string };
  readonly logger?: Logger;
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
  const names = {
    dnsNames: webhookDnsNames(service ?? 'meshplane', namespace ?? 'meshplane-system', src.domainSuffix),
    ipAddresses: [...ips],
  };
  if (src.shared) {
    const secret = `${src.shared.namespace}/${WEBHOOK_CA_SECRET}`;
    try {
      const { ca, created } = await loadOrCreateSharedCa({
        api: src.shared.api,
        namespace: src.shared.namespace,
        name: WEBHOOK_CA_SECRET,
        commonName: WEBHOOK_CA_COMMON_NAME,
        ...(src.logger ? { logger: src.logger } : {}),
      });
      src.logger?.info(
        { secret },
        created ? 'webhook CA generated and stored in its Secret' : 'webhook CA loaded from its Secret',
      );
      const leaf = issueServingCertificate(ca, { commonName: names.dnsNames[0] ?? 'meshplane', ...names });
      return { certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: ca.certPem };
    } catch (err) {
      if (!(err instanceof CaSecretUnavailableError)) throw err;
      src.logger?.warn(
        { secret, err: err.message },
        'webhook CA Secret unavailable: using a CA of this process only; with several replicas the caBundle will not match all of them',
      );
    }
  }
  return generateWebhookCertificates(names);
}
