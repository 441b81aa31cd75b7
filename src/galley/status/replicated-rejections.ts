/**
 * Replica-aware `Reconciled` status (issue 8), wiring the pieces: this replica publishes its own
 * rejection report (`rejection-reports.ts`) and competes for the status leader Lease
 * (`leader-lease.ts`); the leader polls every replica's report, merges the live ones
 * (`merge-rejections.ts`) and hands the merged list to the status writer. Without this, two
 * replicas would each write what only their own proxies say and overwrite each other (flapping).
 * A new leader first reads the reports, then writes: nothing is lost on failover, and until that
 * first read it leaves `Reconciled` as found. A replica that stops leading tells the writer to
 * forget rejections, so it goes back to writing only `Valid`.
 *
 * `Valid` stays written by every replica: the verdict is deterministic (same validator, same
 * object), the writer skips a status that already says it, and each write carries the object's
 * resourceVersion, so replicas racing on one object cost a 409 and a re-read, never a flap.
 */
import type { Logger } from '../../util/log.js';
import { LeaderLease, type LeaseApi } from './leader-lease.js';
import { isAbandoned, mergeRejections, type RejectionReport } from './merge-rejections.js';
import type { ObjectRejections } from './reconciled-status.js';
import { RejectionReports, type ConfigMapApi } from './rejection-reports.js';

export interface ReplicatedRejectionsOptions {
  readonly api: ConfigMapApi & LeaseApi;
  readonly namespace: string;
  readonly replicaId: string;
  /** Reports with an older heartbeat are ignored (default 45 s). */
  readonly reportTtlMs?: number;
  /** Report heartbeat (default the smaller of 15 s and a third of the TTL). */
  readonly heartbeatMs?: number;
  /** Lease duration (default 15 s). */
  readonly leaseDurationMs?: number;
  /** How often the leader reads the reports (default the smaller of 5 s and a third of the TTL). */
  readonly pollMs?: number;
  readonly logger: Logger;
  /** The merged list (leader only). */
  readonly onMerged: (list: readonly ObjectRejections[]) => void;
  /** This replica stopped leading: it must no longer write `Reconciled`. */
  readonly onLeadershipLost: () => void;
  readonly now?: () => number;
}

export class ReplicatedRejections {
  readonly reports: RejectionReports;
  readonly lease: LeaderLease;
  private others: RejectionReport[] | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: ReplicatedRejectionsOptions) {
    this.ttlMs = options.reportTtlMs ?? 45_000;
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ scope: 'replicated-rejections' });
    this.reports = new RejectionReports({
      api: options.api,
      namespace: options.namespace,
      replicaId: options.replicaId,
      heartbeatMs: options.heartbeatMs ?? Math.min(15_000, Math.floor(this.ttlMs / 3)),
      logger: options.logger,
      now: this.now,
    });
    this.lease = new LeaderLease({
      api: options.api,
      namespace: options.namespace,
      identity: options.replicaId,
      leaseDurationMs: options.leaseDurationMs ?? 15_000,
      logger: options.logger,
      now: this.now,
      onChange: (leader) => this.onLeadership(leader),
    });
  }

  start(): void {
    this.reports.start();
    this.lease.start();
    const every = this.options.pollMs ?? Math.min(5_000, Math.floor(this.ttlMs / 3));
    this.pollTimer = setInterval(() => void this.poll(), Math.max(100, every));
    this.pollTimer.unref();
  }

  /** This replica's full current list (Pilot's report); the leader re-merges at once. */
  report(list: readonly ObjectRejections[]): void {
    this.reports.publish(list);
    if (this.lease.isLeader() && this.others) this.emit();
  }

  /** Reads every report and, when leading, merges them into the status writer. Never throws. */
  async poll(): Promise<void> {
    if (!this.lease.isLeader() || this.polling) return;
    this.polling = true;
    try {
      const all = await this.reports.list();
      if (!this.lease.isLeader()) return;
      const now = this.now();
      this.others = all.filter((r) => r.replicaId !== this.options.replicaId);
      this.emit();
      for (const r of this.others) if (isAbandoned(r, now, this.ttlMs)) void this.reports.remove(r);
    } catch (err) {
      if (this.lease.isSolo()) {
        // No coordination possible (see leader-lease.ts): this replica's own view only.
        this.others = [];
        this.emit();
        return;
      }
      this.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'could not read rejection reports',
      );
    } finally {
      this.polling = false;
    }
  }

  private emit(): void {
    // Until this replica's Pilot has settled, a leader fresh from a restart would clear every
    // `Reconciled=False` before the proxies are back (as the single-replica writer waits too).
    if (!this.reports.hasReported()) return;
    const merged = mergeRejections([this.reports.own(), ...(this.others ?? [])], this.now(), this.ttlMs);
    this.options.onMerged(merged);
  }

  private onLeadership(leader: boolean): void {
    this.others = undefined;
    if (leader) void this.poll();
    else this.options.onLeadershipLost();
  }

  /** Gives up the lease and deletes this replica's report. */
  async stop(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    await Promise.all([this.lease.stop(), this.reports.stop()]);
  }
}
