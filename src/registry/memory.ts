/**
 * An in-memory registry: services and endpoints set directly by code. Tests use it as the reference
 * implementation of ServiceRegistry; it also backs sources that compute their own model (a
 * benchmark's synthetic services). Changes notify handlers synchronously.
 */
import type { Endpoint, Service } from '../model/service.js';
import {
  serviceKey,
  type RegistryChange,
  type RegistryChangeHandler,
  type ServiceRegistry,
} from './registry.js';

function compareServices(a: Service, b: Service): number {
  if (a.hostname !== b.hostname) return a.hostname < b.hostname ? -1 : 1;
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  return 0;
}

/** Registry order for endpoints: address, then port, then service port name. */
export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  if (a.servicePortName !== b.servicePortName) return a.servicePortName < b.servicePortName ? -1 : 1;
  return 0;
}

interface Entry {
  readonly service: Service;
  readonly endpoints: readonly Endpoint[];
}

export class MemoryRegistry implements ServiceRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly handlers: RegistryChangeHandler[] = [];
  private sortedServices: readonly Service[] | undefined;

  constructor(readonly provider: string = 'memory') {}

  services(): readonly Service[] {
    this.sortedServices ??= [...this.entries.values()].map((e) => e.service).sort(compareServices);
    return this.sortedServices;
  }

  endpoints(service: Service): readonly Endpoint[] {
    return this.entries.get(serviceKey(service))?.endpoints ?? [];
  }

  /** Adds or replaces a service (and, when given, its endpoints): a services change. */
  addService(service: Service, endpoints?: readonly Endpoint[]): void {
    const key = serviceKey(service);
    const kept = endpoints ?? this.entries.get(key)?.endpoints ?? [];
    this.entries.set(key, { service, endpoints: [...kept].sort(compareEndpoints) });
    this.sortedServices = undefined;
    this.emit({ servicesChanged: [service.hostname], endpointsChanged: [] });
  }

  /** Removes a service; a services change. Returns whether it existed. */
  removeService(hostname: string, namespace: string): boolean {
    if (!this.entries.delete(serviceKey({ hostname, namespace }))) return false;
    this.sortedServices = undefined;
    this.emit({ servicesChanged: [hostname], endpointsChanged: [] });
    return true;
  }

  /** Replaces the endpoints of an existing service: an endpoints-only change (EDS fast path). */
  setEndpoints(hostname: string, namespace: string, endpoints: readonly Endpoint[]): void {
    const key = serviceKey({ hostname, namespace });
    const entry = this.entries.get(key);
    if (!entry) throw new Error(`no service ${key} in memory registry ${this.provider}`);
    this.entries.set(key, { service: entry.service, endpoints: [...endpoints].sort(compareEndpoints) });
    this.emit({ servicesChanged: [], endpointsChanged: [hostname] });
  }

  onChange(handler: RegistryChangeHandler): void {
    this.handlers.push(handler);
  }

  private emit(change: RegistryChange): void {
    for (const h of [...this.handlers]) h(change);
  }
}
