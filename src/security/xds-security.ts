/**
 * Wiring of xDS over TLS (istiod's port 15012) from the options: the serving certificate (files
 * by flag, or issued at start by the mesh CA), the CAs a client certificate must chain to, the
 * TokenReview client for bearer tokens, and the authorize hook that the ADS server calls on the
 * first request of every stream on that port.
 *
 * Where the mesh CA comes from, first match wins: `--ca-dir` given explicitly (an operator's
 * plugged-in CA, as Istio's `cacerts`); against Kubernetes, the Secret
 * `<--ca-secret-namespace>/meshplane-ca` shared by all replicas (created by the first); else the
 * default directory. Each replica issues its own serving certificate from that CA.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../galley/sources/kube-config.js';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { webhookDnsNames } from '../galley/webhook/x509.js';
import { moduleLogger, type Logger } from '../util/log.js';
import type { SecureXdsListener } from '../xds/xds-server.js';
import { KubeTokenReviewer } from './kube-token-reviewer.js';
import { CaSecretUnavailableError, KubeSecretApi, type SecretApi } from './ca-secret.js';
import { DEFAULT_CA_SECRET_NAMESPACE } from './ca-secret-codec.js';
import { DEFAULT_CA_DIR, loadOrCreateMeshCa, loadOrCreateMeshCaSecret, type MeshCa } from './mesh-ca.js';
import type { TokenReviewer } from './token-review.js';
import { XdsAuthenticator, type XdsAuthMethod } from './xds-authenticator.js';
import { XdsTlsCredentials } from './xds-tls-credentials.js';

export interface XdsSecurityOptions {
  /** `HOST:PORT`, or `off` for no TLS listener. */
  readonly secureXdsAddress: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsClientCa?: string;
  /** Explicit `--ca-dir`; unset: the Secret against Kubernetes, else {@link DEFAULT_CA_DIR}. */
  readonly caDir?: string;
  /** Namespace of the `meshplane-ca` Secret (default `meshplane-system`). */
  readonly caSecretNamespace?: string;
  /** `NAME.NAMESPACE` of meshplane's Service, named in the generated serving certificate. */
  readonly xdsService: string;
  readonly domainSuffix: string;
  readonly xdsAuth: readonly XdsAuthMethod[];
  readonly trustDomain: string;
  /** Audience a ServiceAccount token must be bound to; empty: no audience check. */
  readonly jwtAudience: string;
  /** The Kubernetes API for TokenReview: a kubeconfig file, or the pod's ServiceAccount. */
  readonly kubeconfig?: string;
  readonly inCluster?: boolean;
  /** A TokenReviewer to use instead of one built from the Kubernetes options (tests). */
  readonly reviewer?: TokenReviewer;
  /** The Secrets API to use instead of one built from the Kubernetes options (tests). */
  readonly secretApi?: SecretApi;
}

export interface SecureXds extends SecureXdsListener {
  /** The mesh CA, when one is in use (serving certificate or client verification). */
  readonly meshCa?: MeshCa;
  readonly methods: readonly XdsAuthMethod[];
}

/** The xDS serving certificate's IP SANs: loopback, plus the listen host when it is concrete. */
function servingIps(address: string): string[] {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  const ips = new Set(['127.0.0.1', '::1']);
  if (host && host !== '0.0.0.0' && host !== '::' && /^[0-9.:a-fA-F]+$/.test(host)) ips.add(host);
  return [...ips];
}

async function readNamed(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`${flag} ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Reads `--tls-cert`/`--tls-key`; checks they parse and match, naming the files otherwise. */
async function servingFromFiles(
  certFile: string,
  keyFile: string,
): Promise<{ certPem: string; keyPem: string }> {
  const [certPem, keyPem] = await Promise.all([
    readNamed('--tls-cert', certFile),
    readNamed('--tls-key', keyFile),
  ]);
  try {
    if (!new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem)))
      throw new Error('key does not match the certificate');
  } catch (err) {
    throw new Error(
      `--tls-cert ${certFile} / --tls-key ${keyFile}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return { certPem, keyPem };
}

/** The KubeConfig, loaded once and only when Kubernetes is configured. */
function kubeConfigOnce(opts: XdsSecurityOptions): () => Promise<KubeConfig | undefined> {
  let kc: Promise<KubeConfig> | undefined;
  return () => {
    if (!opts.kubeconfig && !opts.inCluster) return Promise.resolve(undefined);
    kc ??= loadKubeConfig(opts.kubeconfig);
    return kc;
  };
}

async function tokenReviewer(
  opts: XdsSecurityOptions,
  kube: () => Promise<KubeConfig | undefined>,
): Promise<TokenReviewer | undefined> {
  if (opts.reviewer) return opts.reviewer;
  const kc = await kube();
  if (!kc) return undefined;
  return new KubeTokenReviewer(kc, { audiences: opts.jwtAudience ? [opts.jwtAudience] : [] });
}

