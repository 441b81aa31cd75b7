/**
 * Writes validation verdicts back into the `status` of Istio config objects (issue 4): the I/O
 * half, around the pure {@link decideValidationStatus}. Modelled on how istiod's status manager
 * behaves (pilot/pkg/status): at most one write in flight per object, with the latest wanted
 * state replacing any older one while it waits; a client-side rate limit (istiod's
 * PILOT_STATUS_QPS / PILOT_STATUS_BURST defaults, 100 and 500); and a write only when the
 * object's status differs from what it should be.
 *
 * - `observe()` is synchronous and cheap: the Kubernetes source calls it for every verdict and is
 *   never slowed down by the API server; everything else happens on timers.
 * - Coalescing: an object's first pending change waits `coalesceMs`, and every verdict arriving
 *   meanwhile replaces the pending one, so an event storm costs one write per object.
 * - Our own write comes back as a watch event; its status then matches and nothing is written.
 * - A 409 Conflict (the object moved on since the verdict) re-reads the object and decides again;
 *   an outage or 5xx/429 retries with exponential backoff and jitter; a 404 drops the object; any
 *   other 4xx (e.g. RBAC) is logged and dropped until the object changes again.
 */
import { ISTIO_KINDS, type IstioKind } from '../../model/config.js';
import type { Logger } from '../../util/log.js';
import { KubeStatusError, type KubeObject } from '../sources/kube-http.js';
import type { ConfigError } from '../validation/result.js';
import type { StatusClient, StatusTarget } from './status-client.js';
import {
  decideValidationStatus,
  rfc3339,
  VALID_CONDITION,
  type ObjectVerdict,
  type StatusUpdate,
} from './validation-status.js';

