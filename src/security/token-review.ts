/**
 * Kubernetes TokenReview (authentication.k8s.io/v1), the pure half: the request body for a
 * bearer token and the verdict read from the API server's answer. This is how istiod checks the
 * ServiceAccount token an Istio proxy sends in its `authorization` metadata: the API server
 * verifies signature, expiry, audience and that the bound pod and ServiceAccount still exist.
 */
import { identityFromServiceAccountUsername, type WorkloadIdentity } from './identity.js';

export const TOKEN_REVIEW_PATH = '/apis/authentication.k8s.io/v1/tokenreviews';

export type TokenReviewResult =
  | { readonly ok: true; readonly identity: WorkloadIdentity }
  /** `transient`: the review could not be done (API server unreachable); not a verdict on the token. */
  | { readonly ok: false; readonly error: string; readonly transient?: boolean };

export interface TokenReviewer {
  review(token: string): Promise<TokenReviewResult>;
}

/** The TokenReview to POST; `audiences` empty: the API server's own audiences apply. */
export function buildTokenReview(token: string, audiences: readonly string[]): Record<string, unknown> {
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: { token, ...(audiences.length > 0 ? { audiences: [...audiences] } : {}) },
  };
}

interface TokenReviewStatus {
  authenticated?: boolean;
  error?: string;
  audiences?: string[];
  user?: { username?: string };
}

/**
 * Reads the API server's answer. The token is accepted only if it authenticated, is bound to one
 * of `audiences` (when any were asked: the answer's `status.audiences` must name one, as
 * istiod checks) and belongs to a ServiceAccount.
 */
export function interpretTokenReview(body: unknown, audiences: readonly string[]): TokenReviewResult {
  const status = (body as { status?: TokenReviewStatus } | null)?.status;
  if (!status || typeof status !== 'object') return { ok: false, error: 'TokenReview answer has no status' };
  if (status.authenticated !== true)
    return { ok: false, error: `token rejected by the API server: ${status.error || 'not authenticated'}` };
  if (audiences.length > 0) {
    const got = Array.isArray(status.audiences) ? status.audiences : [];
    if (!got.some((a) => audiences.includes(a)))
      return {
        ok: false,
        error: `token audiences ${JSON.stringify(got)} do not include ${audiences.map((a) => JSON.stringify(a)).join(' or ')}`,
      };
  }
  const username = status.user?.username ?? '';
  const parsed = identityFromServiceAccountUsername(username);
  return parsed.ok ? { ok: true, identity: parsed.value } : { ok: false, error: parsed.error };
}

/**
 * The `exp` claim of a JWT (seconds since the epoch), read without verifying anything: only to
 * keep a cached verdict from outliving the token. Undefined when the token is not a readable JWT.
 */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}

/** `authorization: Bearer <token>` (RFC 6750 §2.1; the scheme is case-insensitive). */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}
