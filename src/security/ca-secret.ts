/**
 * A CA shared by every meshplane replica through a Kubernetes Secret (see ca-secret-codec.ts for
 * the Secret's shape), created by whichever replica comes first, as istiod does with
 * `istio-ca-secret`:
 * - GET the Secret; if it exists, use its CA (never overwritten, even if it is not one meshplane
 *   made: an operator's CA is welcome; a broken one fails the start with the Secret named);
 * - if absent (404), generate a CA and CREATE the Secret; on 409 AlreadyExists another replica won
 *   the race: GET again and use the winner's CA, so all replicas end up with the same bytes.
 * Each replica then issues its own serving certificates from it; leaf keys never leave the process.
 *
 * When the Secret cannot be used at all (its namespace does not exist, or meshplane's
 * ServiceAccount may not read or create it) the caller falls back to a CA of its own and says so:
 * {@link CaSecretUnavailableError}. Network errors and 5xx answers are retried for a while.
 *
 * The two calls go over node:https with the KubeConfig's credentials (re-applied on each call),
 * as the status client and TokenReview do: no static import of `@kubernetes/client-node`.
 */
import { createPrivateKey } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp, KubeStatusError, statusError } from '../galley/sources/kube-http.js';
import { createCertificateAuthority } from '../galley/webhook/x509.js';
import type { Logger } from '../util/log.js';
import { caFromPem, type IssuedCertificate } from './certificate.js';
import { decodeCaSecret, encodeCaSecret, type SecretObject } from './ca-secret-codec.js';

/** The two API calls on Secrets (tests pass a fake). */
export interface SecretApi {
  /** The Secret, or undefined on 404. Rejects with a {@link KubeStatusError} otherwise. */
  get(namespace: string, name: string): Promise<SecretObject | undefined>;
  /** Creates it; rejects with a {@link KubeStatusError} (409 when it already exists). */
  create(namespace: string, secret: SecretObject): Promise<SecretObject>;
}

/** The Secret cannot be used (namespace missing, RBAC): the caller may fall back to a local CA. */
export class CaSecretUnavailableError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'CaSecretUnavailableError';
  }
}

export interface SharedCaRequest {
  readonly api: SecretApi;
  readonly namespace: string;
  readonly name: string;
  /** Common name of a CA generated here (`meshplane-mesh-ca`, `meshplane-webhook-ca`). */
  readonly commonName: string;
  readonly validDays?: number;
  readonly logger?: Logger;
  /** How long network errors and 5xx answers are retried (default 60 s). */
  readonly retryForMs?: number;
  readonly retryDelayMs?: number;
}

export interface SharedCa {
  readonly ca: IssuedCertificate;
  /** Whether this call created the Secret. */
  readonly created: boolean;
}

/** The Secret exists but holds no usable CA: never retried, never overwritten. */
export class CaSecretInvalidError extends Error {
  override name = 'CaSecretInvalidError';
}

function fromSecret(secret: SecretObject): IssuedCertificate {
  const decoded = decodeCaSecret(secret);
  if (!decoded.ok) throw new CaSecretInvalidError(`${decoded.error}; fix or delete it`);
  try {
    return caFromPem(decoded.certPem, createPrivateKey(decoded.keyPem), decoded.keyPem);
  } catch (err) {
    throw new CaSecretInvalidError(
      `Secret ${secret.metadata.namespace ?? ''}/${secret.metadata.name}: ${err instanceof Error ? err.message : String(err)}; fix or delete it`,
    );
  }
}

const transient = (err: unknown): boolean =>
  err instanceof KubeStatusError
    ? err.code >= 500 || err.code === 429
    : !(err instanceof CaSecretInvalidError);

function unavailable(err: KubeStatusError, namespace: string, name: string): CaSecretUnavailableError {
  const why =
    err.code === 404
      ? `namespace ${namespace} does not exist`
      : `meshplane may not get/create Secret ${namespace}/${name} (grant it as deploy/meshplane.yaml's Role does)`;
  return new CaSecretUnavailableError(err.code, `${why}: ${err.message}`);
}

/** One get-or-create round; throws KubeStatusError / network errors as they come. */
async function getOrCreate(req: SharedCaRequest): Promise<SharedCa> {
  const { api, namespace, name } = req;
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await api.get(namespace, name);
    if (existing) return { ca: fromSecret(existing), created: false };
    const generated = createCertificateAuthority(req.commonName, { validDays: req.validDays ?? 3650 });
    try {
      await api.create(namespace, encodeCaSecret(name, namespace, generated));
      return { ca: generated, created: true };
    } catch (err) {
      // 409: another replica created it between our GET and CREATE; read theirs.
      if (!(err instanceof KubeStatusError) || err.code !== 409) throw err;
      req.logger?.debug({ namespace, name }, 'CA Secret created by another replica first; reading it');
    }
  }
  throw new Error(`Secret ${namespace}/${name} keeps appearing and disappearing; giving up`);
}

/**
 * The CA in Secret `namespace/name`, created with a new CA if absent; see the module comment.
 * Rejects with {@link CaSecretUnavailableError} on 403/404 (and 401), with an Error naming the
 * Secret if it holds no usable CA, and with the last error once transient failures outlast
 * `retryForMs`.
 */
export async function loadOrCreateSharedCa(req: SharedCaRequest): Promise<SharedCa> {
  const deadline = Date.now() + (req.retryForMs ?? 60_000);
  let delay = req.retryDelayMs ?? 500;
  for (;;) {
    try {
      return await getOrCreate(req);
    } catch (err) {
      if (err instanceof KubeStatusError && [401, 403, 404].includes(err.code))
        throw unavailable(err, req.namespace, req.name);
      if (!transient(err) || Date.now() + delay > deadline) throw err;
      req.logger?.warn(
        { namespace: req.namespace, name: req.name, err: err instanceof Error ? err.message : String(err) },
        'CA Secret: API server unavailable; retrying',
      );
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5_000);
    }
  }
}

/** {@link SecretApi} against the API server of a KubeConfig. */
export class KubeSecretApi implements SecretApi {
  private readonly http: KubeHttp;

  constructor(kc: KubeConfig, timeoutMs = 15_000) {
    this.http = new KubeHttp(kc, { requestTimeoutMs: timeoutMs });
  }

  private static path(namespace: string, name?: string): string {
    const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
  }

  async get(namespace: string, name: string): Promise<SecretObject | undefined> {
    const path = KubeSecretApi.path(namespace, name);
    const { code, body } = await this.http.request('GET', path);
    if (code === 404) return undefined;
    if (code !== 200) throw statusError(code, body, `get ${path}`);
    return JSON.parse(body) as SecretObject;
  }

  async create(namespace: string, secret: SecretObject): Promise<SecretObject> {
    const path = KubeSecretApi.path(namespace);
    const { code, body } = await this.http.request('POST', path, JSON.stringify(secret));
    if (code !== 201 && code !== 200) throw statusError(code, body, `create ${path}`);
    return JSON.parse(body) as SecretObject;
  }
}
