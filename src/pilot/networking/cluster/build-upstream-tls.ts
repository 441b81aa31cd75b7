/**
 * DestinationRule `trafficPolicy.tls` → an Envoy cluster `transport_socket` (Istio's
 * applyUpstreamTLSSettings / buildUpstreamTLSContext):
 * - DISABLE (or nothing): plaintext, no transport socket;
 * - SIMPLE: TLS, server verified with `caCertificates` (a file) unless `insecureSkipVerify`;
 * - MUTUAL: SIMPLE plus the client certificate and key files;
 * - `credentialName` (SIMPLE/MUTUAL): the certificate (and `NAME-cacert` CA) are SDS references
 *   `kubernetes://NAME` over ADS, as Istio's gateways read them, instead of files;
 * - ISTIO_MUTUAL: Istio's workload certificate and root CA by SDS from the agent (`default` and
 *   `ROOTCA` on the `sds-grpc` cluster), ALPN `istio-peer-exchange, istio`, SNI
 *   `outbound_.PORT_.SUBSET_.HOST`. meshplane serves no certificates itself: this is a reference a
 *   proxy with an Istio agent can resolve.
 * `subjectAltNames` → exact `match_typed_subject_alt_names` of type DNS; `sni` as given.
 * See https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings.
 * Pure.
 */
import type { ClientTLSSettings } from '../../../model/istio/index.js';
import {
  KUBERNETES_SECRET_PREFIX,
  SDS_CLUSTER,
  SDS_DEFAULT_CERT,
  SDS_ROOT_CA,
  TLS_TRANSPORT_SOCKET,
  UPSTREAM_TLS_TYPE,
} from '../envoy-types.js';
import type { ProtoObject } from '../proto-values.js';

/** The SDS config source of Istio's agent (`sds-grpc` over a Unix socket in a real pod). */
export function agentSdsConfig(): ProtoObject {
  return {
    api_config_source: {
      api_type: 'GRPC',
      transport_api_version: 'V3',
      grpc_services: [{ envoy_grpc: { cluster_name: SDS_CLUSTER } }],
      set_node_on_first_message_only: true,
    },
    initial_fetch_timeout: { seconds: 0, nanos: 0 },
    resource_api_version: 'V3',
  };
}

/** SDS from the control plane over ADS (gateway `credentialName` secrets). */
export function adsSdsConfig(): ProtoObject {
  return { ads: {}, resource_api_version: 'V3' };
}

export function sdsSecret(name: string, sdsConfig: ProtoObject): ProtoObject {
  return { name, sds_config: sdsConfig };
}

function fileSource(path: string): ProtoObject {
  return { filename: path };
}

function sanMatchers(sans: readonly string[] | undefined): ProtoObject[] {
  return (sans ?? []).map((san) => ({ san_type: 'DNS', matcher: { exact: san } }));
}

/** Istio's SNI for ISTIO_MUTUAL: `outbound_.PORT_.SUBSET_.HOST`. */
export function istioMutualSni(hostname: string, port: number, subset: string): string {
  return `outbound_.${port}_.${subset}_.${hostname}`;
}

function commonContext(tls: ClientTLSSettings): ProtoObject {
  const ctx: ProtoObject = {};
  const sans = sanMatchers(tls.subjectAltNames);
  if (tls.credentialName) {
    const name = `${KUBERNETES_SECRET_PREFIX}${tls.credentialName}`;
    if (tls.mode === 'MUTUAL') ctx['tls_certificate_sds_secret_configs'] = [sdsSecret(name, adsSdsConfig())];
    ctx['combined_validation_context'] = {
      default_validation_context: sans.length > 0 ? { match_typed_subject_alt_names: sans } : {},
      validation_context_sds_secret_config: sdsSecret(`${name}-cacert`, adsSdsConfig()),
    };
    return ctx;
  }
  if (tls.mode === 'MUTUAL' && tls.clientCertificate && tls.privateKey) {
    ctx['tls_certificates'] = [
      { certificate_chain: fileSource(tls.clientCertificate), private_key: fileSource(tls.privateKey) },
    ];
  }
  if (!tls.insecureSkipVerify && (tls.caCertificates || sans.length > 0)) {
    const validation: ProtoObject = {};
    if (tls.caCertificates) validation['trusted_ca'] = fileSource(tls.caCertificates);
    if (sans.length > 0) validation['match_typed_subject_alt_names'] = sans;
    if (tls.caCrl) validation['crl'] = fileSource(tls.caCrl);
    ctx['validation_context'] = validation;
  }
  return ctx;
}

function istioMutualContext(tls: ClientTLSSettings): ProtoObject {
  const sans = sanMatchers(tls.subjectAltNames);
  return {
    alpn_protocols: ['istio-peer-exchange', 'istio'],
    tls_certificate_sds_secret_configs: [sdsSecret(SDS_DEFAULT_CERT, agentSdsConfig())],
    combined_validation_context: {
      default_validation_context: sans.length > 0 ? { match_typed_subject_alt_names: sans } : {},
      validation_context_sds_secret_config: sdsSecret(SDS_ROOT_CA, agentSdsConfig()),
    },
  };
}

export interface UpstreamTlsTarget {
  readonly hostname: string;
  readonly port: number;
  readonly subset: string;
}

/** The cluster's `transport_socket`, or `undefined` for plaintext. */
export function buildUpstreamTransportSocket(
  tls: ClientTLSSettings | undefined,
  target: UpstreamTlsTarget,
): ProtoObject | undefined {
  const mode = tls?.mode ?? 'DISABLE';
  if (!tls || mode === 'DISABLE') return undefined;
  const context: ProtoObject = { '@type': UPSTREAM_TLS_TYPE };
  if (mode === 'ISTIO_MUTUAL') {
    context['common_tls_context'] = istioMutualContext(tls);
    context['sni'] = tls.sni || istioMutualSni(target.hostname, target.port, target.subset);
  } else {
    context['common_tls_context'] = commonContext(tls);
    if (tls.sni) context['sni'] = tls.sni;
  }
  return { name: TLS_TRANSPORT_SOCKET, typed_config: context };
}
