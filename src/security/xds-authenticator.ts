/**
 * Who is on the other end of an ADS stream on the TLS port, and may it have the config it asks
 * for. As istiod on 15012: a proxy proves a workload identity with a client certificate signed
 * by the mesh CA (SPIFFE ID in its URI SAN) or with its ServiceAccount token in the
 * `authorization: Bearer` metadata (checked by a Kubernetes TokenReview), and is then served only
 * if the namespace its node claims is the namespace of that identity. The first method that
 * proves an identity wins; every refusal is logged at warn with the node, the peer and why.
 */
import { X509Certificate } from 'node:crypto';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Proxy } from '../model/proxy.js';
import type { Logger } from '../util/log.js';
import type { AuthorizeCall, AuthorizeResult } from '../xds/connection-types.js';
import {
  checkNamespaceBinding,
  claimedNamespaces,
  describeIdentity,
  identityFromSubjectAltName,
  type WorkloadIdentity,
} from './identity.js';
import { bearerToken, type TokenReviewer } from './token-review.js';

export type XdsAuthMethod = 'mtls' | 'jwt' | 'none';

export interface XdsAuthenticatorOptions {
  /** `none` alone: no authentication (TLS only); otherwise any of `mtls`, `jwt`. */
  readonly methods: readonly XdsAuthMethod[];
  readonly trustDomain: string;
  /** TokenReview client; absent: JWT authentication is unavailable (no Kubernetes API). */
  readonly reviewer?: TokenReviewer;
  readonly logger: Logger;
}

/** The parts of a gRPC server call the authenticator reads. */
export type AuthCall = AuthorizeCall;

export type Authentication =
  | { readonly ok: true; readonly identity?: WorkloadIdentity }
  | { readonly ok: false; readonly code: GrpcStatus; readonly reasons: readonly string[] };

export class XdsAuthenticator {
  constructor(private readonly options: XdsAuthenticatorOptions) {}

  /** Proves the caller's identity from its certificate or token. */
  async authenticate(call: AuthCall): Promise<Authentication> {
    const { methods } = this.options;
    if (methods.includes('none')) return { ok: true };
    const reasons: string[] = [];
    if (methods.includes('mtls')) {
      const cert = call.getAuthContext().sslPeerCertificate;
      if (cert?.raw) {
        const parsed = identityFromSubjectAltName(
          new X509Certificate(cert.raw).subjectAltName,
          this.options.trustDomain,
        );
        if (parsed.ok) return { ok: true, identity: parsed.value };
        reasons.push(parsed.error);
      } else reasons.push('no client certificate signed by the mesh CA');
    }
    let transient = false;
    if (methods.includes('jwt')) {
      const header = call.metadata.get('authorization')[0];
      const token = bearerToken(typeof header === 'string' ? header : header?.toString('utf8'));
      if (!token) reasons.push(header ? 'authorization metadata is not "Bearer <token>"' : 'no bearer token');
      else if (!this.options.reviewer)
        reasons.push('bearer token sent but JWT authentication is unavailable (no Kubernetes API)');
      else {
        const verdict = await this.options.reviewer.review(token);
        if (verdict.ok) return { ok: true, identity: verdict.identity };
        reasons.push(verdict.error);
        transient ||= verdict.transient === true;
      }
    }
    return { ok: false, code: transient ? GrpcStatus.UNAVAILABLE : GrpcStatus.UNAUTHENTICATED, reasons };
  }

  /**
   * The server's `authorize` hook: authenticates the caller, then binds the node it claims to the
   * identity it proved. Refusals: UNAUTHENTICATED (no identity), PERMISSION_DENIED (another
   * namespace), UNAVAILABLE (the TokenReview could not be done; the proxy retries).
   */
  async authorize(proxy: Proxy, call: AuthCall): Promise<AuthorizeResult> {
    const log = this.options.logger;
    const peer = safePeer(call);
    let auth: Authentication;
    try {
      auth = await this.authenticate(call);
    } catch (err) {
      auth = {
        ok: false,
        code: GrpcStatus.UNAUTHENTICATED,
        reasons: [err instanceof Error ? err.message : String(err)],
      };
    }
    if (!auth.ok) {
      const why = auth.reasons.join('; ');
      log.warn(
        { node: proxy.id, peer, reasons: auth.reasons },
        `xDS stream from node ${proxy.id} (${peer}) refused: not authenticated: ${why}`,
      );
      return { ok: false, code: auth.code, details: `xDS authentication failed: ${why}` };
    }
    if (!auth.identity) return { ok: true };
    const identity = describeIdentity(auth.identity);
    const binding = checkNamespaceBinding(proxy, auth.identity);
    if (!binding.ok) {
      log.warn(
        {
          node: proxy.id,
          peer,
          identity,
          claimed: claimedNamespaces(proxy),
          namespace: auth.identity.namespace,
        },
        `xDS stream refused: ${binding.reason}`,
      );
      return { ok: false, code: GrpcStatus.PERMISSION_DENIED, details: binding.reason };
    }
    log.info({ node: proxy.id, peer, identity, method: auth.identity.method }, 'xDS stream authenticated');
    return { ok: true };
  }
}

function safePeer(call: AuthCall): string {
  try {
    return call.getPeer();
  } catch {
    return 'unknown';
  }
}
