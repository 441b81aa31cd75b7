/**
 * `meshplane proxy-status`'s table, from `/debug/syncz`: one row per connected proxy, one column
 * per xDS type, as `istioctl proxy-status` prints it (NAME, CLUSTER, CDS, LDS, EDS, RDS, ISTIOD,
 * VERSION). Per type: SYNCED (the last response is ACKed), NOT SENT (nothing sent for that type),
 * STALE (sent, not acknowledged yet), and, beyond istioctl, ERROR (the proxy NACKed it; the
 * message is in syncz). Pure: parses untrusted JSON without throwing.
 */
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../xds/type-urls.js';
import { syncState, type SyncState } from './syncz.js';

export interface ProxyStatusRow {
  readonly name: string;
  readonly cluster: string;
  readonly cds: SyncState;
  readonly lds: SyncState;
  readonly eds: SyncState;
  readonly rds: SyncState;
  readonly istiod: string;
  readonly version: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** istioctl's NAME: `POD.NAMESPACE` of an Istio node id, the id itself otherwise. */
export function proxyDisplayName(proxyId: string): string {
  const parts = proxyId.split('~');
  return parts.length === 4 && parts[2] ? parts[2] : proxyId;
}

function stateOf(types: readonly Record<string, unknown>[], typeUrl: string): SyncState {
  const t = types.find((x) => x['type_url'] === typeUrl);
  if (!t) return 'NOT SENT';
  return syncState({
    sentNonce: str(t['sent_nonce']),
    ackedNonce: str(t['acked_nonce']),
    lastNackError: str(t['last_nack_error']),
  });
}

/** Rows from a syncz document; entries that are not objects with a `proxy` are skipped. */
export function buildProxyStatusRows(syncz: unknown, istiod: string): ProxyStatusRow[] {
  if (!Array.isArray(syncz)) return [];
  const rows: ProxyStatusRow[] = [];
  for (const e of syncz) {
    if (!isRecord(e) || typeof e['proxy'] !== 'string') continue;
    const types = Array.isArray(e['types']) ? e['types'].filter(isRecord) : [];
    rows.push({
      name: proxyDisplayName(e['proxy']),
      cluster: str(e['cluster_id']) ?? '',
      cds: stateOf(types, CLUSTER_TYPE),
      lds: stateOf(types, LISTENER_TYPE),
      eds: stateOf(types, ENDPOINT_TYPE),
      rds: stateOf(types, ROUTE_TYPE),
      istiod,
      version: str(e['istio_version']) ?? '',
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

const HEADERS = ['NAME', 'CLUSTER', 'CDS', 'LDS', 'EDS', 'RDS', 'ISTIOD', 'VERSION'] as const;

/** Left-aligned columns separated by three spaces, as istioctl's tabwriter prints them. */
export function formatProxyStatusTable(rows: readonly ProxyStatusRow[]): string {
  const cells = [
    [...HEADERS],
    ...rows.map((r) => [r.name, r.cluster, r.cds, r.lds, r.eds, r.rds, r.istiod, r.version]),
  ];
  const widths = HEADERS.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]! + 3)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}
