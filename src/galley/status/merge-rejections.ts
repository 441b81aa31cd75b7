/**
 * The pure half of replica-aware `Reconciled` status (issue 8): each meshplane replica only sees
 * the proxies connected to it, so each publishes its list of rejected configs as a report (a
 * ConfigMap, `rejection-reports.ts`) and the leader merges every live report into the one list
 * the status writer decides on. This is what istiod's distribution reporting does in spirit: every
 * replica writes what its proxies acknowledged into a per-replica ConfigMap and the elected status
 * leader aggregates them (pilot/pkg/status/distribution, "istiod-distribution" reports).
 *
 * Rules:
 * - a report whose heartbeat is older than the TTL is ignored: its replica is gone (killed, no
 *   graceful cleanup) and its proxies have reconnected elsewhere, where they count again;
 * - per config, the rejecting proxies are the union over reports (a proxy connected to two
 *   replicas during a reconnect counts once per type);
 * - output is deterministic: configs by kind/namespace/name, proxies by id then type.
 * No I/O, no clock (callers pass `nowMs`), never throws on what it reads.
 */
import type { ObjectRejections, ProxyRejection } from './reconciled-status.js';

/** Label selecting report ConfigMaps. */
export const REPORT_LABEL = 'meshplane.io/rejections';
/** Annotation holding the report's heartbeat (RFC 3339, the publishing replica's clock). */
export const HEARTBEAT_ANNOTATION = 'meshplane.io/heartbeat';
/** Annotation naming the publishing replica. */
export const REPLICA_ANNOTATION = 'meshplane.io/replica-id';
/** ConfigMap data key holding the JSON list. */
export const REPORT_DATA_KEY = 'rejections.json';
/** ConfigMap names are `meshplane-rejections-<replica-id>`. */
export const REPORT_NAME_PREFIX = 'meshplane-rejections-';

/** One replica's published report. */
export interface RejectionReport {
  readonly replicaId: string;
  /** Heartbeat, epoch milliseconds; NaN when unreadable (treated as expired). */
  readonly heartbeatMs: number;
  readonly rejections: readonly ObjectRejections[];
}

/** The ConfigMap fields a report lives in. */
export interface ReportConfigMap {
  readonly metadata: {
    readonly name: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly data?: Readonly<Record<string, string>>;
}

/** `meshplane-rejections-<id>` with the id made a valid DNS-1123 subdomain fragment. */
export function reportName(replicaId: string): string {
  const safe = replicaId
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return `${REPORT_NAME_PREFIX}${safe || 'replica'}`.slice(0, 253);
}

/** The ConfigMap carrying `report`. */
export function encodeReport(report: RejectionReport): ReportConfigMap {
  return {
    metadata: {
      name: reportName(report.replicaId),
      labels: { [REPORT_LABEL]: 'true' },
      annotations: {
        [HEARTBEAT_ANNOTATION]: new Date(report.heartbeatMs).toISOString(),
        [REPLICA_ANNOTATION]: report.replicaId,
      },
    },
    data: { [REPORT_DATA_KEY]: JSON.stringify(sortRejections(report.rejections)) },
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function readProxy(v: unknown): ProxyRejection | undefined {
  if (!isRecord(v)) return undefined;
  const { proxy, type, error, resources } = v;
  if (typeof proxy !== 'string' || typeof type !== 'string' || typeof error !== 'string') return undefined;
  const names = Array.isArray(resources) ? resources.filter((r): r is string => typeof r === 'string') : [];
  return { proxy, type, error, ...(names.length > 0 ? { resources: names } : {}) };
}

function readObject(v: unknown): ObjectRejections | undefined {
  if (!isRecord(v)) return undefined;
  const { kind, namespace, name, source, proxies } = v;
  if (typeof kind !== 'string' || typeof namespace !== 'string' || typeof name !== 'string') return undefined;
  const list = Array.isArray(proxies) ? proxies.map(readProxy).filter((p) => p !== undefined) : [];
  return { kind, namespace, name, ...(typeof source === 'string' ? { source } : {}), proxies: list };
}

/**
 * The report a ConfigMap carries; unreadable parts are dropped (a report written by a newer or
 * broken replica never stops the merge), an unreadable heartbeat makes it expired.
 */
export function decodeReport(cm: ReportConfigMap): RejectionReport {
  const annotations = cm.metadata.annotations ?? {};
  const heartbeat = annotations[HEARTBEAT_ANNOTATION];
  const heartbeatMs = heartbeat ? Date.parse(heartbeat) : NaN;
  let parsed: unknown = [];
  try {
    parsed = JSON.parse(cm.data?.[REPORT_DATA_KEY] ?? '[]');
  } catch {
    parsed = [];
  }
  const rejections = Array.isArray(parsed) ? parsed.map(readObject).filter((r) => r !== undefined) : [];
  return { replicaId: annotations[REPLICA_ANNOTATION] ?? cm.metadata.name, heartbeatMs, rejections };
}

/** Whether a report's heartbeat is within `ttlMs` of `nowMs`. */
export function isLive(report: RejectionReport, nowMs: number, ttlMs: number): boolean {
  return Number.isFinite(report.heartbeatMs) && nowMs - report.heartbeatMs <= ttlMs;
}

const objectKey = (r: ObjectRejections): string => `${r.kind}/${r.namespace}/${r.name}`;
const proxyKey = (p: ProxyRejection): string => `${p.proxy}\u0000${p.type}`;
const byProxy = (a: ProxyRejection, b: ProxyRejection): number =>
  a.proxy === b.proxy ? a.type.localeCompare(b.type) : a.proxy < b.proxy ? -1 : 1;

function sortRejections(list: readonly ObjectRejections[]): ObjectRejections[] {
  return list
    .map((r) => ({ ...r, proxies: [...r.proxies].sort(byProxy) }))
    .sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : objectKey(a) > objectKey(b) ? 1 : 0));
}

/**
 * The merged list of rejected configs over the live reports: per config, the union of rejecting
 * proxies (one entry per proxy and type; the first report's wins, reports taken in replica order
 * so the result does not depend on listing order). Configs no live proxy rejects are absent.
 */
export function mergeRejections(
  reports: readonly RejectionReport[],
  nowMs: number,
  ttlMs: number,
): ObjectRejections[] {
  const merged = new Map<string, { base: ObjectRejections; proxies: Map<string, ProxyRejection> }>();
  const live = reports
    .filter((r) => isLive(r, nowMs, ttlMs))
    .sort((a, b) => (a.replicaId < b.replicaId ? -1 : a.replicaId > b.replicaId ? 1 : 0));
  for (const report of live) {
    for (const obj of report.rejections) {
      if (obj.proxies.length === 0) continue;
      const key = objectKey(obj);
      let entry = merged.get(key);
      if (!entry) {
        entry = { base: obj, proxies: new Map() };
        merged.set(key, entry);
      }
      for (const p of obj.proxies) if (!entry.proxies.has(proxyKey(p))) entry.proxies.set(proxyKey(p), p);
    }
  }
  return sortRejections([...merged.values()].map((e) => ({ ...e.base, proxies: [...e.proxies.values()] })));
}

/** Reports expired for so long (twice the TTL) that the leader may delete them. */
export function isAbandoned(report: RejectionReport, nowMs: number, ttlMs: number): boolean {
  return !Number.isFinite(report.heartbeatMs) || nowMs - report.heartbeatMs > 2 * ttlMs;
}
