/**
 * `/debug/syncz`: per connected proxy and xDS type, what was sent (version, nonce), what the proxy
 * acknowledged, and its last NACK. Shaped like istiod's syncz (`proxy`, `proxy_type`,
 * `cluster_sent`/`cluster_acked`, `listener_*`, `route_*`, `endpoint_*`, `istio_version`) so
 * scripts written against istiod keep working, plus a `types` list with the nonces and NACK
 * errors istiod does not show, and the proxy's namespace and labels from its node metadata. The
 * cluster and Istio version are the proxy's own (metadata `CLUSTER_ID`, `ISTIO_VERSION`), as
 * istiod reports them, when it sent them. Pure.
 */
import type { Proxy } from '../../model/proxy.js';
import type { ConnectionInfo, TypeInfo } from '../../xds/connection-types.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../xds/type-urls.js';

export type SyncState = 'SYNCED' | 'NOT SENT' | 'STALE' | 'ERROR';

export interface SynczType {
  readonly type_url: string;
  readonly type: string;
  readonly wildcard: boolean;
  readonly names: readonly string[];
  readonly sent_version?: string;
  readonly sent_nonce?: string;
  readonly acked_version?: string;
  readonly acked_nonce?: string;
  readonly last_nack_nonce?: string;
  readonly last_nack_error?: string;
  readonly resource_count: number;
  readonly state: SyncState;
}

export interface SynczEntry {
  readonly proxy: string;
  readonly proxy_type: string;
  readonly cluster_id: string;
  readonly istio_version: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly connection_id: string;
  readonly mode: string;
  readonly peer: string;
  readonly connected_at: string;
  readonly cluster_sent: string;
  readonly cluster_acked: string;
  readonly listener_sent: string;
  readonly listener_acked: string;
  readonly route_sent: string;
  readonly route_acked: string;
  readonly endpoint_sent: string;
  readonly endpoint_acked: string;
  readonly types: readonly SynczType[];
}

/**
 * istioctl proxy-status's verdict for one type: an outstanding NACK is ERROR; nothing sent is
 * NOT SENT; a response whose nonce the proxy has not acknowledged yet is STALE.
 */
export function syncState(t: Pick<TypeInfo, 'sentNonce' | 'ackedNonce' | 'lastNackError'>): SyncState {
  if (t.lastNackError !== undefined) return 'ERROR';
  if (t.sentNonce === undefined) return 'NOT SENT';
  return t.ackedNonce === t.sentNonce ? 'SYNCED' : 'STALE';
}

function toType(t: TypeInfo): SynczType {
  return {
    type_url: t.typeUrl,
    type: t.type,
    wildcard: t.wildcard,
    names: [...t.names].sort(),
    ...(t.sentVersion !== undefined ? { sent_version: t.sentVersion } : {}),
    ...(t.sentNonce !== undefined ? { sent_nonce: t.sentNonce } : {}),
    ...(t.ackedVersion !== undefined ? { acked_version: t.ackedVersion } : {}),
    ...(t.ackedNonce !== undefined ? { acked_nonce: t.ackedNonce } : {}),
    ...(t.lastNackNonce !== undefined ? { last_nack_nonce: t.lastNackNonce } : {}),
    ...(t.lastNackError !== undefined ? { last_nack_error: t.lastNackError } : {}),
    resource_count: t.resourceCount,
    state: syncState(t),
  };
}

/** The proxy type as istiod reports it: the first segment of an Istio node id. */
function proxyType(proxyId: string, proxy: Proxy | undefined): string {
  if (proxy) return proxy.generator === 'grpc' ? 'proxyless' : proxy.type;
  const first = proxyId.split('~')[0] ?? '';
  return first === 'sidecar' || first === 'router' ? first : 'proxyless';
}

function metadataString(proxy: Proxy | undefined, key: string): string | undefined {
  const v = proxy?.metadata[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function buildSyncz(
  connections: readonly ConnectionInfo[],
  opts: { clusterId?: string; version?: string } = {},
): SynczEntry[] {
  return [...connections]
    .sort((a, b) => a.proxyId.localeCompare(b.proxyId) || a.connectionId.localeCompare(b.connectionId))
    .map((c) => {
      const byUrl = new Map(c.types.map((t) => [t.typeUrl, t]));
      const sent = (url: string): string => byUrl.get(url)?.sentNonce ?? '';
      const acked = (url: string): string => byUrl.get(url)?.ackedNonce ?? '';
      return {
        proxy: c.proxyId,
        proxy_type: proxyType(c.proxyId, c.proxy),
        cluster_id: metadataString(c.proxy, 'CLUSTER_ID') ?? opts.clusterId ?? 'Kubernetes',
        istio_version: metadataString(c.proxy, 'ISTIO_VERSION') ?? opts.version ?? 'meshplane',
        ...(c.proxy ? { namespace: c.proxy.namespace, labels: sortedRecord(c.proxy.labels) } : {}),
        connection_id: c.connectionId,
        mode: c.mode,
        peer: c.peer,
        connected_at: new Date(c.connectedAt).toISOString(),
        cluster_sent: sent(CLUSTER_TYPE),
        cluster_acked: acked(CLUSTER_TYPE),
        listener_sent: sent(LISTENER_TYPE),
        listener_acked: acked(LISTENER_TYPE),
        route_sent: sent(ROUTE_TYPE),
        route_acked: acked(ROUTE_TYPE),
        endpoint_sent: sent(ENDPOINT_TYPE),
        endpoint_acked: acked(ENDPOINT_TYPE),
        types: [...c.types].sort((a, b) => a.typeUrl.localeCompare(b.typeUrl)).map(toType),
      };
    });
}
