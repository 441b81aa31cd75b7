/**
 * The Kubernetes API resources meshplane reads, as data: the Istio CRDs (group, plural, versions)
 * and the core resources of the service registry. Shared by the Kubernetes source (which paths to
 * list and watch), the CRD generator (`scripts/gen-crds.ts`) and the RBAC in `deploy/`, so the
 * three cannot drift apart. Pure.
 */
import { ISTIO_GROUP, type IstioKind } from '../../model/config.js';
import type { ValidatedKind } from '../../model/istio/index.js';

/**
 * The versions every Istio kind is served under, storage version first. Istio serves the same
 * schema under all three (`networking.istio.io` v1 became the storage version in Istio 1.22), so
 * no conversion webhook is needed: the API server only rewrites `apiVersion`.
 */
export const ISTIO_CRD_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'] as const;
export type IstioCrdVersion = (typeof ISTIO_CRD_VERSIONS)[number];
/** Watching the storage version avoids a conversion on every event. */
export const ISTIO_STORAGE_VERSION: IstioCrdVersion = 'v1';

export interface IstioCrdNames {
  readonly kind: ValidatedKind;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  /** meshplane serves it (a watched kind), or only validates it (WorkloadGroup). */
  readonly served: boolean;
}

/** Names as Istio's own CRDs define them (`kubectl get vs`, `kubectl get dr`, ...). */
export const ISTIO_CRDS: readonly IstioCrdNames[] = [
  {
    kind: 'DestinationRule',
    plural: 'destinationrules',
    singular: 'destinationrule',
    shortNames: ['dr'],
    served: true,
  },
  { kind: 'Gateway', plural: 'gateways', singular: 'gateway', shortNames: ['gw'], served: true },
  {
    kind: 'ServiceEntry',
    plural: 'serviceentries',
    singular: 'serviceentry',
    shortNames: ['se'],
    served: true,
  },
  { kind: 'Sidecar', plural: 'sidecars', singular: 'sidecar', shortNames: [], served: true },
  {
    kind: 'VirtualService',
    plural: 'virtualservices',
    singular: 'virtualservice',
    shortNames: ['vs'],
    served: true,
  },
  {
    kind: 'WorkloadEntry',
    plural: 'workloadentries',
    singular: 'workloadentry',
    shortNames: ['we'],
    served: true,
  },
  {
    kind: 'WorkloadGroup',
    plural: 'workloadgroups',
    singular: 'workloadgroup',
    shortNames: ['wg'],
    served: false,
  },
];

/** The CRD of a served kind. */
export function istioCrdOf(kind: IstioKind): IstioCrdNames {
  const crd = ISTIO_CRDS.find((c) => c.kind === kind);
  // ISTIO_CRDS lists every IstioKind; a missing entry is a programming error caught by the unit test.
  if (!crd) throw new Error(`no CRD names for ${kind}`);
  return crd;
}

/** API path of a collection across all namespaces, e.g. `/apis/networking.istio.io/v1/virtualservices`. */
export function istioCollectionPath(
  kind: IstioKind,
  version: IstioCrdVersion = ISTIO_STORAGE_VERSION,
): string {
  return `/apis/${ISTIO_GROUP}/${version}/${istioCrdOf(kind).plural}`;
}

/** The core resources the Kubernetes registry reads (all read-only: list and watch). */
export const CORE_RESOURCES = {
  Namespace: { apiVersion: 'v1', path: '/api/v1/namespaces' },
  Service: { apiVersion: 'v1', path: '/api/v1/services' },
  Pod: { apiVersion: 'v1', path: '/api/v1/pods' },
  /** For endpoint locality (topology labels of the node a pod runs on). */
  Node: { apiVersion: 'v1', path: '/api/v1/nodes' },
  EndpointSlice: { apiVersion: 'discovery.k8s.io/v1', path: '/apis/discovery.k8s.io/v1/endpointslices' },
} as const;
export type CoreKind = keyof typeof CORE_RESOURCES;
