/**
 * The MCP envelope as plain data, and the pure conversions between it and what Galley stores
 * (an Istio {@link Config}, a Kubernetes core object). Mirrors `meshplane.mcp.v1.Resource`
 * (proto/meshplane/mcp/v1/resource.proto), itself the shape of Istio's
 * `istio.mcp.v1alpha1.Resource`: metadata (name `namespace/name`, version, labels, annotations,
 * create_time) and a body. No I/O; never throws on input.
 *
 * On the way back, an Istio envelope becomes a Kubernetes-style document
 * (`{apiVersion, kind, metadata, spec}`) for the validator, so Pilot checks what it receives with
 * the very code Galley used (design §1: one validator).
 */
import type { Config } from '../model/config.js';
import type { Collection, CoreCollection, IstioCollection } from './collections.js';
import { resourceName, splitResourceName } from './collections.js';

export interface Envelope {
  /** `namespace/name`, or `name` when cluster-scoped. */
  readonly name: string;
  readonly version: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** RFC 3339, as Kubernetes writes `creationTimestamp`. */
  readonly createTime?: string;
  /** The spec of an Istio config, or a core object without apiVersion, kind and metadata. */
  readonly body: Readonly<Record<string, unknown>>;
}

/** A Kubernetes object as the core view holds it (structurally `KubeObject`). */
export interface CoreObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly creationTimestamp?: string;
  };
  readonly [field: string]: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function configToEnvelope(config: Config): Envelope {
  const m = config.meta;
  return {
    name: resourceName(m.namespace, m.name),
    version: m.resourceVersion,
    labels: m.labels,
    annotations: m.annotations,
    ...(m.creationTimestamp ? { createTime: m.creationTimestamp } : {}),
    body: isRecord(config.spec) ? config.spec : {},
  };
}

/** Everything but apiVersion, kind and metadata travels in the body (spec, status, endpoints...). */
export function coreObjectToEnvelope(obj: CoreObject): Envelope {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && v !== undefined) body[k] = v;
  }
  const m = obj.metadata;
  return {
    name: resourceName(m.namespace, m.name),
    version: m.resourceVersion ?? '',
    labels: m.labels ?? {},
    annotations: m.annotations ?? {},
    ...(m.creationTimestamp ? { createTime: m.creationTimestamp } : {}),
    body,
  };
}

function metadataOf(env: Envelope): Record<string, unknown> {
  const { namespace, name } = splitResourceName(env.name);
  return {
    name,
    ...(namespace ? { namespace } : {}),
    ...(Object.keys(env.labels).length > 0 ? { labels: { ...env.labels } } : {}),
    ...(Object.keys(env.annotations).length > 0 ? { annotations: { ...env.annotations } } : {}),
    ...(env.version ? { resourceVersion: env.version } : {}),
    ...(env.createTime ? { creationTimestamp: env.createTime } : {}),
  };
}

/**
 * The document the validator reads for an Istio envelope. A namespace-less name stays without
 * namespace, so that the validator reports it (`metadata.namespace`) rather than guessing one.
 */
export function envelopeToIstioDocument(collection: IstioCollection, env: Envelope): Record<string, unknown> {
  return {
    apiVersion: collection.apiVersion,
    kind: collection.kind,
    metadata: metadataOf(env),
    spec: env.body,
  };
}

export function envelopeToCoreObject(collection: CoreCollection, env: Envelope): CoreObject {
  const metadata = metadataOf(env) as CoreObject['metadata'];
  return { ...env.body, apiVersion: collection.apiVersion, kind: collection.kind, metadata };
}

/**
 * Structural checks every envelope must pass before its body is read: a name in the form the
 * collection requires. Returns a field path and message, or undefined when fine.
 */
export function checkEnvelope(
  collection: Collection,
  env: Envelope,
): { path: string; message: string } | undefined {
  if (!env.name) return { path: 'metadata.name', message: 'resource name is empty' };
  const { namespace, name } = splitResourceName(env.name);
  if (!name)
    return { path: 'metadata.name', message: `resource name ${JSON.stringify(env.name)} has no name part` };
  if (collection.clusterScoped && namespace)
    return {
      path: 'metadata.name',
      message: `${collection.kind} is cluster-scoped; ${JSON.stringify(env.name)} must not name a namespace`,
    };
  if (!collection.clusterScoped && !namespace)
    return { path: 'metadata.name', message: `expected namespace/name, got ${JSON.stringify(env.name)}` };
  return undefined;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** RFC 3339 → `google.protobuf.Timestamp` fields; undefined when the text is not a valid time. */
export function parseTimestamp(text: string): { seconds: number; nanos: number } | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (!Number.isFinite(ms)) return undefined;
  return { seconds: Math.floor(ms / 1000), nanos: Number((m[2] ?? '').padEnd(9, '0') || '0') };
}

/** `google.protobuf.Timestamp` → RFC 3339 in UTC, fraction only when non-zero (as Go's metav1.Time). */
export function formatTimestamp(seconds: number, nanos: number): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (!nanos) return `${base}Z`;
  return `${base}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}Z`;
}
