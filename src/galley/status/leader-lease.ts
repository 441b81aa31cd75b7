/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection (which istiod
 * uses for its status writer, `istio-leader` election): one replica holds the Lease
 * `meshplane-status-leader` and renews it every `renewIntervalMs`; the others take it over only
 * when it is released (empty holder) or when they have seen it unchanged for a whole lease
 * duration. Expiry is judged by when this replica last *observed* the record change, not by the
 * holder's `renewTime`, so clock skew between nodes cannot make a live leader look expired.
 * Updates carry the Lease's resourceVersion: two replicas racing for it get one 409 and one win.
 * A leader that cannot renew for a lease duration steps down on its own, before anyone may take
 * over. On graceful stop the Lease is released (holder cleared) so a successor need not wait.
 *
 * When the Lease cannot be used at all (its namespace does not exist, or RBAC forbids it: an
 * install without deploy/'s Role `meshplane-status`), this replica acts as the only one and leads,
 * with a warning: one replica keeps writing `Reconciled` as before issue 8, and several would
 * overwrite each other again, which the warning says.
 */
import type { Logger } from '../../util/log.js';
import { KubeStatusError } from '../sources/kube-http.js';

export interface LeaseObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
  };
  readonly spec?: {
    readonly holderIdentity?: string | null;
    readonly leaseDurationSeconds?: number;
    readonly acquireTime?: string | null;
    readonly renewTime?: string | null;
    readonly leaseTransitions?: number;
  };
}

/** The Lease calls leader election makes (tests pass a fake). */
export interface LeaseApi {
  getLease(namespace: string, name: string): Promise<LeaseObject | undefined>;
  /** Rejects with a KubeStatusError 409 when it already exists. */
  createLease(namespace: string, lease: LeaseObject): Promise<LeaseObject>;
  /** Rejects with a KubeStatusError 409 when `metadata.resourceVersion` is stale. */
  replaceLease(namespace: string, lease: LeaseObject): Promise<LeaseObject>;
}

export const STATUS_LEADER_LEASE = 'meshplane-status-leader';

export interface LeaderLeaseOptions {
  readonly api: LeaseApi;
  readonly namespace: string;
  readonly name?: string;
  readonly identity: string;
  /** How long a Lease not renewed stays held (default 15 s, client-go's usual). */
  readonly leaseDurationMs?: number;
  /** How often the holder renews and the others retry (default a third of the duration). */
  readonly renewIntervalMs?: number;
  readonly logger: Logger;
  /** Called on every change of leadership. */
  readonly onChange?: (leader: boolean) => void;
  readonly now?: () => number;
}

/** Kubernetes MicroTime (RFC 3339 with microseconds). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderLease {
  private leader = false;
  private solo = false;
  private lastRenewedAt = 0;
  /** The holder's record as last seen, and when it last changed (local clock). */
  private observed = '';
  private observedAt = 0;
  private lastHolder: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly name: string;
  private readonly durationMs: number;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: LeaderLeaseOptions) {
    this.name = options.name ?? STATUS_LEADER_LEASE;
    this.durationMs = options.leaseDurationMs ?? 15_000;
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ scope: 'leader-lease', lease: this.name });
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** The holder as last read (debug). */
  holder(): string | undefined {
    return this.lastHolder;
  }

  /** Tries at once, then every renew interval. */
  start(): void {
    const interval = this.options.renewIntervalMs ?? Math.max(100, Math.floor(this.durationMs / 3));
    const tick = (): void => {
      if (this.stopped) return;
      this.running = this.tryAcquireOrRenew()
        .then(() => undefined)
        .finally(() => {
          if (this.stopped) return;
          this.timer = setTimeout(tick, interval);
          this.timer.unref();
        });
    };
    tick();
  }

  /** One round: acquire or renew; resolves to whether this replica leads. Never throws. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, identity } = this.options;
    const now = this.now();
    try {
      const current = await this.getOrSolo(namespace);
      const seconds = Math.max(1, Math.ceil(this.durationMs / 1000));
      if (!current) {
        await this.createOrSolo(namespace, {
          metadata: { name: this.name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: seconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        this.lastHolder = identity;
        return this.setLeader(true, now);
      }
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      this.lastHolder = holder || undefined;
      const record = `${holder}|${spec.renewTime ?? ''}|${current.metadata.resourceVersion ?? ''}`;
      if (record !== this.observed) {
        this.observed = record;
        this.observedAt = now;
      }
      const heldMs = (spec.leaseDurationSeconds ?? seconds) * 1000;
      if (holder && holder !== identity && now < this.observedAt + heldMs) return this.setLeader(false, now);
      const updated = await api.replaceLease(namespace, {
        metadata: { ...current.metadata },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: seconds,
          acquireTime: holder === identity ? (spec.acquireTime ?? microTime(now)) : microTime(now),
          renewTime: microTime(now),
          leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
        },
      });
      this.observed = `${identity}|${updated.spec?.renewTime ?? ''}|${updated.metadata.resourceVersion ?? ''}`;
      this.observedAt = now;
      this.lastHolder = identity;
      if (holder !== identity)
        this.log.info({ previous: holder || undefined }, 'status leader lease acquired');
      return this.setLeader(true, now);
    } catch (err) {
      // A lost race (409) or an outage: a leader keeps leading until its lease would have expired.
      const keep = this.leader && now - this.lastRenewedAt < this.durationMs;
      this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'lease round failed');
      return this.setLeader(keep, keep ? this.lastRenewedAt : now);
    }
  }

  /** Reads the Lease; a 403 (no RBAC to read it) is handled as an absent one, then its create. */
  private async getOrSolo(namespace: string): Promise<LeaseObject | undefined> {
    try {
      return await this.options.api.getLease(namespace, this.name);
    } catch (err) {
      if (err instanceof KubeStatusError && err.code === 403) return undefined;
      throw err;
    }
  }

  /** Creates the Lease; a missing namespace (404) or a 403 makes this replica lead alone. */
  private async createOrSolo(namespace: string, lease: LeaseObject): Promise<void> {
    try {
      await this.options.api.createLease(namespace, lease);
      this.solo = false;
    } catch (err) {
      if (!(err instanceof KubeStatusError) || (err.code !== 404 && err.code !== 403)) throw err;
      if (!this.solo)
        this.log.warn(
          { namespace, err: err.message },
          'leader Lease unavailable: acting as the only replica (several replicas would overwrite each other)',
        );
      this.solo = true;
    }
  }

  /** Leading without a Lease (see the module comment). */
  isSolo(): boolean {
    return this.solo;
  }

  private setLeader(leader: boolean, renewedAt: number): boolean {
    if (leader) this.lastRenewedAt = renewedAt;
    if (leader !== this.leader) {
      this.leader = leader;
      this.log.info(
        { identity: this.options.identity, leader },
        leader ? 'became status leader' : 'not status leader',
      );
      this.options.onChange?.(leader);
    }
    return leader;
  }

  /** Stops renewing; a holder releases the Lease (empty holder) so another replica takes it at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    if (!this.leader) return;
    this.setLeader(false, 0);
    const { api, namespace, identity } = this.options;
    try {
      const current = await api.getLease(namespace, this.name);
      if (!current || current.spec?.holderIdentity !== identity) return;
      await api.replaceLease(namespace, {
        metadata: { ...current.metadata },
        spec: {
          ...current.spec,
          holderIdentity: null,
          leaseDurationSeconds: 1,
          renewTime: microTime(this.now()),
        },
      });
      this.log.info('status leader lease released');
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not release the lease');
    }
  }
}
