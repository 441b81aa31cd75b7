/**
 * Istio networking.istio.io resource schemas (zod) and their inferred types. The spec of each kind
 * is the same message under v1, v1beta1 and v1alpha3.
 */
import type { ZodType } from 'zod';
import type { IstioKind } from '../config.js';
import { destinationRuleSpecSchema } from './destination-rule.js';
import { gatewaySpecSchema } from './gateway.js';
import { serviceEntrySpecSchema } from './service-entry.js';
import { sidecarSpecSchema } from './sidecar.js';
import { virtualServiceSpecSchema } from './virtual-service.js';
import { workloadEntrySpecSchema } from './workload-entry.js';
import { workloadGroupSpecSchema } from './workload-group.js';

export * from './common.js';
export * from './virtual-service.js';
export * from './destination-rule.js';
export * from './service-entry.js';
export * from './workload-entry.js';
export * from './gateway.js';
export * from './sidecar.js';
export * from './workload-group.js';

/** The spec schema of each served kind. */
export const SPEC_SCHEMAS: Readonly<Record<IstioKind, ZodType>> = {
  ServiceEntry: serviceEntrySpecSchema,
  WorkloadEntry: workloadEntrySpecSchema,
  DestinationRule: destinationRuleSpecSchema,
  VirtualService: virtualServiceSpecSchema,
  Gateway: gatewaySpecSchema,
  Sidecar: sidecarSpecSchema,
};

/**
 * Kinds the validator judges: the served kinds plus WorkloadGroup, which meshplane does not serve
 * but whose documents appear in Istio's validation corpus.
 */
export const VALIDATED_KINDS = [
  'ServiceEntry',
  'WorkloadEntry',
  'DestinationRule',
  'VirtualService',
  'Gateway',
  'Sidecar',
  'WorkloadGroup',
] as const;
export type ValidatedKind = (typeof VALIDATED_KINDS)[number];

/** The spec schema of every validated kind (served kinds plus WorkloadGroup). */
export const VALIDATED_SPEC_SCHEMAS: Readonly<Record<ValidatedKind, ZodType>> = {
  ...SPEC_SCHEMAS,
  WorkloadGroup: workloadGroupSpecSchema,
};
