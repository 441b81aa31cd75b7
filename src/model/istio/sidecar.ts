/**
 * Sidecar spec (istio/api `networking/v1alpha3/sidecar.proto`): narrows what a workload's proxy
 * accepts (ingress listeners) and which services it can reach (egress hosts `namespace/dnsName`).
 * See https://istio.io/latest/docs/reference/config/networking/sidecar/.
 */
import { z } from 'zod';
import { stringListSchema, uint32, workloadSelectorSchema } from './common.js';
import { connectionPoolSettingsSchema } from './destination-rule.js';
import { serverTLSSettingsSchema } from './gateway.js';
import { destinationSchema } from './virtual-service.js';

export const sidecarPortSchema = z.strictObject({
  number: uint32.optional(),
  protocol: z.string().optional(),
  name: z.string().optional(),
  /** Deprecated. */
  targetPort: uint32.optional(),
});
export type SidecarPort = z.infer<typeof sidecarPortSchema>;

export const CAPTURE_MODES = ['DEFAULT', 'IPTABLES', 'NONE'] as const;

export const istioIngressListenerSchema = z.strictObject({
  port: sidecarPortSchema.optional(),
  bind: z.string().optional(),
  captureMode: z.enum(CAPTURE_MODES).optional(),
  defaultEndpoint: z.string().optional(),
  tls: serverTLSSettingsSchema.optional(),
  connectionPool: connectionPoolSettingsSchema.optional(),
});
export type IstioIngressListener = z.infer<typeof istioIngressListenerSchema>;

export const istioEgressListenerSchema = z.strictObject({
  port: sidecarPortSchema.optional(),
  bind: z.string().optional(),
  captureMode: z.enum(CAPTURE_MODES).optional(),
  hosts: stringListSchema.optional(),
});
export type IstioEgressListener = z.infer<typeof istioEgressListenerSchema>;

export const outboundTrafficPolicySchema = z.strictObject({
  mode: z.enum(['REGISTRY_ONLY', 'ALLOW_ANY']).optional(),
  egressProxy: destinationSchema.optional(),
});
export type OutboundTrafficPolicy = z.infer<typeof outboundTrafficPolicySchema>;

export const sidecarSpecSchema = z.strictObject({
  workloadSelector: workloadSelectorSchema.optional(),
  ingress: z.array(istioIngressListenerSchema).optional(),
  egress: z.array(istioEgressListenerSchema).optional(),
  inboundConnectionPool: connectionPoolSettingsSchema.optional(),
  outboundTrafficPolicy: outboundTrafficPolicySchema.optional(),
});
export type SidecarSpec = z.infer<typeof sidecarSpecSchema>;
