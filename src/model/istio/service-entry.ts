/**
 * ServiceEntry spec (istio/api `networking/v1alpha3/service_entry.proto`): adds entries to the
 * mesh's service registry — external services, or internal ones not known to the platform.
 * See https://istio.io/latest/docs/reference/config/networking/service-entry/.
 */
import { z } from 'zod';
import { stringListSchema, uint32, workloadSelectorSchema } from './common.js';
import { workloadEntrySpecSchema } from './workload-entry.js';

export const servicePortSchema = z.strictObject({
  number: uint32.optional(),
  protocol: z.string().optional(),
  name: z.string().optional(),
  targetPort: uint32.optional(),
});
export type ServicePort = z.infer<typeof servicePortSchema>;

export const SERVICE_ENTRY_RESOLUTIONS = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'] as const;
export type ServiceEntryResolution = (typeof SERVICE_ENTRY_RESOLUTIONS)[number];

export const serviceEntrySpecSchema = z.strictObject({
  hosts: stringListSchema.optional(),
  addresses: stringListSchema.optional(),
  ports: z.array(servicePortSchema).optional(),
  location: z.enum(['MESH_EXTERNAL', 'MESH_INTERNAL']).optional(),
  resolution: z.enum(SERVICE_ENTRY_RESOLUTIONS).optional(),
  endpoints: z.array(workloadEntrySpecSchema).optional(),
  workloadSelector: workloadSelectorSchema.optional(),
  exportTo: stringListSchema.optional(),
  subjectAltNames: stringListSchema.optional(),
});
export type ServiceEntrySpec = z.infer<typeof serviceEntrySpecSchema>;
