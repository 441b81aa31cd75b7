/**
 * Consul catalog + health → the service model. Pure: the HTTP answers are plain data here (only
 * the fields read are declared), no I/O, no timers, never throws on what Consul sends, output
 * sorted. The rules, each chosen so the result depends on Consul's answer alone:
 *
 * - **Host**: the settings' template with `{name}` replaced by the Consul service name, lowercased;
 *   the default `{name}.service.consul` is the name Consul's own DNS interface answers for it
 *   (https://developer.hashicorp.com/consul/docs/services/discovery/dns-static-lookups).
 * - **Health**: an instance's state is the worst of its checks (service checks and its node's
 *   checks), as `/v1/health/service/:name?passing` filters: `critical` (or any unknown status,
 *   e.g. `maintenance`) never serves, `warning` serves only when the settings say so, `passing`
 *   serves. Non-serving instances stay listed with `healthy: false` so a change of health is an
 *   endpoints-only change (EDS fast path) and the debug view shows them.
 * - **Labels**: tags `key=value` (and Istio 1.7's `key|value`) become `key: value`, a bare tag `t`
 *   becomes `t: "true"`; service meta `key: value` is copied and wins over a tag with the same key.
 *   DestinationRule subsets select on these.
 * - **Ports**: an instance with meta `port-NAME: "P"` serves port NAME on P (one meta key per
 *   port); the service port for NAME is the smallest P among instances, so instances that agree
 *   (the usual deployment) give a stable number, as Istio's Consul adapter required.
 *   Otherwise the instance serves one port on `Service.Port`, named by meta `protocol` (Istio 1.7's
 *   key, lowercased; default `tcp`), exposed on the fixed service port of the settings (default
 *   80, as consul2istio's default port): instance ports may then differ freely (dynamic ports).
 *   Protocols follow the port name (`grpc`, `http`, `grpc-web`, …) as Istio infers them.
 * - **Locality**: region = the node's datacenter, zone = node meta `zone` (or service meta `zone`).
 * - **Weight**: `Weights.Passing` (or `Weights.Warning` for a serving warning instance), default 1.
 * - **Address**: `Service.Address`, or the node's `Address` when empty (Consul's own rule).
 */
import type { Endpoint, Protocol, Service, ServicePort } from '../../model/service.js';
import { protocolFromName } from '../../model/service.js';
import { compareEndpoints } from '../memory.js';

export const CONSUL_PROVIDER = 'consul';

/** Consul's own service in every catalog; never part of the mesh. */
export const CONSUL_SELF_SERVICE = 'consul';

export interface ConsulSettings {
  /** Host template; `{name}` is the Consul service name. */
  readonly hostTemplate: string;
  /** Namespace the services belong to in the mesh (visibility, DestinationRule lookup). */
  readonly namespace: string;
  /** Whether instances whose worst check is `warning` still receive traffic. */
  readonly serveWarning: boolean;
  /** Service port of an instance without `port-NAME` meta. */
  readonly defaultServicePort: number;
}

export const DEFAULT_CONSUL_SETTINGS: ConsulSettings = {
  hostTemplate: '{name}.service.consul',
  namespace: 'default',
  serveWarning: false,
  defaultServicePort: 80,
};

type Meta = Readonly<Record<string, string>> | null | undefined;

/** One entry of `GET /v1/health/service/:name` (fields read only). */
export interface ConsulHealthEntry {
  readonly Node?: {
    readonly Node?: string;
    readonly Address?: string;
    readonly Datacenter?: string;
    readonly Meta?: Meta;
  } | null;
  readonly Service?: {
    readonly ID?: string;
    readonly Service?: string;
    readonly Tags?: readonly string[] | null;
    readonly Address?: string;
    readonly Port?: number;
    readonly Meta?: Meta;
    readonly Weights?: { readonly Passing?: number; readonly Warning?: number } | null;
  } | null;
  readonly Checks?: ReadonlyArray<{ readonly Status?: string; readonly ServiceID?: string }> | null;
}

export interface ConvertedConsulService {
  readonly service: Service;
  readonly endpoints: readonly Endpoint[];
}

const PORT_META_PREFIX = 'port-';

export function consulHostname(name: string, settings: ConsulSettings): string {
  return settings.hostTemplate.split('{name}').join(name).toLowerCase();
}

/** The worst check status of an instance: `passing`, `warning` or `critical`. */
export function instanceHealth(entry: ConsulHealthEntry): 'passing' | 'warning' | 'critical' {
  let worst: 'passing' | 'warning' | 'critical' = 'passing';
  for (const c of entry.Checks ?? []) {
    const s = (c.Status ?? '').toLowerCase();
    if (s === 'passing') continue;
    if (s !== 'warning') return 'critical';
    worst = 'warning';
  }
  return worst;
}

