/**
 * VirtualService spec (istio/api `networking/v1alpha3/virtual_service.proto`): routing rules applied
 * to traffic addressed to a set of hosts, per protocol (HTTP, TLS by SNI, opaque TCP).
 * See https://istio.io/latest/docs/reference/config/networking/virtual-service/.
 */
import { z } from 'zod';
import {
  durationSchema,
  int32,
  labelMapSchema,
  percentSchema,
  portSelectorSchema,
  stringListSchema,
  stringMatchSchema,
  uint32,
} from './common.js';

export const destinationSchema = z.strictObject({
  host: z.string().optional(),
  subset: z.string().optional(),
  port: portSelectorSchema.optional(),
});
export type Destination = z.infer<typeof destinationSchema>;

export const headerOperationsSchema = z.strictObject({
  set: z.record(z.string(), z.string()).optional(),
  add: z.record(z.string(), z.string()).optional(),
  remove: z.array(z.string()).optional(),
});
export type HeaderOperations = z.infer<typeof headerOperationsSchema>;

export const headersSchema = z.strictObject({
  request: headerOperationsSchema.optional(),
  response: headerOperationsSchema.optional(),
});
export type Headers = z.infer<typeof headersSchema>;

export const httpMatchRequestSchema = z.strictObject({
  name: z.string().optional(),
  uri: stringMatchSchema.optional(),
  scheme: stringMatchSchema.optional(),
  method: stringMatchSchema.optional(),
  authority: stringMatchSchema.optional(),
  headers: z.record(z.string(), stringMatchSchema).optional(),
  port: uint32.optional(),
  sourceLabels: labelMapSchema.optional(),
  gateways: stringListSchema.optional(),
  queryParams: z.record(z.string(), stringMatchSchema).optional(),
  ignoreUriCase: z.boolean().optional(),
  withoutHeaders: z.record(z.string(), stringMatchSchema).optional(),
  sourceNamespace: z.string().optional(),
  statPrefix: z.string().optional(),
});
export type HTTPMatchRequest = z.infer<typeof httpMatchRequestSchema>;

export const httpRouteDestinationSchema = z.strictObject({
  destination: destinationSchema.optional(),
  weight: int32.optional(),
  headers: headersSchema.optional(),
});
export type HTTPRouteDestination = z.infer<typeof httpRouteDestinationSchema>;

export const routeDestinationSchema = z.strictObject({
  destination: destinationSchema.optional(),
  weight: int32.optional(),
});
export type RouteDestination = z.infer<typeof routeDestinationSchema>;

export const httpRedirectSchema = z.strictObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  port: uint32.optional(),
  derivePort: z.enum(['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT']).optional(),
  scheme: z.string().optional(),
  redirectCode: uint32.optional(),
  prefixRewrite: z.string().optional(),
});
export type HTTPRedirect = z.infer<typeof httpRedirectSchema>;

export const httpBodySchema = z.strictObject({
  string: z.string().optional(),
  /** base64, as protojson encodes `bytes`. */
  bytes: z.string().optional(),
});
export type HTTPBody = z.infer<typeof httpBodySchema>;

export const httpDirectResponseSchema = z.strictObject({
  status: uint32.optional(),
  body: httpBodySchema.optional(),
});
export type HTTPDirectResponse = z.infer<typeof httpDirectResponseSchema>;

export const delegateSchema = z.strictObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
});
export type Delegate = z.infer<typeof delegateSchema>;

export const regexRewriteSchema = z.strictObject({
  match: z.string().optional(),
  rewrite: z.string().optional(),
});
export type RegexRewrite = z.infer<typeof regexRewriteSchema>;

export const httpRewriteSchema = z.strictObject({
  uri: z.string().optional(),
  authority: z.string().optional(),
  uriRegexRewrite: regexRewriteSchema.optional(),
});
export type HTTPRewrite = z.infer<typeof httpRewriteSchema>;

export const httpRetrySchema = z.strictObject({
  attempts: int32.optional(),
  perTryTimeout: durationSchema.optional(),
  retryOn: z.string().optional(),
  retryRemoteLocalities: z.boolean().optional(),
  retryIgnorePreviousHosts: z.boolean().optional(),
  backoff: durationSchema.optional(),
});
export type HTTPRetry = z.infer<typeof httpRetrySchema>;

