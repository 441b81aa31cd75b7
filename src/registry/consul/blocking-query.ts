/**
 * One Consul blocking query, repeated (https://developer.hashicorp.com/consul/api-docs/features/blocking):
 * each request carries `index` = the last `X-Consul-Index` and `wait`, so Consul holds it until the
 * result changes or the wait ends; no busy polling. The documented rules are kept:
 * - an index that goes backwards (a restarted agent, a snapshot restore) resets to 0;
 * - never block on index 0 (the request is then a plain read), and a loop that does not advance
 *   the index is rate limited, so a misbehaving server cannot make it spin;
 * - a return is not a change: the caller compares data (ServiceSnapshot reports nothing when
 *   nothing changed).
 * Failures back off exponentially and never touch the caller's data.
 */
import { getJson } from '../http-json.js';
import { backoffMs, sleep } from '../sync-state.js';

export interface BlockingQueryOptions {
  /** Path and fixed query, e.g. `/v1/health/service/web?dc=dc1`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly waitSeconds: number;
  readonly signal: AbortSignal;
  /** A good answer; a throw here counts as a failure (bad shape). */
  readonly onResult: (body: unknown) => void;
  readonly onError: (err: unknown) => void;
  /** Least time between two requests that did not advance the index (default 1000 ms). */
  readonly minIdleIntervalMs?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

/** Runs until `signal` aborts. */
export async function runBlockingQuery(o: BlockingQueryOptions): Promise<void> {
  let index = 0;
  let failures = 0;
  const minIdle = o.minIdleIntervalMs ?? 1000;
  const sep = o.url.includes('?') ? '&' : '?';
  while (!o.signal.aborted) {
    const started = Date.now();
    const url = index > 0 ? `${o.url}${sep}index=${index}&wait=${o.waitSeconds}s` : o.url;
    let next = index;
    try {
      // Consul adds up to wait/16 of jitter; allow that plus a margin before calling it a failure.
      const res = await getJson(url, {
        headers: o.headers,
        signal: o.signal,
        timeoutMs: o.waitSeconds * 1000 * (17 / 16) + 10_000,
      });
      if (o.signal.aborted) return;
      const header = Number(res.headers.get('x-consul-index') ?? '0');
      next = Number.isSafeInteger(header) && header > 0 ? header : 0;
      if (next < index) next = 0;
      o.onResult(res.body);
      failures = 0;
    } catch (err) {
      if (o.signal.aborted) return;
      failures++;
      o.onError(err);
      index = 0;
      await sleep(backoffMs(failures, o.backoffBaseMs ?? 500, o.backoffMaxMs ?? 10_000), o.signal);
      continue;
    }
    const advanced = next > index;
    index = next;
    if (!advanced) await sleep(minIdle - (Date.now() - started), o.signal);
  }
}
