/**
 * `/debug/endpointz`: the endpoints of every service, per service port, as Pilot holds them (the
 * input of EDS). Like istiod's endpointz: one entry per service, its ports, and per port the
 * endpoints with address, port, labels, locality, weight and health. Sorted. Pure.
 */
import type { EndpointView } from '../../model/endpoint-index.js';
import type { Service } from '../../model/service.js';

export interface EndpointzEndpoint {
  readonly address: string;
  readonly port: number;
  readonly healthy: boolean;
  readonly weight: number;
  readonly locality: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly service_account?: string;
  readonly network?: string;
}

export interface EndpointzPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
  readonly endpoints: readonly EndpointzEndpoint[];
}

export interface EndpointzService {
  readonly hostname: string;
  readonly namespace: string;
  readonly registry: string;
  readonly ports: readonly EndpointzPort[];
}

export function buildEndpointz(services: readonly Service[], endpoints: EndpointView): EndpointzService[] {
  return [...services]
    .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.namespace.localeCompare(b.namespace))
    .map((svc) => ({
      hostname: svc.hostname,
      namespace: svc.namespace,
      registry: svc.registry,
      ports: [...svc.ports]
        .sort((a, b) => a.port - b.port)
        .map((p) => ({
          name: p.name,
          port: p.port,
          protocol: p.protocol,
          endpoints: endpoints
            .endpoints(svc, p.name)
            .map((e) => ({
              address: e.address,
              port: e.port,
              healthy: e.healthy,
              weight: e.weight,
              locality: [e.locality.region, e.locality.zone, e.locality.subzone].join('/'),
              labels: e.labels,
              ...(e.serviceAccount ? { service_account: e.serviceAccount } : {}),
              ...(e.network ? { network: e.network } : {}),
            }))
            .sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port),
        })),
    }));
}
