/**
 * What the bench orchestrator and its load-generator processes say to each other over IPC, and
 * the xDS constants both use. The load generator is written against the wire contract only (it
 * imports nothing from src/), so it can be pointed at any ADS server.
 */
import type { NodeSpec } from './wire.js';

export const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
export const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
export const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
export const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

export const ADS_SERVICE = '/envoy.service.discovery.v3.AggregatedDiscoveryService';
export const SOTW_METHOD = `${ADS_SERVICE}/StreamAggregatedResources`;
export const DELTA_METHOD = `${ADS_SERVICE}/DeltaAggregatedResources`;

export type XdsMode = 'sotw' | 'delta';

/**
 * The node shape a client presents. `proxyless`: a gRPC client (metadata GENERATOR=grpc), which
 * meshplane serves today; `sidecar`: an Envoy-style node id `sidecar~IP~POD.NS~NS.svc.cluster.local`,
 * for when sidecar generators exist.
 */
export type NodeShape = 'proxyless' | 'sidecar';

export function shortType(typeUrl: string): string {
  return typeUrl === CDS
    ? 'CDS'
    : typeUrl === EDS
      ? 'EDS'
      : typeUrl === LDS
        ? 'LDS'
        : typeUrl === RDS
          ? 'RDS'
          : 'other';
}

/** `performance` wall clock in ms with sub-ms precision, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function buildNode(shape: NodeShape, index: number, namespace = 'default'): NodeSpec {
  const ip = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
  const pod = `bench-${index}`;
  const common = {
    locality: {},
    userAgentName: 'meshplane-bench',
    clientFeatures: ['envoy.lb.does_not_support_overprovisioning'],
  };
  if (shape === 'proxyless') {
    return {
      id: `sidecar~${ip}~${pod}.${namespace}~${namespace}.svc.cluster.local`,
      metadata: { GENERATOR: 'grpc', NAMESPACE: namespace, LABELS: { app: 'bench' } },
      ...common,
    };
  }
  return {
    id: `sidecar~${ip}~${pod}.${namespace}~${namespace}.svc.cluster.local`,
    cluster: `bench.${namespace}`,
    metadata: { NAMESPACE: namespace, LABELS: { app: 'bench' }, ISTIO_VERSION: '1.24.0' },
    ...common,
  };
}

/** One awaited resource: `typeUrl`/`name` arrives, containing `marker` (hex) when given. */
export interface ExpectItem {
  typeUrl: string;
  name: string;
  markerHex?: string;
}

/** The minimum a client must hold before it counts as synced in the connect storm. */
export interface SyncGoal {
  clusters: number;
  listeners: number;
}

export interface ClientCounters {
  bytes: number;
  /** Response bytes by short type name (CDS, EDS, LDS, RDS; `other` for anything else). */
  bytesByType: Record<string, number>;
  responses: number;
  acks: number;
  /** Responses the client could not read (counted, never NACKed: it is a load generator). */
  errors: number;
  /** Streams that ended or failed. */
  streamErrors: number;
  /** The last error seen, if any. */
  lastError: string;
}

export type ToWorker =
  | {
      op: 'init';
      target: string;
      mode: XdsMode;
      shape: NodeShape;
      /** Global indexes of this worker's clients. */
      first: number;
      count: number;
      goal: SyncGoal;
    }
  | { op: 'connect' }
  | { op: 'sync-collect' }
  | { op: 'expect'; id: number; items: ExpectItem[] }
  | { op: 'collect'; id: number }
  | { op: 'counters' }
  | { op: 'floor-connect'; target: string }
  | { op: 'floor-expect'; id: number; nonce: string }
  | { op: 'floor-collect'; id: number }
  | { op: 'close' };

export type FromWorker =
  | { op: 'ready' }
  | { op: 'inited' }
  /** Absolute sync times per client (NaN: not synced). Sent when all synced, or on `sync-collect`. */
  | { op: 'synced'; times: number[]; complete: boolean }
  | { op: 'armed'; id: number }
  /** Absolute arrival times per client (NaN: not yet). Sent when all matched, or on `collect`. */
  | { op: 'matched'; id: number; times: number[]; complete: boolean }
  | { op: 'counters'; counters: ClientCounters }
  | { op: 'floor-connected'; streams: number }
  | { op: 'floor-armed'; id: number }
  | { op: 'floor-matched'; id: number; times: number[]; complete: boolean }
  | { op: 'closed' }
  | { op: 'error'; message: string };
