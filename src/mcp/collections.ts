/**
 * MCP collections and their type URLs. As in Istio 1.7+ (config over plain xDS), the type URL of
 * a collection is its GVK string `group/version/Kind`, the core API group spelled `core`
 * (`core/v1/Service`). Resources are named `namespace/name`, or `name` when cluster-scoped.
 * Pure data.
 */
import { ISTIO_GROUP, ISTIO_KINDS, type IstioKind } from '../model/config.js';

/** The Kubernetes core kinds Galley serves when its source is Kubernetes (kube-resources' CoreKind). */
export const CORE_KINDS = ['Namespace', 'Node', 'Pod', 'Service', 'EndpointSlice'] as const;
export type McpCoreKind = (typeof CORE_KINDS)[number];

/**
 * The version Istio kinds are served under. Istio's MCP collections used `v1alpha3` for the
 * networking kinds; the API server serves the same schema under v1, v1beta1 and v1alpha3, so the
 * version names the collection, not a schema.
 */
export const ISTIO_COLLECTION_VERSION = 'v1alpha3';

export interface IstioCollection {
  readonly category: 'istio';
  readonly typeUrl: string;
  readonly kind: IstioKind;
  /** `group/version`, the apiVersion configs decoded from this collection carry. */
  readonly apiVersion: string;
  readonly clusterScoped: false;
}

export interface CoreCollection {
  readonly category: 'core';
  readonly typeUrl: string;
  readonly kind: McpCoreKind;
  /** The Kubernetes apiVersion (`v1`, `discovery.k8s.io/v1`). */
  readonly apiVersion: string;
  readonly clusterScoped: boolean;
}

export type Collection = IstioCollection | CoreCollection;

export const ISTIO_COLLECTIONS: readonly IstioCollection[] = ISTIO_KINDS.map((kind) => ({
  category: 'istio',
  typeUrl: `${ISTIO_GROUP}/${ISTIO_COLLECTION_VERSION}/${kind}`,
  kind,
  apiVersion: `${ISTIO_GROUP}/${ISTIO_COLLECTION_VERSION}`,
  clusterScoped: false,
}));

function core(kind: McpCoreKind, group: string, version: string, clusterScoped: boolean): CoreCollection {
  return {
    category: 'core',
    typeUrl: `${group}/${version}/${kind}`,
    kind,
    apiVersion: group === 'core' ? version : `${group}/${version}`,
    clusterScoped,
  };
}

export const CORE_COLLECTIONS: readonly CoreCollection[] = [
  core('Namespace', 'core', 'v1', true),
  core('Node', 'core', 'v1', true),
  core('Pod', 'core', 'v1', false),
  core('Service', 'core', 'v1', false),
  core('EndpointSlice', 'discovery.k8s.io', 'v1', false),
];

export const ALL_COLLECTIONS: readonly Collection[] = [...ISTIO_COLLECTIONS, ...CORE_COLLECTIONS];

const BY_TYPE_URL: ReadonlyMap<string, Collection> = new Map(ALL_COLLECTIONS.map((c) => [c.typeUrl, c]));

/** The collection behind a type URL, or undefined for anything else (e.g. an Envoy type). */
export function collectionOf(typeUrl: string): Collection | undefined {
  return BY_TYPE_URL.get(typeUrl);
}

export function istioCollection(kind: IstioKind): IstioCollection {
  return ISTIO_COLLECTIONS.find((c) => c.kind === kind)!;
}

export function coreCollection(kind: McpCoreKind): CoreCollection {
  return CORE_COLLECTIONS.find((c) => c.kind === kind)!;
}

/** `namespace/name`, or `name` for a cluster-scoped object (no namespace). */
export function resourceName(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The inverse of {@link resourceName}: a name without `/` is cluster-scoped. */
export function splitResourceName(full: string): { namespace: string; name: string } {
  const i = full.indexOf('/');
  return i < 0 ? { namespace: '', name: full } : { namespace: full.slice(0, i), name: full.slice(i + 1) };
}
