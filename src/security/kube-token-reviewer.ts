/**
 * TokenReview against the Kubernetes API server meshplane is configured with (kubeconfig or the
 * pod's ServiceAccount), with verdicts cached briefly by token hash: a proxy reconnecting (or
 * opening its second stream) is not a second API call. Network errors and 5xx answers are not
 * cached and are reported as transient (the stream is refused with UNAVAILABLE and retried).
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  buildTokenReview,
  interpretTokenReview,
  jwtExpiry,
  TOKEN_REVIEW_PATH,
  type TokenReviewer,
  type TokenReviewResult,
} from './token-review.js';

export interface KubeTokenReviewerOptions {
  /** Audiences the token must be bound to; empty: no audience check. */
  readonly audiences: readonly string[];
  /** How long an accepted token's verdict is reused (ms, default 60 s; never past its `exp`). */
  readonly cacheTtlMs?: number;
  /** How long a rejected token's verdict is reused (ms, default 5 s). */
  readonly negativeCacheTtlMs?: number;
  readonly maxCacheEntries?: number;
  readonly requestTimeoutMs?: number;
  readonly now?: () => number;
}

interface Cached {
  readonly result: TokenReviewResult;
  readonly expires: number;
}

export class KubeTokenReviewer implements TokenReviewer {
  private readonly cache = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<TokenReviewResult>>();
  private readonly server: URL;
  private readonly now: () => number;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: KubeTokenReviewerOptions,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.now = options.now ?? Date.now;
  }

  async review(token: string): Promise<TokenReviewResult> {
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit && hit.expires > this.now()) return hit.result;
    if (hit) this.cache.delete(key);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const call = this.call(token).finally(() => this.inflight.delete(key));
    this.inflight.set(key, call);
    const result = await call;
    if (result.ok || !result.transient) this.remember(key, token, result);
    return result;
  }

  private remember(key: string, token: string, result: TokenReviewResult): void {
    const now = this.now();
    let ttl = result.ok ? (this.options.cacheTtlMs ?? 60_000) : (this.options.negativeCacheTtlMs ?? 5_000);
    const exp = jwtExpiry(token);
    if (result.ok && exp !== undefined) ttl = Math.min(ttl, exp * 1000 - now);
    if (ttl <= 0) return;
    const max = this.options.maxCacheEntries ?? 10_000;
    while (this.cache.size >= max) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    this.cache.set(key, { result, expires: now + ttl });
  }

  private async call(token: string): Promise<TokenReviewResult> {
    const base = this.server.pathname.replace(/\/$/, '');
    const url = new URL(`${base}${TOKEN_REVIEW_PATH}`, this.server);
    const body = JSON.stringify(buildTokenReview(token, this.options.audiences));
    const opts: RequestOptions = {
      headers: { accept: 'application/json', 'content-type': 'application/json' },
    };
    try {
      await this.kc.applyToHTTPSOptions(opts);
      const { status, text } = await post(url, opts, body, this.options.requestTimeoutMs ?? 10_000);
      if (status === 201 || status === 200)
        return interpretTokenReview(JSON.parse(text), this.options.audiences);
      const message = `TokenReview: HTTP ${status} ${text.slice(0, 300)}`;
      // 401/403: meshplane itself may not create TokenReviews (RBAC): an operator error, not the token's.
      return {
        ok: false,
        error: message,
        transient: status >= 500 || status === 429 || status === 403 || status === 401,
      };
    } catch (err) {
      return {
        ok: false,
        error: `TokenReview failed: ${err instanceof Error ? err.message : String(err)}`,
        transient: true,
      };
    }
  }
}

function post(
  url: URL,
  opts: RequestOptions,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { ...opts, method: 'POST', timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: POST ${url.pathname}`)));
    req.on('error', reject);
    req.end(body);
  });
}
