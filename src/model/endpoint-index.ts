/**
 * Endpoints per service and port name, held by reference outside the immutable PushContext so the
 * EDS fast path (design §5, Istio's EndpointIndex / incremental EDS) can replace one service's
 * endpoints without rebuilding the PushContext. Each hostname carries a content version: equal
 * endpoints, equal version, so encoded ClusterLoadAssignments are shared and only re-encoded when
 * their hostname's endpoints really changed. No I/O, no timers.
 */
import { contentHash } from '../util/hash.js';
import type { Endpoint, Service } from './service.js';
import { stableStringify } from './push-context/stable-json.js';

type ServiceRef = Pick<Service, 'hostname' | 'namespace'>;

const EMPTY: readonly Endpoint[] = [];

function refKey(ref: ServiceRef): string {
  return `${ref.namespace}/${ref.hostname}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic order: address, port, service port name. */
export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return (
    compareStrings(a.address, b.address) ||
    a.port - b.port ||
    compareStrings(a.servicePortName, b.servicePortName)
  );
}

interface ServiceEndpoints {
  readonly ref: ServiceRef;
  readonly all: readonly Endpoint[];
  readonly byPort: ReadonlyMap<string, readonly Endpoint[]>;
  readonly hash: string;
  /** The list it was set from: registries hand back the same array while nothing changed. */
  readonly source: readonly Endpoint[];
}

/** Read side, as generators see it. */
export interface EndpointView {
  /** Endpoints of one service (hostname in one namespace), optionally only one service port name. */
  endpoints(service: ServiceRef, portName?: string): readonly Endpoint[];
  /** Content version of every service's endpoints under `hostname`; `''` when none are known. */
  hostnameVersion(hostname: string): string;
  /** In-process revision, bumped on every effective change (cache keys, not wire versions). */
  readonly revision: number;
}

export class EndpointIndex implements EndpointView {
  private readonly services = new Map<string, ServiceEndpoints>();
  /** hostname → service keys (a hostname may be defined in several namespaces). */
  private readonly byHostname = new Map<string, Set<string>>();
  private readonly hostVersions = new Map<string, string>();
  private rev = 0;
  private versionCache: string | undefined;

  get revision(): number {
    return this.rev;
  }

  /**
   * Replaces the endpoints of one service. Returns true when they changed, so the caller knows
   * whether an EDS push for `service.hostname` is needed.
   */
  setServiceEndpoints(service: ServiceRef, endpoints: readonly Endpoint[]): boolean {
    const key = refKey(service);
    const previous = this.services.get(key);
    // Endpoint lists are immutable values: the same array is the same content, and a full push
    // over thousands of services then skips sorting and hashing every one of them.
    if (previous && previous.source === endpoints) return false;
    const sorted = [...endpoints].sort(compareEndpoints);
    const hash = contentHash(stableStringify(sorted));
    if (previous && previous.hash === hash) {
      this.services.set(key, { ...previous, source: endpoints });
      return false;
    }
    const byPort = new Map<string, Endpoint[]>();
    for (const ep of sorted) {
      const list = byPort.get(ep.servicePortName);
      if (list) list.push(ep);
      else byPort.set(ep.servicePortName, [ep]);
    }
    this.services.set(key, {
      ref: { hostname: service.hostname, namespace: service.namespace },
      all: sorted,
      byPort,
      hash,
      source: endpoints,
    });
    let keys = this.byHostname.get(service.hostname);
    if (!keys) {
      keys = new Set();
      this.byHostname.set(service.hostname, keys);
    }
    keys.add(key);
    this.touch(service.hostname);
    return true;
  }

  /** Forgets a service's endpoints; returns true when it had any entry. */
  deleteService(service: ServiceRef): boolean {
    const key = refKey(service);
    if (!this.services.delete(key)) return false;
    const keys = this.byHostname.get(service.hostname);
    keys?.delete(key);
    if (keys && keys.size === 0) this.byHostname.delete(service.hostname);
    this.touch(service.hostname);
    return true;
  }

  /**
   * Makes the index hold exactly `entries` (a full resync from the registries). Returns the
   * hostnames whose endpoints changed.
   */
  replaceAll(entries: readonly { service: ServiceRef; endpoints: readonly Endpoint[] }[]): string[] {
    const changed = new Set<string>();
    const keep = new Set<string>();
    for (const { service, endpoints } of entries) {
      keep.add(refKey(service));
      if (this.setServiceEndpoints(service, endpoints)) changed.add(service.hostname);
    }
    for (const [key, entry] of [...this.services]) {
      if (!keep.has(key) && this.deleteService(entry.ref)) changed.add(entry.ref.hostname);
    }
    return [...changed].sort();
  }

  endpoints(service: ServiceRef, portName?: string): readonly Endpoint[] {
    const entry = this.services.get(refKey(service));
    if (!entry) return EMPTY;
    return portName === undefined ? entry.all : (entry.byPort.get(portName) ?? EMPTY);
  }

  hostnameVersion(hostname: string): string {
    const cached = this.hostVersions.get(hostname);
    if (cached !== undefined) return cached;
    const keys = [...(this.byHostname.get(hostname) ?? [])].sort();
    const version =
      keys.length === 0 ? '' : contentHash(keys.map((k) => `${k}=${this.services.get(k)!.hash}`).join(';'));
    this.hostVersions.set(hostname, version);
    return version;
  }

  /** Content version of all endpoints (deterministic across replicas). */
  version(): string {
    if (this.versionCache === undefined) {
      const parts = [...this.services.keys()].sort().map((k) => `${k}=${this.services.get(k)!.hash}`);
      this.versionCache = contentHash(parts.join(';'));
    }
    return this.versionCache;
  }

  hostnames(): string[] {
    return [...this.byHostname.keys()].sort();
  }

  private touch(hostname: string): void {
    this.hostVersions.delete(hostname);
    this.versionCache = undefined;
    this.rev++;
  }
}