export const corsPolicySchema = z.strictObject({
  /** Deprecated: use `allowOrigins`. */
  allowOrigin: stringListSchema.optional(),
  allowOrigins: z.array(stringMatchSchema).optional(),
  allowMethods: stringListSchema.optional(),
  allowHeaders: stringListSchema.optional(),
  exposeHeaders: stringListSchema.optional(),
  maxAge: durationSchema.optional(),
  allowCredentials: z.boolean().optional(),
  unmatchedPreflights: z.enum(['UNSPECIFIED', 'FORWARD', 'IGNORE']).optional(),
});
export type CorsPolicy = z.infer<typeof corsPolicySchema>;

export const faultDelaySchema = z.strictObject({
  /** Deprecated integer percent; use `percentage`. */
  percent: int32.optional(),
  fixedDelay: durationSchema.optional(),
  exponentialDelay: durationSchema.optional(),
  percentage: percentSchema.optional(),
});
export type HTTPFaultInjectionDelay = z.infer<typeof faultDelaySchema>;

export const faultAbortSchema = z.strictObject({
  httpStatus: int32.optional(),
  grpcStatus: z.string().optional(),
  http2Error: z.string().optional(),
  percentage: percentSchema.optional(),
});
export type HTTPFaultInjectionAbort = z.infer<typeof faultAbortSchema>;

export const httpFaultInjectionSchema = z.strictObject({
  delay: faultDelaySchema.optional(),
  abort: faultAbortSchema.optional(),
});
export type HTTPFaultInjection = z.infer<typeof httpFaultInjectionSchema>;

export const httpMirrorPolicySchema = z.strictObject({
  destination: destinationSchema.optional(),
  percentage: percentSchema.optional(),
});
export type HTTPMirrorPolicy = z.infer<typeof httpMirrorPolicySchema>;

export const httpRouteSchema = z.strictObject({
  name: z.string().optional(),
  match: z.array(httpMatchRequestSchema).optional(),
  route: z.array(httpRouteDestinationSchema).optional(),
  redirect: httpRedirectSchema.optional(),
  directResponse: httpDirectResponseSchema.optional(),
  delegate: delegateSchema.optional(),
  rewrite: httpRewriteSchema.optional(),
  timeout: durationSchema.optional(),
  retries: httpRetrySchema.optional(),
  fault: httpFaultInjectionSchema.optional(),
  mirror: destinationSchema.optional(),
  mirrors: z.array(httpMirrorPolicySchema).optional(),
  mirrorPercentage: percentSchema.optional(),
  /** Deprecated (UInt32Value); use `mirrorPercentage`. */
  mirrorPercent: uint32.optional(),
  corsPolicy: corsPolicySchema.optional(),
  headers: headersSchema.optional(),
});
export type HTTPRoute = z.infer<typeof httpRouteSchema>;

export const tlsMatchAttributesSchema = z.strictObject({
  sniHosts: stringListSchema.optional(),
  destinationSubnets: stringListSchema.optional(),
  port: uint32.optional(),
  sourceLabels: labelMapSchema.optional(),
  gateways: stringListSchema.optional(),
  sourceNamespace: z.string().optional(),
});
export type TLSMatchAttributes = z.infer<typeof tlsMatchAttributesSchema>;

export const l4MatchAttributesSchema = z.strictObject({
  destinationSubnets: stringListSchema.optional(),
  port: uint32.optional(),
  /** Deprecated and ignored by Istio. */
  sourceSubnet: z.string().optional(),
  sourceLabels: labelMapSchema.optional(),
  gateways: stringListSchema.optional(),
  sourceNamespace: z.string().optional(),
});
export type L4MatchAttributes = z.infer<typeof l4MatchAttributesSchema>;

export const tlsRouteSchema = z.strictObject({
  match: z.array(tlsMatchAttributesSchema).optional(),
  route: z.array(routeDestinationSchema).optional(),
});
export type TLSRoute = z.infer<typeof tlsRouteSchema>;

export const tcpRouteSchema = z.strictObject({
  match: z.array(l4MatchAttributesSchema).optional(),
  route: z.array(routeDestinationSchema).optional(),
});
export type TCPRoute = z.infer<typeof tcpRouteSchema>;

export const virtualServiceSpecSchema = z.strictObject({
  hosts: stringListSchema.optional(),
  gateways: stringListSchema.optional(),
  http: z.array(httpRouteSchema).optional(),
  tls: z.array(tlsRouteSchema).optional(),
  tcp: z.array(tcpRouteSchema).optional(),
  exportTo: stringListSchema.optional(),
});
export type VirtualServiceSpec = z.infer<typeof virtualServiceSpecSchema>;