/** The mesh CA, from the first source that applies (see the module comment). */
async function meshCaFor(
  opts: XdsSecurityOptions,
  kube: () => Promise<KubeConfig | undefined>,
  log: Logger,
): Promise<MeshCa> {
  if (opts.caDir === undefined) {
    const kc = opts.secretApi ? undefined : await kube();
    const api = opts.secretApi ?? (kc ? new KubeSecretApi(kc) : undefined);
    if (api) {
      const namespace = opts.caSecretNamespace ?? DEFAULT_CA_SECRET_NAMESPACE;
      try {
        const { ca, created } = await loadOrCreateMeshCaSecret(api, namespace, log);
        log.info(
          { secret: `${namespace}/meshplane-ca`, fingerprint: ca.fingerprint() },
          created ? 'mesh CA generated and stored in its Secret' : 'mesh CA loaded from its Secret',
        );
        return ca;
      } catch (err) {
        if (!(err instanceof CaSecretUnavailableError)) throw err;
        log.warn(
          { err: err.message, caDir: DEFAULT_CA_DIR },
          'mesh CA Secret unavailable: using a CA of this process only; several replicas will not trust each other’s certificates',
        );
      }
    }
  }
  const caDir = opts.caDir ?? DEFAULT_CA_DIR;
  const { ca, created } = await loadOrCreateMeshCa(caDir, log);
  log.info({ caDir, fingerprint: ca.fingerprint() }, created ? 'mesh CA generated' : 'mesh CA loaded');
  return ca;
}

/** Builds the TLS listener, or undefined when `--secure-xds-address off`. */
export async function setupSecureXds(
  opts: XdsSecurityOptions,
  logger: Logger,
): Promise<SecureXds | undefined> {
  if (opts.secureXdsAddress === 'off') return undefined;
  const log = moduleLogger('xds-security', logger);
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined))
    throw new Error('--tls-cert and --tls-key go together');
  const methods = opts.xdsAuth;
  const kube = kubeConfigOnce(opts);
  const reviewer = methods.includes('jwt') ? await tokenReviewer(opts, kube) : undefined;
  if (methods.includes('jwt') && !reviewer) {
    if (methods.length === 1)
      throw new Error(
        '--xds-auth jwt needs a Kubernetes API for TokenReview (--kubeconfig, or run in a cluster)',
      );
    log.warn(
      { address: opts.secureXdsAddress },
      'JWT authentication on the secure xDS port is unavailable: no Kubernetes API is configured (--kubeconfig); bearer tokens are refused, only mTLS client certificates are accepted',
    );
  }
  const needCa = !opts.tlsCert || (methods.includes('mtls') && !opts.tlsClientCa);
  const meshCa = needCa ? await meshCaFor(opts, kube, log) : undefined;
  let serving: { certPem: string; keyPem: string };
  if (opts.tlsCert && opts.tlsKey) serving = await servingFromFiles(opts.tlsCert, opts.tlsKey);
  else {
    const [service, namespace] = opts.xdsService.split('.');
    const dnsNames = webhookDnsNames(
      service ?? 'meshplane',
      namespace ?? 'meshplane-system',
      opts.domainSuffix,
    );
    serving = meshCa!.issueServing(dnsNames, servingIps(opts.secureXdsAddress));
  }
  const clientCaPem = opts.tlsClientCa
    ? await readNamed('--tls-client-ca', opts.tlsClientCa)
    : (meshCa?.certPem ?? '');
  const credentials = new XdsTlsCredentials({
    ...serving,
    clientCaPem,
    // Only when mTLS is all the operator allows: a refused handshake logs nothing here, while a
    // refused stream is logged with its reason.
    requireClientCertificate: opts.xdsAuth.length === 1 && opts.xdsAuth[0] === 'mtls',
  });
  const authenticator = new XdsAuthenticator({
    methods,
    trustDomain: opts.trustDomain,
    logger: log,
    ...(reviewer ? { reviewer } : {}),
  });
  if (methods.includes('none'))
    log.warn(
      { address: opts.secureXdsAddress },
      '--xds-auth none: the secure xDS port serves any client (TLS without authentication)',
    );
  return {
    address: opts.secureXdsAddress,
    credentials,
    authorize: (proxy, call) => authenticator.authorize(proxy, call),
    methods,
    ...(meshCa ? { meshCa } : {}),
  };
}

/** The parsed options (`meshplane discovery` or `pilot`) that carry the security flags. */
export interface SecurityFlags {
  readonly secureXdsAddress: string;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
  readonly tlsClientCa?: string | undefined;
  readonly caDir?: string | undefined;
  readonly caSecretNamespace?: string | undefined;
  readonly xdsService: string;
  readonly domainSuffix: string;
  readonly xdsAuth: readonly XdsAuthMethod[];
  readonly trustDomain: string;
  readonly jwtAudience: string;
}

/** The security options of a command, with where its Kubernetes API (for TokenReview) is. */
export function pickXdsSecurityOptions(
  o: SecurityFlags,
  kube: { readonly kubeconfig?: string | undefined; readonly inCluster?: boolean },
): XdsSecurityOptions {
  return {
    secureXdsAddress: o.secureXdsAddress,
    ...(o.tlsCert ? { tlsCert: o.tlsCert } : {}),
    ...(o.tlsKey ? { tlsKey: o.tlsKey } : {}),
    ...(o.tlsClientCa ? { tlsClientCa: o.tlsClientCa } : {}),
    ...(o.caDir ? { caDir: o.caDir } : {}),
    ...(o.caSecretNamespace ? { caSecretNamespace: o.caSecretNamespace } : {}),
    xdsService: o.xdsService,
    domainSuffix: o.domainSuffix,
    xdsAuth: o.xdsAuth,
    trustDomain: o.trustDomain,
    jwtAudience: o.jwtAudience,
    ...(kube.kubeconfig ? { kubeconfig: kube.kubeconfig } : {}),
    ...(kube.inCluster ? { inCluster: true } : {}),
  };
}
