/**
 * DestinationRule spec (istio/api `networking/v1alpha3/destination_rule.proto`): policies applied to
 * traffic for a service after routing — load balancing, connection pool, outlier detection, TLS —
 * optionally per port and per subset (a label-selected version of the service).
 * See https://istio.io/latest/docs/reference/config/networking/destination-rule/.
 */
import { z } from 'zod';
import {
  durationSchema,
  int32,
  labelMapSchema,
  portSelectorSchema,
  stringListSchema,
  typeWorkloadSelectorSchema,
  uint32,
  uint64,
} from './common.js';

export const httpCookieSchema = z.strictObject({
  name: z.string().optional(),
  path: z.string().optional(),
  ttl: durationSchema.optional(),
  attributes: z
    .array(z.strictObject({ name: z.string().optional(), value: z.string().optional() }))
    .optional(),
});
export type HTTPCookie = z.infer<typeof httpCookieSchema>;

export const consistentHashLBSchema = z.strictObject({
  httpHeaderName: z.string().optional(),
  httpCookie: httpCookieSchema.optional(),
  useSourceIp: z.boolean().optional(),
  httpQueryParameterName: z.string().optional(),
  ringHash: z.strictObject({ minimumRingSize: uint64.optional() }).optional(),
  maglev: z.strictObject({ tableSize: uint64.optional() }).optional(),
  /** Deprecated: use `ringHash.minimumRingSize`. */
  minimumRingSize: uint64.optional(),
});
export type ConsistentHashLB = z.infer<typeof consistentHashLBSchema>;

const failoverSchema = z.strictObject({ from: z.string().optional(), to: z.string().optional() });

export const localityLbSettingSchema = z.strictObject({
  distribute: z
    .array(z.strictObject({ from: z.string().optional(), to: z.record(z.string(), uint32).optional() }))
    .optional(),
  failover: z.array(failoverSchema).optional(),
  failoverPriority: stringListSchema.optional(),
  enabled: z.boolean().optional(),
});
export type LocalityLoadBalancerSetting = z.infer<typeof localityLbSettingSchema>;

export const zoneAwareLbSettingSchema = z.strictObject({
  enabled: z.boolean().optional(),
  failover: z.array(failoverSchema).optional(),
  failoverPriority: stringListSchema.optional(),
  minClusterSize: uint64.optional(),
});
export type ZoneAwareLoadBalancerSetting = z.infer<typeof zoneAwareLbSettingSchema>;

export const warmupConfigurationSchema = z.strictObject({
  duration: durationSchema.optional(),
  minimumPercent: z.number().optional(),
  aggression: z.number().optional(),
});
export type WarmupConfiguration = z.infer<typeof warmupConfigurationSchema>;

export const SIMPLE_LB = [
  'UNSPECIFIED',
  'LEAST_CONN',
  'RANDOM',
  'PASSTHROUGH',
  'ROUND_ROBIN',
  'LEAST_REQUEST',
] as const;

export const loadBalancerSettingsSchema = z.strictObject({
  simple: z.enum(SIMPLE_LB).optional(),
  consistentHash: consistentHashLBSchema.optional(),
  localityLbSetting: localityLbSettingSchema.optional(),
  zoneAwareLbSetting: zoneAwareLbSettingSchema.optional(),
  /** Deprecated in favour of `warmup.duration`. */
  warmupDurationSecs: durationSchema.optional(),
  warmup: warmupConfigurationSchema.optional(),
});
export type LoadBalancerSettings = z.infer<typeof loadBalancerSettingsSchema>;

export const tcpSettingsSchema = z.strictObject({
  maxConnections: int32.optional(),
  connectTimeout: durationSchema.optional(),
  tcpKeepalive: z
    .strictObject({
      probes: uint32.optional(),
      time: durationSchema.optional(),
      interval: durationSchema.optional(),
    })
    .optional(),
  maxConnectionDuration: durationSchema.optional(),
  idleTimeout: durationSchema.optional(),
});
export type TCPSettings = z.infer<typeof tcpSettingsSchema>;

