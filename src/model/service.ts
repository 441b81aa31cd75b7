/**
 * The abstract service model every registry converts into (Istio's model.Service and
 * IstioEndpoint). Pure data.
 */

export type Protocol =
  | 'HTTP'
  | 'HTTP2'
  | 'GRPC'
  | 'GRPC-Web'
  | 'HTTPS'
  | 'TLS'
  | 'TCP'
  | 'UDP'
  | 'MONGO'
  | 'REDIS'
  | 'MYSQL'
  | 'UNSUPPORTED';

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** Default port on the endpoints when an endpoint names none for this port. */
  readonly targetPort?: number;
}

/** ServiceEntry resolution; registries other than ServiceEntry use STATIC (or DNS for names). */
export type Resolution = 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';

export interface Service {
  /** Fully qualified host, e.g. `reviews.default.svc.cluster.local` or `api.example.com`. */
  readonly hostname: string;
  /** Namespace of the object that defined it. */
  readonly namespace: string;
  /** Which registry it came from: `serviceentry`, `kubernetes`, `consul`, `eureka`. */
  readonly registry: string;
  readonly ports: readonly ServicePort[];
  /** VIPs (ServiceEntry `addresses`, ClusterIP). */
  readonly addresses: readonly string[];
  readonly resolution: Resolution;
  readonly meshExternal: boolean;
  /** Namespaces that can see it: `*` for all, `.` resolved to its own namespace. */
  readonly exportTo: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** `Kind/namespace/name` of the config that defined it, when one did. */
  readonly sourceKey?: string;
  readonly creationTimestamp?: string;
}

/** `region/zone/subzone`, any part possibly empty. */
export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

export interface Endpoint {
  /** IP address (or host name for DNS resolution). */
  readonly address: string;
  /** Port on the endpoint that serves `servicePortName`. */
  readonly port: number;
  /** The name of the service port this endpoint serves. */
  readonly servicePortName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly locality: Locality;
  /** Load-balancing weight; 1 when unset. */
  readonly weight: number;
  readonly healthy: boolean;
  readonly network?: string;
  readonly serviceAccount?: string;
}

export const EMPTY_LOCALITY: Locality = { region: '', zone: '', subzone: '' };

/** Parses Istio's `region/zone/subzone` locality string. */
export function parseLocality(value: string | undefined): Locality {
  if (!value) return EMPTY_LOCALITY;
  const [region = '', zone = '', subzone = ''] = value.split('/');
  return { region, zone, subzone };
}

export function localityString(l: Locality): string {
  return [l.region, l.zone, l.subzone].join('/').replace(/\/+$/, '');
}

/** Istio's protocol inference from a port name (`http-foo` → HTTP) or an explicit protocol. */
export function protocolFromName(value: string | undefined): Protocol {
  if (!value) return 'UNSUPPORTED';
  const prefix = value.split('-')[0]!.toUpperCase();
  switch (prefix) {
    case 'HTTP':
    case 'HTTP2':
    case 'GRPC':
    case 'HTTPS':
    case 'TLS':
    case 'TCP':
    case 'UDP':
    case 'MONGO':
    case 'REDIS':
    case 'MYSQL':
      return prefix;
    case 'GRPC-WEB':
      return 'GRPC-Web';
    default:
      return value.toUpperCase() === 'GRPC-WEB' ? 'GRPC-Web' : 'UNSUPPORTED';
  }
}

export function isHttpProtocol(p: Protocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web';
}
