/**
 * Server-side TLS settings of Gateway servers and Sidecar ingress listeners (istiod
 * `validateTLSOptions`): certificate sources per mode, ISTIO_MUTUAL without user certificates,
 * MUTUAL needing a client CA, CRL limits, and warnings for ignored ciphers.
 */
import type { ServerTLSSettings } from '../../model/istio/gateway.js';
import { type Issues, at } from './issues.js';

/** OpenSSL-style cipher suite names Envoy (BoringSSL) accepts. */
const CIPHER_SUITES = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-PSK-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-PSK-AES128-CBC-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
  'ECDHE-PSK-AES256-CBC-SHA',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA',
  'PSK-AES128-CBC-SHA',
  'AES256-SHA',
  'PSK-AES256-CBC-SHA',
  'DES-CBC3-SHA',
]);

export function validateServerTLS(tls: ServerTLSSettings | undefined, path: string, issues: Issues): void {
  if (!tls) return;
  const mode = tls.mode ?? 'PASSTHROUGH';
  if (
    (tls.minProtocolVersion === 'TLSV1_0' || tls.minProtocolVersion === 'TLSV1_1') &&
    (tls.cipherSuites ?? []).length === 0
  ) {
    issues.warn(
      at(path, 'minProtocolVersion'),
      'TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.',
    );
  }
  const invalid = new Set<string>();
  const valid = new Set<string>();
  const dup = new Set<string>();
  for (const cs of tls.cipherSuites ?? []) {
    if (!CIPHER_SUITES.has(cs)) invalid.add(cs);
    else if (valid.has(cs)) dup.add(cs);
    else valid.add(cs);
  }
  if (invalid.size > 0)
    issues.warn(
      at(path, 'cipherSuites'),
      `ignoring invalid cipher suites: [${[...invalid].sort().join(' ')}]`,
    );
  if (dup.size > 0)
    issues.warn(at(path, 'cipherSuites'), `ignoring duplicate cipher suites: [${[...dup].sort().join(' ')}]`);

  const tlsCerts = tls.tlsCertificates ?? [];
  const credNames = tls.credentialNames ?? [];
  if (mode === 'ISTIO_MUTUAL') {
    // ISTIO_MUTUAL uses the workload's own mesh certificate.
    if (tls.serverCertificate)
      issues.error(
        at(path, 'serverCertificate'),
        'ISTIO_MUTUAL TLS cannot have associated server certificate',
      );
    if (tls.privateKey)
      issues.error(at(path, 'privateKey'), 'ISTIO_MUTUAL TLS cannot have associated private key');
    if (tls.caCertificates)
      issues.error(at(path, 'caCertificates'), 'ISTIO_MUTUAL TLS cannot have associated CA bundle');
    if (tlsCerts.length > 0)
      issues.error(at(path, 'tlsCertificates'), 'ISTIO_MUTUAL TLS cannot have associated tlsCertificates');
    if (tls.credentialName)
      issues.error(at(path, 'credentialName'), 'ISTIO_MUTUAL TLS cannot have associated credentialName');
    if (credNames.length > 0)
      issues.error(at(path, 'credentialNames'), 'ISTIO_MUTUAL TLS cannot have associated credentialNames');
    return;
  }
  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    if (
      tls.caCrl ||
      tls.serverCertificate ||
      tls.privateKey ||
      tls.caCertificates ||
      tlsCerts.length > 0 ||
      tls.credentialName ||
      credNames.length > 0
    ) {
      issues.warn(path, `${mode} mode does not use certificates, they will be ignored`);
    }
  }
  let sources = 0;
  if (tls.serverCertificate && tls.privateKey) sources++;
  if (tls.credentialName) sources++;
  if (credNames.length > 0) sources++;
  if (tlsCerts.length > 0) sources++;
  if (sources > 1) {
    issues.error(
      path,
      'only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified',
    );
  }
  const terminating = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  // With a credential name the certificates come from a secret (SDS): nothing more to check here.
  if (terminating && (tls.credentialName || credNames.length > 0)) return;
  if (terminating) {
    const prefix = mode === 'SIMPLE' ? 'SIMPLE TLS' : 'MUTUAL TLS';
    if (mode !== 'SIMPLE' && !tls.caCertificates)
      issues.error(at(path, 'caCertificates'), `${prefix} requires a client CA bundle`);
    if (tlsCerts.length > 2)
      issues.warn(at(path, 'tlsCertificates'), `${prefix} can support up to 2 server certificates`);
    const certs =
      tlsCerts.length > 0
        ? tlsCerts
        : [{ serverCertificate: tls.serverCertificate, privateKey: tls.privateKey }];
    for (const c of certs) {
      if (!c.serverCertificate)
        issues.error(at(path, 'serverCertificate'), `${prefix} requires a server certificate`);
      if (!c.privateKey) issues.error(at(path, 'privateKey'), `${prefix} requires a private key`);
    }
  }
  if (tls.caCrl) {
    if (tls.credentialName)
      issues.error(
        at(path, 'caCrl'),
        'CRL is not supported with credentialName. CRL has to be specified in the credential',
      );
    if (mode === 'SIMPLE') issues.error(at(path, 'caCrl'), 'CRL is not supported with SIMPLE TLS');
  }
}
