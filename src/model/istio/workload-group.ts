/**
 * WorkloadGroup spec (istio/api `networking/v1alpha3/workload_group.proto`): a template for
 * WorkloadEntries auto-registered by VMs. meshplane does not serve it; the schema exists so the
 * validator can give istiod's verdict on WorkloadGroup documents (see `VALIDATED_KINDS`).
 */
import { z } from 'zod';
import { int32, labelMapSchema, stringListSchema, uint32 } from './common.js';
import { workloadEntrySpecSchema } from './workload-entry.js';

export const readinessProbeSchema = z.strictObject({
  initialDelaySeconds: int32.optional(),
  timeoutSeconds: int32.optional(),
  periodSeconds: int32.optional(),
  successThreshold: int32.optional(),
  failureThreshold: int32.optional(),
  httpGet: z
    .strictObject({
      path: z.string().optional(),
      port: uint32.optional(),
      host: z.string().optional(),
      scheme: z.string().optional(),
      httpHeaders: z
        .array(z.strictObject({ name: z.string().optional(), value: z.string().optional() }))
        .optional(),
    })
    .optional(),
  tcpSocket: z.strictObject({ host: z.string().optional(), port: uint32.optional() }).optional(),
  exec: z.strictObject({ command: stringListSchema.optional() }).optional(),
  grpc: z.strictObject({ port: uint32.optional(), service: z.string().optional() }).optional(),
});
export type ReadinessProbe = z.infer<typeof readinessProbeSchema>;

export const workloadGroupSpecSchema = z.strictObject({
  metadata: z
    .strictObject({ labels: labelMapSchema.optional(), annotations: labelMapSchema.optional() })
    .optional(),
  template: workloadEntrySpecSchema.optional(),
  probe: readinessProbeSchema.optional(),
});
export type WorkloadGroupSpec = z.infer<typeof workloadGroupSpecSchema>;
