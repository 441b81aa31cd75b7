/**
 * Gateway server `tls` → an Envoy `DownstreamTlsContext` transport socket (Istio's
 * buildGatewayListenerTLSContext):
 * - certificates from files (`serverCertificate`, `privateKey`, `caCertificates` for MUTUAL), or
 *   with `credentialName` as SDS references over ADS: `kubernetes://NAME` for the certificate and
 *   `kubernetes://NAME-cacert` for the client CA, as istiod names gateway secrets;
 * - ISTIO_MUTUAL: the workload certificate and root CA from the Istio agent's SDS;
 * - MUTUAL and ISTIO_MUTUAL require a client certificate, OPTIONAL_MUTUAL verifies one if sent;
 * - ALPN `h2, http/1.1` for HTTPS servers; protocol versions and cipher suites as given.
 * PASSTHROUGH and AUTO_PASSTHROUGH terminate nothing and get no context. Pure.
 */
import type { ServerTLSSettings } from '../../../model/istio/index.js';
import { adsSdsConfig, agentSdsConfig, sdsSecret } from '../cluster/build-upstream-tls.js';
import {
  DOWNSTREAM_TLS_TYPE,
  KUBERNETES_SECRET_PREFIX,
  SDS_DEFAULT_CERT,
  SDS_ROOT_CA,
  TLS_TRANSPORT_SOCKET,
} from '../envoy-types.js';
import type { ProtoObject } from '../proto-values.js';

const TLS_VERSIONS: Readonly<Record<string, string>> = {
  TLS_AUTO: 'TLS_AUTO',
  TLSV1_0: 'TLSv1_0',
  TLSV1_1: 'TLSv1_1',
  TLSV1_2: 'TLSv1_2',
  TLSV1_3: 'TLSv1_3',
};

/** Whether the server terminates TLS at the gateway. */
export function terminatesTls(tls: ServerTLSSettings | undefined): boolean {
  const mode = tls?.mode ?? 'SIMPLE';
  return !!tls && mode !== 'PASSTHROUGH' && mode !== 'AUTO_PASSTHROUGH';
}

function sans(tls: ServerTLSSettings): ProtoObject[] {
  return (tls.subjectAltNames ?? []).map((san) => ({ san_type: 'DNS', matcher: { exact: san } }));
}

function commonContext(tls: ServerTLSSettings, http: boolean): ProtoObject {
  const mode = tls.mode ?? 'SIMPLE';
  const verify = mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  const ctx: ProtoObject = {};
  if (http) ctx['alpn_protocols'] = ['h2', 'http/1.1'];
  const names = sans(tls);
  if (mode === 'ISTIO_MUTUAL') {
    ctx['tls_certificate_sds_secret_configs'] = [sdsSecret(SDS_DEFAULT_CERT, agentSdsConfig())];
    ctx['combined_validation_context'] = {
      default_validation_context: names.length > 0 ? { match_typed_subject_alt_names: names } : {},
      validation_context_sds_secret_config: sdsSecret(SDS_ROOT_CA, agentSdsConfig()),
    };
  } else if (tls.credentialName) {
    const name = `${KUBERNETES_SECRET_PREFIX}${tls.credentialName}`;
    ctx['tls_certificate_sds_secret_configs'] = [sdsSecret(name, adsSdsConfig())];
    if (verify) {
      ctx['combined_validation_context'] = {
        default_validation_context: names.length > 0 ? { match_typed_subject_alt_names: names } : {},
        validation_context_sds_secret_config: sdsSecret(`${name}-cacert`, adsSdsConfig()),
      };
    }
  } else {
    if (tls.serverCertificate && tls.privateKey) {
      ctx['tls_certificates'] = [
        { certificate_chain: { filename: tls.serverCertificate }, private_key: { filename: tls.privateKey } },
      ];
    }
    if (verify && tls.caCertificates) {
      const validation: ProtoObject = { trusted_ca: { filename: tls.caCertificates } };
      if (names.length > 0) validation['match_typed_subject_alt_names'] = names;
      if (tls.caCrl) validation['crl'] = { filename: tls.caCrl };
      ctx['validation_context'] = validation;
    }
  }
  const params: ProtoObject = {};
  if (tls.minProtocolVersion) params['tls_minimum_protocol_version'] = TLS_VERSIONS[tls.minProtocolVersion];
  if (tls.maxProtocolVersion) params['tls_maximum_protocol_version'] = TLS_VERSIONS[tls.maxProtocolVersion];
  if (tls.cipherSuites?.length) params['cipher_suites'] = [...tls.cipherSuites];
  if (Object.keys(params).length > 0) ctx['tls_params'] = params;
  return ctx;
}

/** The listener chain's `transport_socket`, or `undefined` when the gateway passes TLS through. */
export function buildDownstreamTransportSocket(
  tls: ServerTLSSettings | undefined,
  http: boolean,
): ProtoObject | undefined {
  if (!terminatesTls(tls)) return undefined;
  const mode = tls!.mode ?? 'SIMPLE';
  const context: ProtoObject = {
    '@type': DOWNSTREAM_TLS_TYPE,
    common_tls_context: commonContext(tls!, http),
  };
  if (mode === 'MUTUAL' || mode === 'ISTIO_MUTUAL') context['require_client_certificate'] = { value: true };
  return { name: TLS_TRANSPORT_SOCKET, typed_config: context };
}
