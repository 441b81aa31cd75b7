/**
 * The registry interface every service source implements (Istio's ServiceDiscovery): services and
 * their endpoints, and change notifications that say whether only endpoints changed (the EDS fast
 * path) or services themselves did (a full push).
 */
import type { Endpoint, Service } from '../model/service.js';

export interface RegistryChange {
  /** Hostnames whose Service definition was added, changed or removed: needs a full push. */
  readonly servicesChanged: readonly string[];
  /** Hostnames whose endpoints alone changed: EDS fast path. */
  readonly endpointsChanged: readonly string[];
}

export type RegistryChangeHandler = (change: RegistryChange) => void;

export interface ServiceRegistry {
  /** `serviceentry`, `kubernetes`, `consul`, `eureka`, ... */
  readonly provider: string;
  /** Every service, sorted by hostname then namespace. */
  services(): readonly Service[];
  /** Endpoints of one service (all ports), sorted by address then port. */
  endpoints(service: Service): readonly Endpoint[];
  onChange(handler: RegistryChangeHandler): void;
}

/** Identity of a service across registries and namespaces. */
export function serviceKey(service: Pick<Service, 'hostname' | 'namespace'>): string {
  return `${service.namespace}/${service.hostname}`;
}
