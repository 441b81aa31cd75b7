/**
 * Gateway spec (istio/api `networking/v1alpha3/gateway.proto`): a load balancer at the mesh edge —
 * the ports, protocols, hosts and TLS settings a set of gateway proxies (picked by `selector`) expose.
 * See https://istio.io/latest/docs/reference/config/networking/gateway/.
 */
import { z } from 'zod';
import { labelMapSchema, stringListSchema, uint32 } from './common.js';

export const portSchema = z.strictObject({
  number: uint32.optional(),
  protocol: z.string().optional(),
  name: z.string().optional(),
  /** Deprecated. */
  targetPort: uint32.optional(),
});
export type Port = z.infer<typeof portSchema>;

export const SERVER_TLS_MODES = [
  'PASSTHROUGH',
  'SIMPLE',
  'MUTUAL',
  'AUTO_PASSTHROUGH',
  'ISTIO_MUTUAL',
  'OPTIONAL_MUTUAL',
] as const;
export type ServerTLSMode = (typeof SERVER_TLS_MODES)[number];

export const TLS_PROTOCOLS = ['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3'] as const;

export const serverTLSSettingsSchema = z.strictObject({
  httpsRedirect: z.boolean().optional(),
  mode: z.enum(SERVER_TLS_MODES).optional(),
  serverCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  caCrl: z.string().optional(),
  credentialName: z.string().optional(),
  credentialNames: stringListSchema.optional(),
  caCertCredentialName: z.string().optional(),
  tlsCertificates: z
    .array(
      z.strictObject({
        serverCertificate: z.string().optional(),
        privateKey: z.string().optional(),
        caCertificates: z.string().optional(),
      }),
    )
    .optional(),
  subjectAltNames: stringListSchema.optional(),
  verifyCertificateSpki: stringListSchema.optional(),
  verifyCertificateHash: stringListSchema.optional(),
  minProtocolVersion: z.enum(TLS_PROTOCOLS).optional(),
  maxProtocolVersion: z.enum(TLS_PROTOCOLS).optional(),
  cipherSuites: stringListSchema.optional(),
  insecureSkipVerify: z.boolean().optional(),
});
export type ServerTLSSettings = z.infer<typeof serverTLSSettingsSchema>;

export const serverSchema = z.strictObject({
  port: portSchema.optional(),
  bind: z.string().optional(),
  hosts: stringListSchema.optional(),
  tls: serverTLSSettingsSchema.optional(),
  defaultEndpoint: z.string().optional(),
  name: z.string().optional(),
});
export type Server = z.infer<typeof serverSchema>;

export const gatewaySpecSchema = z.strictObject({
  servers: z.array(serverSchema).optional(),
  selector: labelMapSchema.optional(),
});
export type GatewaySpec = z.infer<typeof gatewaySpecSchema>;
