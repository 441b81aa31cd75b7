/**
 * WorkloadEntry spec (istio/api `networking/v1alpha3/workload_entry.proto`): a non-Kubernetes
 * workload (VM, bare metal) with its address, named ports and labels. The same message is the
 * element type of `ServiceEntry.endpoints` and `WorkloadGroup.template`.
 * See https://istio.io/latest/docs/reference/config/networking/workload-entry/.
 */
import { z } from 'zod';
import { labelMapSchema, uint32 } from './common.js';

export const workloadEntrySpecSchema = z.strictObject({
  /** IP, hostname, or `unix://` socket path; may be empty only when `network` is set. */
  address: z.string().optional(),
  ports: z.record(z.string(), uint32).optional(),
  labels: labelMapSchema.optional(),
  network: z.string().optional(),
  locality: z.string().optional(),
  weight: uint32.optional(),
  serviceAccount: z.string().optional(),
});
export type WorkloadEntrySpec = z.infer<typeof workloadEntrySpecSchema>;
