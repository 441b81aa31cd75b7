/**
 * Pilot's "rejected configs changed" signal (issue 8): the I/O shell around the pure
 * {@link buildRejectedConfigs}. Something that may change the list (a NACK, an ACK clearing one,
 * a stream closing with a NACK outstanding, a new PushContext) calls `trigger()`; the list is
 * recomputed at most once per `delayMs` (a throttle, not a reset-on-every-event debounce, so a
 * steady NACK stream still reports), and `onChange` hears it only when it differs from the last
 * list reported. A NACK storm from thousands of proxies thus costs a few recomputations and a
 * few reports, and the status writer downstream coalesces per object on top.
 *
 * After `start(settleMs)` nothing is reported for `settleMs`, then the list is reported once even
 * if empty: after a restart the proxies need a moment to reconnect and NACK again, and the first
 * report is what tells the status writer that a `Reconciled=False` left by the previous run is over.
 */
import type { Logger } from '../../util/log.js';
import type { RejectedConfig } from './rejected-configs.js';

export interface RejectionWatchOptions {
  /** The current list (connections × PushContext); called on the timer, never re-entrantly. */
  readonly compute: () => RejectedConfig[];
  readonly onChange: (list: readonly RejectedConfig[]) => void;
  /** How long after the first trigger the list is recomputed (default 250 ms). */
  readonly delayMs?: number;
  readonly logger: Logger;
}

export class RejectionWatch {
  private timer: NodeJS.Timeout | undefined;
  private last: readonly RejectedConfig[] = [];
  private lastKey = '[]';
  private stopped = false;
  private notBefore = 0;
  private firstPending = false;

  constructor(private readonly options: RejectionWatchOptions) {}

  /** Reports the list `settleMs` from now even if empty, and on every change after that. */
  start(settleMs: number): void {
    this.notBefore = Date.now() + settleMs;
    this.firstPending = true;
    this.schedule(settleMs);
  }

  /** Something that may change the list happened; recompute soon. */
  trigger(): void {
    this.schedule(Math.max(this.options.delayMs ?? 250, this.notBefore - Date.now()));
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, ms);
    this.timer.unref();
  }

  /** The list as last reported. */
  current(): readonly RejectedConfig[] {
    return this.last;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    if (this.stopped) return;
    const wait = this.notBefore - Date.now();
    if (wait > 0) return this.schedule(wait);
    let list: RejectedConfig[];
    try {
      list = this.options.compute();
    } catch (err) {
      this.options.logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        'computing rejected configs failed',
      );
      return;
    }
    const key = JSON.stringify(list);
    if (key === this.lastKey && !this.firstPending) return;
    this.firstPending = false;
    this.last = list;
    this.lastKey = key;
    this.options.onChange(list);
  }
}