/** Tags and meta → labels (meta wins on a shared key). */
export function consulLabels(tags: readonly string[] | null | undefined, meta: Meta): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of [...(tags ?? [])].sort()) {
    const m = /^([^=|]+)[=|](.*)$/.exec(tag);
    if (m) out[m[1]!.trim()] = m[2]!.trim();
    else if (tag.trim()) out[tag.trim()] = 'true';
  }
  for (const [k, v] of Object.entries(meta ?? {})) {
    if (k.startsWith(PORT_META_PREFIX)) continue;
    if (typeof v === 'string') out[k] = v;
  }
  return sortRecord(out);
}

function sortRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** The ports one instance serves: name → instance port. */
function instancePorts(entry: ConsulHealthEntry): { named: boolean; ports: Map<string, number> } {
  const ports = new Map<string, number>();
  const meta = entry.Service?.Meta ?? {};
  for (const [k, v] of Object.entries(meta)) {
    if (!k.startsWith(PORT_META_PREFIX)) continue;
    const name = k.slice(PORT_META_PREFIX.length).toLowerCase();
    const n = Number(v);
    if (name && validPort(n)) ports.set(name, n);
  }
  if (ports.size > 0) return { named: true, ports };
  const port = entry.Service?.Port ?? 0;
  if (validPort(port)) ports.set(defaultPortName(entry), port);
  return { named: false, ports };
}

function defaultPortName(entry: ConsulHealthEntry): string {
  const p = entry.Service?.Meta?.['protocol'];
  return typeof p === 'string' && p.trim() ? p.trim().toLowerCase() : 'tcp';
}

function protocolOf(name: string): Protocol {
  const p = protocolFromName(name);
  return p === 'UNSUPPORTED' ? 'TCP' : p;
}

/**
 * One Consul service (its name and the entries of `/v1/health/service/:name`, unfiltered) →
 * one Service with its endpoints, or undefined when no instance names a usable port.
 */
export function convertConsulService(
  name: string,
  entries: readonly ConsulHealthEntry[],
  settings: ConsulSettings = DEFAULT_CONSUL_SETTINGS,
): ConvertedConsulService | undefined {
  const servicePorts = new Map<string, ServicePort>();
  const endpoints: Endpoint[] = [];
  const sorted = [...entries].sort((a, b) => {
    const ka = `${a.Node?.Node ?? ''}/${a.Service?.ID ?? ''}`;
    const kb = `${b.Node?.Node ?? ''}/${b.Service?.ID ?? ''}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  for (const entry of sorted) {
    const address = (entry.Service?.Address || entry.Node?.Address || '').trim();
    if (!address) continue;
    const { named, ports } = instancePorts(entry);
    const health = instanceHealth(entry);
    const healthy = health === 'passing' || (health === 'warning' && settings.serveWarning);
    const weights = entry.Service?.Weights;
    const rawWeight = health === 'warning' ? weights?.Warning : weights?.Passing;
    const weight = Number.isInteger(rawWeight) && (rawWeight ?? 0) > 0 ? rawWeight! : 1;
    const labels = consulLabels(entry.Service?.Tags, entry.Service?.Meta);
    const nodeMeta = entry.Node?.Meta ?? {};
    const locality = {
      region: entry.Node?.Datacenter ?? '',
      zone: nodeMeta['zone'] ?? entry.Service?.Meta?.['zone'] ?? '',
      subzone: '',
    };
    for (const [portName, instancePort] of ports) {
      const servicePort = named ? instancePort : settings.defaultServicePort;
      const prev = servicePorts.get(portName);
      if (!prev || servicePort < prev.port) {
        servicePorts.set(portName, { name: portName, port: servicePort, protocol: protocolOf(portName) });
      }
      endpoints.push({
        address,
        port: instancePort,
        servicePortName: portName,
        labels,
        locality,
        weight,
        healthy,
      });
    }
  }
  if (servicePorts.size === 0) return undefined;
  // Two names on one service port cannot both be served: keep the first name (sorted) per number.
  const byNumber = new Map<number, ServicePort>();
  for (const p of [...servicePorts.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!byNumber.has(p.port)) byNumber.set(p.port, p);
  }
  const ports = [...byNumber.values()].sort((a, b) => a.port - b.port);
  const kept = new Set(ports.map((p) => p.name));
  const service: Service = {
    hostname: consulHostname(name, settings),
    namespace: settings.namespace,
    registry: CONSUL_PROVIDER,
    ports,
    addresses: [],
    resolution: 'STATIC',
    meshExternal: false,
    exportTo: ['*'],
    labels: {},
    sourceKey: `ConsulService/${settings.namespace}/${name}`,
  };
  return {
    service,
    endpoints: endpoints.filter((e) => kept.has(e.servicePortName)).sort(compareEndpoints),
  };
}

/** `GET /v1/catalog/services` → the service names of the mesh, sorted, Consul's own left out. */
export function consulServiceNames(body: unknown): string[] | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  return Object.keys(body)
    .filter((n) => n !== CONSUL_SELF_SERVICE && n.length > 0)
    .sort();
}

/** `GET /v1/health/service/:name` → its entries, or undefined when the body is not a list. */
export function consulHealthEntries(body: unknown): ConsulHealthEntry[] | undefined {
  if (!Array.isArray(body)) return undefined;
  return body.filter((e): e is ConsulHealthEntry => e !== null && typeof e === 'object');
}
