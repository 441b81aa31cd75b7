/**
 * Writes verdicts back into the `status` of Istio config objects: validation (`Valid`, issue 4)
 * and proxy rejections (`Reconciled`, issue 8), merged into one wanted status per object by the
 * pure {@link decideObjectStatus}, so both conditions live side by side and one write carries
 * both. The I/O half. Modelled on how istiod's status manager
 * behaves (pilot/pkg/status): at most one write in flight per object, with the latest wanted
 * state replacing any older one while it waits; a client-side rate limit (istiod's
 * PILOT_STATUS_QPS / PILOT_STATUS_BURST defaults, 100 and 500); and a write only when the
 * object's status differs from what it should be.
 *
 * - `observe()` is synchronous and cheap: the Kubernetes source calls it for every verdict and is
 *   never slowed down by the API server; everything else happens on timers. It also keeps the
 *   latest view of every object, so a rejection can be written without reading the object.
 * - `observeRejections()` takes Pilot's full current list of rejected configs; only objects whose
 *   rejection changed are reconsidered, and only those read from Kubernetes (config-directory
 *   objects have no status to write). Until Pilot's first report the `Reconciled` condition is
 *   left as found (a restart does not flip a rejected object to True before its proxies are back).
 * - Coalescing: an object's first pending change waits `coalesceMs` (`reconcileCoalesceMs` when
 *   the change is a rejection: NACKs from thousands of proxies arrive over a second or so), and
 *   every change arriving meanwhile replaces the pending one, so an event or NACK storm costs one
 *   write per object.
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
  decideObjectStatus,
  reconciledMessage,
  RECONCILED_CONDITION,
  type ObjectRejections,
  type ProxyRejection,
} from './reconciled-status.js';
import {
  readConditions,
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
  /** The same for a change of the proxies rejecting an object (default 1000 ms). */
  readonly reconcileCoalesceMs?: number;
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
  readonly key: string;
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

interface Rejection {
  readonly proxies: readonly ProxyRejection[];
  readonly message: string;
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
  /** Every object seen, with its latest view and verdict. */
  private readonly entries = new Map<string, Entry>();
  /** Objects waiting for a decision or a write, or being written. */
  private readonly queue = new Set<Entry>();
  /** Proxies rejecting each object, with the message they make (what changes a write). */
  private rejections = new Map<string, Rejection>();
  /** Pilot has reported since this writer started (until then `Reconciled` is left as it is). */
  private rejectionsReported = false;
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
      if (!entry) return;
      this.entries.delete(key);
      if (entry.inFlight) entry.gone = true;
      else this.queue.delete(entry);
      return;
    }
    if (entry) {
      entry.object = entry.inFlight ? newer(entry.object, verdict.object) : verdict.object;
      entry.errors = verdict.errors;
      entry.gone = false;
      this.reconsider(entry, this.options.coalesceMs ?? 200);
      return;
    }
    const target: StatusTarget = { kind: verdict.kind, namespace: verdict.namespace, name: verdict.name };
    const created: Entry = {
      key,
      target,
      object: verdict.object,
      errors: verdict.errors,
      dirty: false,
      inFlight: false,
      gone: false,
      notBefore: 0,
      failures: 0,
    };
    this.entries.set(key, created);
    this.reconsider(created, this.options.coalesceMs ?? 200);
  }

  /**
   * Takes the full current list of configs that connected proxies reject (an object absent from
   * it is rejected by none). Objects not read from Kubernetes are ignored. Never blocks.
   */
  observeRejections(list: readonly ObjectRejections[]): void {
    if (this.stopped) return;
    const next = new Map<string, Rejection>();
    for (const r of list) {
      if (!isIstioKind(r.kind) || r.proxies.length === 0) continue;
      next.set(`${r.kind}/${r.namespace}/${r.name}`, {
        proxies: r.proxies,
        message: reconciledMessage(r.proxies),
      });
    }
    const changed = new Set<string>();
    for (const [key, r] of next) if (this.rejections.get(key)?.message !== r.message) changed.add(key);
    for (const key of this.rejections.keys()) if (!next.has(key)) changed.add(key);
    if (!this.rejectionsReported) {
      // The first report settles what a previous run left: a stale `Reconciled=False` flips now.
      this.rejectionsReported = true;
      for (const [key, entry] of this.entries)
        if (readConditions(entry.object['status']).some((c) => c.type === RECONCILED_CONDITION))
          changed.add(key);
    }
    this.rejections = next;
    const delay = this.options.reconcileCoalesceMs ?? 1000;
    for (const key of changed) {
      const entry = this.entries.get(key);
      if (entry) this.reconsider(entry, delay);
    }
  }

  /**
   * Goes back to not knowing any rejections, as before Pilot's first report: `Reconciled` is left
   * as found and only `Valid` is written. A replica that stops being the status leader calls it
   * (issue 8, several replicas): only the leader, which merges every replica's reports, may
   * write `Reconciled`.
   */
  forgetRejections(): void {
    this.rejectionsReported = false;
    this.rejections = new Map();
  }

  /**
   * Queues `entry` for a decision after `delayMs` (merged with a pending one); an entry not queued
   * whose status already says the right thing is left alone, costing no timer at all.
   */
  private reconsider(entry: Entry, delayMs: number): void {
    if (!this.queue.has(entry) && !this.decide(entry)) return;
    if (!entry.dirty) {
      entry.dirty = true;
      entry.notBefore = Math.max(entry.notBefore, this.now() + delayMs);
    }
    this.queue.add(entry);
    this.schedule(Math.max(0, entry.notBefore - this.now()));
  }

  /** Objects waiting for or being written (tests, debug). */
  pending(): number {
    return this.queue.size;
  }

  /** Stops writing; writes in flight finish, nothing new starts. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.entries.clear();
    this.queue.clear();
    this.rejections.clear();
  }

  private decide(entry: Entry): StatusUpdate | undefined {
    return decideObjectStatus({
      object: entry.object,
      errors: entry.errors,
      rejections: this.rejectionsReported ? (this.rejections.get(entry.key)?.proxies ?? []) : undefined,
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
    for (const entry of this.queue) {
      if (this.inFlight >= (this.options.concurrency ?? 4)) break;
      if (!entry.dirty || entry.inFlight) continue;
      if (entry.notBefore > now) {
        wakeAt = Math.min(wakeAt, entry.notBefore);
        continue;
      }
      const update = this.decide(entry);
      if (!update) {
        entry.dirty = false;
        this.queue.delete(entry);
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
        if (entry.gone && this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
        if (entry.gone || !entry.dirty) this.queue.delete(entry);
        this.schedule(0);
      });
    }
    if (wakeAt < Infinity) this.schedule(Math.max(0, wakeAt - now));
  }

  private async write(entry: Entry, update: StatusUpdate): Promise<void> {
    const { kind, namespace, name } = entry.target;
    const valid = update.conditions.find((c) => c.type === VALID_CONDITION);
    const reconciled = update.conditions.find((c) => c.type === RECONCILED_CONDITION);
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
        { kind, namespace, name, valid: valid?.status, reconciled: reconciled?.status },
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
      // Not retried until the object or its rejections change again (entry.dirty stays false).
      this.stats.failures++;
      this.log.warn({ kind, namespace, name, err: message }, 'status write refused; not retried');
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
