/**
 * This replica's rejection report (issue 8): the configs its connected proxies reject, published
 * as the ConfigMap `meshplane-rejections-<replica-id>` (label `meshplane.io/rejections=true`,
 * heartbeat annotation) in meshplane's namespace, so the status leader can merge every replica's
 * view (`merge-rejections.ts`). As istiod's per-replica distribution reports:
 * - a change is written after `coalesceMs` (a NACK storm costs one write), the latest list wins;
 * - the report is re-written every `heartbeatMs` even unchanged, so a killed replica's report
 *   goes stale and the leader stops counting its proxies;
 * - a graceful stop deletes it (those proxies reconnect elsewhere and are reported there);
 * - nothing is written before Pilot's first report (it waits for its proxies to reconnect after a
 *   restart), so a replica that knows nothing yet never says "no rejections".
 * Failed writes are retried at the next heartbeat; nothing here throws to the caller.
 */
import type { Logger } from '../../util/log.js';
import type { ObjectRejections } from './reconciled-status.js';
import {
  decodeReport,
  encodeReport,
  REPORT_LABEL,
  reportName,
  type RejectionReport,
  type ReportConfigMap,
} from './merge-rejections.js';

/** The ConfigMap calls reports need (tests pass a fake). */
export interface ConfigMapApi {
  listConfigMaps(namespace: string, labelSelector: string): Promise<ReportConfigMap[]>;
  /** Creates or replaces (unconditionally). */
  putConfigMap(namespace: string, cm: ReportConfigMap): Promise<void>;
  /** Absent is fine. */
  deleteConfigMap(namespace: string, name: string): Promise<void>;
}

export interface RejectionReportsOptions {
  readonly api: ConfigMapApi;
  readonly namespace: string;
  readonly replicaId: string;
  /** Re-write period (default 15 s). */
  readonly heartbeatMs?: number;
  /** Wait after a change before writing (default 500 ms). */
  readonly coalesceMs?: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class RejectionReports {
  private current: readonly ObjectRejections[] = [];
  /** Pilot has reported since start: before that this replica knows nothing, and says nothing. */
  private reported = false;
  private dirty = true;
  private writing: Promise<void> | undefined;
  private changeTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failing = false;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: RejectionReportsOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ scope: 'rejection-reports', replica: options.replicaId });
  }

  /** This replica's current list (what the leader uses for itself, fresher than its ConfigMap). */
  own(): RejectionReport {
    return { replicaId: this.options.replicaId, heartbeatMs: this.now(), rejections: this.current };
  }

  /** Whether Pilot has reported since start (its settle period after a restart is over). */
  hasReported(): boolean {
    return this.reported;
  }

  /** Heartbeats; the first write waits for Pilot's first report. */
  start(): void {
    const every = this.options.heartbeatMs ?? 15_000;
    this.heartbeatTimer = setInterval(() => {
      this.dirty = true;
      void this.flush();
    }, every);
    this.heartbeatTimer.unref();
  }

  /** Takes the full current list; written after the coalescing delay. Never blocks. */
  publish(list: readonly ObjectRejections[]): void {
    if (this.stopped) return;
    this.current = list;
    this.reported = true;
    this.dirty = true;
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      void this.flush();
    }, this.options.coalesceMs ?? 500);
    this.changeTimer.unref();
  }

  /** Writes the report if it changed since the last write (one write in flight at a time). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (!this.dirty || this.stopped || !this.reported) return;
    this.dirty = false;
    this.writing = this.write().finally(() => (this.writing = undefined));
    await this.writing;
  }

  private async write(): Promise<void> {
    const { api, namespace } = this.options;
    try {
      await api.putConfigMap(namespace, encodeReport(this.own()));
      if (this.failing) this.log.info('rejection report written again');
      this.failing = false;
    } catch (err) {
      this.dirty = true;
      const message = err instanceof Error ? err.message : String(err);
      if (!this.failing)
        this.log.warn({ err: message }, 'rejection report not written; retrying at the next heartbeat');
      this.failing = true;
    }
  }

  /** Every replica's report, this one's included as last written (throws on API errors). */
  async list(): Promise<RejectionReport[]> {
    const cms = await this.options.api.listConfigMaps(this.options.namespace, `${REPORT_LABEL}=true`);
    return cms.map(decodeReport);
  }

  /** Deletes another replica's abandoned report (leader housekeeping); errors are logged. */
  async remove(report: RejectionReport): Promise<void> {
    try {
      await this.options.api.deleteConfigMap(this.options.namespace, reportName(report.replicaId));
      this.log.info({ replica: report.replicaId }, 'deleted an abandoned rejection report');
    } catch (err) {
      this.log.debug(
        { err: err instanceof Error ? err.message : String(err) },
        'abandoned report not deleted',
      );
    }
  }

  /** Stops heartbeats and deletes this replica's report. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.changeTimer) clearTimeout(this.changeTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.writing?.catch(() => undefined);
    try {
      await this.options.api.deleteConfigMap(this.options.namespace, reportName(this.options.replicaId));
    } catch (err) {
      this.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'rejection report not deleted',
      );
    }
  }
}