export interface StatusWriterOptions {
  readonly client: StatusClient;
  readonly logger: Logger;
  /** Sustained writes per second (default 100, istiod's PILOT_STATUS_QPS). */
  readonly qps?: number;
  /** Writes allowed in a burst (default 500, istiod's PILOT_STATUS_BURST). */
  readonly burst?: number;
  /** How long an object's first pending change waits for more (default 200 ms, istiod's update interval). */
  readonly coalesceMs?: number;
  /** Writes in flight at once (default 4). */
  readonly concurrency?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

export interface StatusWriterStats {
  writes: number;
  conflicts: number;
  failures: number;
}

interface Entry {
  readonly target: StatusTarget;
  object: KubeObject;
  errors: readonly ConfigError[];
  /** Needs a decision (and maybe a write). */
  dirty: boolean;
  inFlight: boolean;
  gone: boolean;
  notBefore: number;
  failures: number;
}

const isIstioKind = (kind: string): kind is IstioKind => (ISTIO_KINDS as readonly string[]).includes(kind);

/** The more recent of two views of one object (resourceVersions are etcd revisions in practice). */
function newer(a: KubeObject, b: KubeObject): KubeObject {
  const ra = a.metadata.resourceVersion ?? '';
  const rb = b.metadata.resourceVersion ?? '';
  if (/^\d+$/.test(ra) && /^\d+$/.test(rb)) return BigInt(ra) > BigInt(rb) ? a : b;
  return b;
}

export class StatusWriter {
  readonly stats: StatusWriterStats = { writes: 0, conflicts: 0, failures: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private refilledAt: number;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private stopped = false;

  constructor(private readonly options: StatusWriterOptions) {
    this.log = options.logger.child({ scope: 'status' });
    this.now = options.now ?? Date.now;
    this.qps = options.qps ?? 100;
    this.burst = Math.max(1, options.burst ?? 500);
    this.tokens = this.burst;
    this.refilledAt = this.now();
  }

  /** Takes the latest verdict of one object; never blocks, never throws. */
  observe(verdict: ObjectVerdict): void {
    if (this.stopped || !isIstioKind(verdict.kind)) return;
    const key = `${verdict.kind}/${verdict.namespace}/${verdict.name}`;
    const entry = this.entries.get(key);
    if (!verdict.object) {
      if (entry?.inFlight) entry.gone = true;
      else this.entries.delete(key);
      return;
    }
    if (entry) {
      entry.object = entry.inFlight ? newer(entry.object, verdict.object) : verdict.object;
      entry.errors = verdict.errors;
      entry.gone = false;
      if (!entry.dirty) {
        entry.dirty = true;
        entry.notBefore = Math.max(entry.notBefore, this.now() + (this.options.coalesceMs ?? 200));
      }
    } else {
      if (!this.decide(verdict.object, verdict.errors)) return;
      const target: StatusTarget = { kind: verdict.kind, namespace: verdict.namespace, name: verdict.name };
      this.entries.set(key, {
        target,
        object: verdict.object,
        errors: verdict.errors,
        dirty: true,
        inFlight: false,
        gone: false,
        notBefore: this.now() + (this.options.coalesceMs ?? 200),
        failures: 0,
      });
    }
    this.schedule(Math.max(0, this.entries.get(key)!.notBefore - this.now()));
  }

  /** Objects waiting for or being written (tests, debug). */
  pending(): number {
    return this.entries.size;
  }

  /** Stops writing; writes in flight finish, nothing new starts. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.entries.clear();
  }

  private decide(object: KubeObject, errors: readonly ConfigError[]): StatusUpdate | undefined {
    return decideValidationStatus({
      status: object['status'],
      generation: object.metadata.generation,
      errors,
      now: rfc3339(new Date(this.now())),
    });
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    const due = this.now() + ms;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Infinity;
      this.pump();
    }, ms);
    this.timer.unref();
  }

  /** Milliseconds until a write may start (0: a token was taken). */
  private takeToken(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.qps);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.qps) * 1000);
  }

  private pump(): void {
    if (this.stopped) return;
    const now = this.now();
    let wakeAt = Infinity;
    for (const [key, entry] of this.entries) {
      if (this.inFlight >= (this.options.concurrency ?? 4)) break;
      if (!entry.dirty || entry.inFlight) continue;
      if (entry.notBefore > now) {
        wakeAt = Math.min(wakeAt, entry.notBefore);
        continue;
      }
      const update = this.decide(entry.object, entry.errors);
      if (!update) {
        this.entries.delete(key);
        continue;
      }
      const wait = this.takeToken(now);
      if (wait > 0) {
        wakeAt = Math.min(wakeAt, now + wait);
        break;
      }
      this.inFlight++;
      entry.inFlight = true;
      entry.dirty = false;
      void this.write(entry, update).finally(() => {
        this.inFlight--;
        entry.inFlight = false;
        if (entry.gone || !entry.dirty) {
          if (this.entries.get(key) === entry) this.entries.delete(key);
        }
        this.schedule(0);
      });
    }
    if (wakeAt < Infinity) this.schedule(Math.max(0, wakeAt - now));
  }

  private async write(entry: Entry, update: StatusUpdate): Promise<void> {
    const { kind, namespace, name } = entry.target;
    const valid = update.conditions.find((c) => c.type === VALID_CONDITION);
    try {
      const written = await this.options.client.patchStatus(
        entry.target,
        entry.object.metadata.resourceVersion ?? '',
        update,
      );
      this.stats.writes++;
      entry.object = newer(entry.object, written);
      entry.failures = 0;
      this.log.info(
        { kind, namespace, name, condition: VALID_CONDITION, status: valid?.status },
        'status condition written',
      );
    } catch (err) {
      await this.onError(entry, err);
    }
  }

  private async onError(entry: Entry, err: unknown): Promise<void> {
    const { kind, namespace, name } = entry.target;
    const code = err instanceof KubeStatusError ? err.code : undefined;
    const message = err instanceof Error ? err.message : String(err);
    if (code === 404) {
      entry.gone = true;
      return;
    }
    if (code === 409) {
      // Decided on a stale view: read the object again and decide anew.
      this.stats.conflicts++;
      try {
        const fresh = await this.options.client.get(entry.target);
        if (!fresh) entry.gone = true;
        else entry.object = newer(entry.object, fresh);
        entry.dirty = true;
        return;
      } catch (getErr) {
        return this.retryLater(entry, getErr instanceof Error ? getErr.message : String(getErr));
      }
    }
    if (code !== undefined && code >= 400 && code < 500 && code !== 429) {
      this.stats.failures++;
      this.log.warn({ kind, namespace, name, err: message }, 'status write refused; not retried');
      entry.gone = true;
      return;
    }
    this.retryLater(entry, message);
  }

  private retryLater(entry: Entry, message: string): void {
    this.stats.failures++;
    entry.failures++;
    const initial = this.options.initialBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    const backoff = Math.min(max, initial * 2 ** (entry.failures - 1)) * (0.5 + Math.random() / 2);
    entry.notBefore = this.now() + backoff;
    entry.dirty = true;
    const { kind, namespace, name } = entry.target;
    // The first failure is news; the retries after it are not.
    if (entry.failures === 1)
      this.log.warn({ kind, namespace, name, err: message }, 'status write failed; retrying');
    else
      this.log.debug(
        { kind, namespace, name, err: message, failures: entry.failures },
        'status write retry failed',
      );
  }
}
