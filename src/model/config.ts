/**
 * The config envelope every Istio resource travels in, from any source (directory, Kubernetes,
 * MCP) to Pilot. Pure data: no I/O.
 */

/** The Istio kinds meshplane understands (networking.istio.io). */
export const ISTIO_KINDS = [
  'ServiceEntry',
  'WorkloadEntry',
  'DestinationRule',
  'VirtualService',
  'Gateway',
  'Sidecar',
] as const;
export type IstioKind = (typeof ISTIO_KINDS)[number];

export const ISTIO_GROUP = 'networking.istio.io';
/** API versions accepted for every Istio kind; they share one schema, as in Istio. */
export const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;

export interface ConfigMeta {
  readonly kind: IstioKind;
  /** `group/version`, e.g. `networking.istio.io/v1`, as written by the author. */
  readonly apiVersion: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Opaque version from the source (Kubernetes resourceVersion, or a content hash). */
  readonly resourceVersion: string;
  readonly creationTimestamp?: string;
  /** Where it came from, for error messages: a file path or `kubernetes`. */
  readonly source?: string;
}

export interface Config<S = unknown> {
  readonly meta: ConfigMeta;
  readonly spec: S;
}

/** `Kind/namespace/name`: the identity of a config object across sources. */
export function configKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export function keyOf(config: Config): string {
  return configKey(config.meta.kind, config.meta.namespace, config.meta.name);
}

/** `kind/namespace/name` as a human reads it in logs. */
export function describeConfig(meta: Pick<ConfigMeta, 'kind' | 'namespace' | 'name'>): string {
  return `${meta.kind} ${meta.namespace}/${meta.name}`;
}

export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_DOMAIN_SUFFIX = 'cluster.local';