export const httpSettingsSchema = z.strictObject({
  http1MaxPendingRequests: int32.optional(),
  http2MaxRequests: int32.optional(),
  maxRequestsPerConnection: int32.optional(),
  maxRetries: int32.optional(),
  idleTimeout: durationSchema.optional(),
  h2UpgradePolicy: z.enum(['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE']).optional(),
  useClientProtocol: z.boolean().optional(),
  maxConcurrentStreams: int32.optional(),
  http2KeepAlive: z
    .strictObject({ interval: durationSchema.optional(), timeout: durationSchema.optional() })
    .optional(),
});
export type HTTPSettings = z.infer<typeof httpSettingsSchema>;

export const connectionPoolSettingsSchema = z.strictObject({
  tcp: tcpSettingsSchema.optional(),
  http: httpSettingsSchema.optional(),
});
export type ConnectionPoolSettings = z.infer<typeof connectionPoolSettingsSchema>;

export const outlierDetectionSchema = z.strictObject({
  splitExternalLocalOriginErrors: z.boolean().optional(),
  consecutiveLocalOriginFailures: uint32.optional(),
  consecutiveGatewayErrors: uint32.optional(),
  consecutive5xxErrors: uint32.optional(),
  /** Deprecated: use `consecutive5xxErrors`. */
  consecutiveErrors: int32.optional(),
  interval: durationSchema.optional(),
  baseEjectionTime: durationSchema.optional(),
  maxEjectionPercent: int32.optional(),
  minHealthPercent: int32.optional(),
  outlierDetectionHttpErrorCodes: z.array(uint32).optional(),
});
export type OutlierDetection = z.infer<typeof outlierDetectionSchema>;

export const CLIENT_TLS_MODES = ['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'] as const;

export const clientTLSSettingsSchema = z.strictObject({
  mode: z.enum(CLIENT_TLS_MODES).optional(),
  clientCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  credentialName: z.string().optional(),
  subjectAltNames: stringListSchema.optional(),
  sni: z.string().optional(),
  insecureSkipVerify: z.boolean().optional(),
  caCrl: z.string().optional(),
});
export type ClientTLSSettings = z.infer<typeof clientTLSSettingsSchema>;

export const portTrafficPolicySchema = z.strictObject({
  port: portSelectorSchema.optional(),
  loadBalancer: loadBalancerSettingsSchema.optional(),
  connectionPool: connectionPoolSettingsSchema.optional(),
  outlierDetection: outlierDetectionSchema.optional(),
  tls: clientTLSSettingsSchema.optional(),
});
export type PortTrafficPolicy = z.infer<typeof portTrafficPolicySchema>;

export const tunnelSettingsSchema = z.strictObject({
  protocol: z.string().optional(),
  targetHost: z.string().optional(),
  targetPort: uint32.optional(),
});
export type TunnelSettings = z.infer<typeof tunnelSettingsSchema>;

export const proxyProtocolSchema = z.strictObject({
  version: z.enum(['V1', 'V2']).optional(),
});
export type ProxyProtocol = z.infer<typeof proxyProtocolSchema>;

export const retryBudgetSchema = z.strictObject({
  percent: z.number().optional(),
  minRetryConcurrency: uint32.optional(),
  budgetInterval: durationSchema.optional(),
});
export type RetryBudget = z.infer<typeof retryBudgetSchema>;

export const trafficPolicySchema = z.strictObject({
  loadBalancer: loadBalancerSettingsSchema.optional(),
  connectionPool: connectionPoolSettingsSchema.optional(),
  outlierDetection: outlierDetectionSchema.optional(),
  tls: clientTLSSettingsSchema.optional(),
  portLevelSettings: z.array(portTrafficPolicySchema).optional(),
  tunnel: tunnelSettingsSchema.optional(),
  proxyProtocol: proxyProtocolSchema.optional(),
  retryBudget: retryBudgetSchema.optional(),
});
export type TrafficPolicy = z.infer<typeof trafficPolicySchema>;

export const subsetSchema = z.strictObject({
  name: z.string().optional(),
  labels: labelMapSchema.optional(),
  trafficPolicy: trafficPolicySchema.optional(),
});
export type Subset = z.infer<typeof subsetSchema>;

export const destinationRuleSpecSchema = z.strictObject({
  host: z.string().optional(),
  trafficPolicy: trafficPolicySchema.optional(),
  subsets: z.array(subsetSchema).optional(),
  exportTo: stringListSchema.optional(),
  workloadSelector: typeWorkloadSelectorSchema.optional(),
});
export type DestinationRuleSpec = z.infer<typeof destinationRuleSpecSchema>;
