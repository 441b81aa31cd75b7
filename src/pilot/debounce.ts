/**
 * Push debouncing (Istio's PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX): config events merge into
 * one PushRequest that fires once no event arrived for the quiet period, or once the first merged
 * event is `maxDelayMs` old, so a steady stream of changes still converges. Endpoint-only
 * requests take the fast path and skip the quiet period (design §5). At most one push runs at a
 * time: events arriving meanwhile merge into the next.
 */
import { mergePushRequests, type PushRequest } from '../model/push-request.js';
import type { Logger } from '../util/log.js';

/** The clock and timer used (injectable for tests). */
export interface DebounceTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DebounceOptions {
  readonly onPush: (request: PushRequest) => void | Promise<void>;
  /** Quiet period after the last event (ms), default 100. */
  readonly quietMs?: number;
  /** Longest an event waits (ms), default 10 000. */
  readonly maxDelayMs?: number;
  /** Endpoint-only (non-full) requests bypass the quiet period, default true. */
  readonly edsBypass?: boolean;
  readonly timers?: DebounceTimers;
  readonly logger?: Logger;
}

const systemTimers: DebounceTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Debouncer {
  private readonly quietMs: number;
  private readonly maxDelayMs: number;
  private readonly edsBypass: boolean;
  private readonly timers: DebounceTimers;
  private pending: PushRequest | undefined;
  private firstAt = 0;
  private lastAt = 0;
  private timer: unknown;
  private inFlight = false;
  private stopped = false;
  private pushes = 0;

  constructor(private readonly options: DebounceOptions) {
    this.quietMs = options.quietMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
    this.edsBypass = options.edsBypass ?? true;
    this.timers = options.timers ?? systemTimers;
  }

  /** Adds an event. */
  enqueue(request: PushRequest): void {
    if (this.stopped) return;
    if (this.edsBypass && !request.full) {
      void this.run(request, false);
      return;
    }
    const now = this.timers.now();
    if (!this.pending) this.firstAt = now;
    this.lastAt = now;
    this.pending = mergePushRequests(this.pending, request);
    if (this.timer === undefined && !this.inFlight) this.schedule(this.quietMs);
  }

  /** Fires what is pending now (shutdown, tests). */
  async flush(): Promise<void> {
    this.cancelTimer();
    const req = this.pending;
    this.pending = undefined;
    if (req) await this.run(req, true);
  }

  /** Drops what is pending; later events are ignored. */
  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    this.pending = undefined;
  }

  hasPending(): boolean {
    return this.pending !== undefined;
  }

  /** Number of pushes fired (debounced and fast path). */
  pushCount(): number {
    return this.pushes;
  }

  private schedule(ms: number): void {
    this.cancelTimer();
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.check();
    }, ms);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    if (!this.pending || this.stopped || this.inFlight) return;
    const now = this.timers.now();
    const quiet = now - this.lastAt;
    const age = now - this.firstAt;
    if (quiet >= this.quietMs || age >= this.maxDelayMs) {
      const req = this.pending;
      this.pending = undefined;
      void this.run(req, true);
      return;
    }
    this.schedule(Math.min(this.quietMs - quiet, this.maxDelayMs - age));
  }

  private async run(request: PushRequest, debounced: boolean): Promise<void> {
    if (debounced) this.inFlight = true;
    this.pushes++;
    try {
      await this.options.onPush(request);
    } catch (err) {
      this.options.logger?.error({ err: err instanceof Error ? err.message : String(err) }, 'push failed');
    } finally {
      if (debounced) {
        this.inFlight = false;
        // Events that arrived during the push: continue their debounce from where it stands.
        if (this.pending && !this.stopped) this.check();
      }
    }
  }
}
