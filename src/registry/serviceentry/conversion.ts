/**
 * ServiceEntry (+ WorkloadEntry) → Service and Endpoint, as Istio's serviceentry controller
 * converts them (https://istio.io/latest/docs/reference/config/networking/service-entry/). Pure: no
 * I/O, no timers, never throws on validated input; output sorted for determinism.
 */
import { configKey, type Config } from '../../model/config.js';
import type { ServiceEntrySpec, WorkloadEntrySpec } from '../../model/istio/index.js';
import {
  parseLocality,
  protocolFromName,
  type Endpoint,
  type Protocol,
  type Resolution,
  type Service,
  type ServicePort,
} from '../../model/service.js';

export const SERVICE_ENTRY_PROVIDER = 'serviceentry';

/** One host of a ServiceEntry with its endpoints (all ports), sorted by address, port, port name. */
export interface ConvertedService {
  readonly service: Service;
  readonly endpoints: readonly Endpoint[];
}

/** The fields of a workload (a `spec.endpoints` entry or a WorkloadEntry spec) we read. */
type Workload = WorkloadEntrySpec;

const RESOLUTIONS: readonly Resolution[] = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'];

/**
 * The API enum defaults to NONE (value 0) when unset. DYNAMIC_DNS (wildcard hosts through Envoy's
 * dynamic forward proxy) has no counterpart in the service model yet: it is served as NONE
 * (original-destination passthrough), which is what a wildcard host gets without it.
 */
function resolutionOf(value: string | undefined): Resolution {
  return RESOLUTIONS.find((r) => r === value) ?? 'NONE';
}

/**
 * `protocol` names the protocol explicitly (`HTTP`, `grpc`, ...); when it is absent we infer from
 * the port name (`http-web` → HTTP) as Istio does for Kubernetes Services.
 */
function portProtocol(protocol: string | undefined, name: string): Protocol {
  if (protocol) return protocolFromName(protocol);
  return protocolFromName(name);
}

function convertPorts(spec: ServiceEntrySpec): ServicePort[] {
  const ports: ServicePort[] = [];
  for (const p of spec.ports ?? []) {
    const name = p.name ?? '';
    const port: ServicePort = {
      name,
      port: p.number ?? 0,
      protocol: portProtocol(p.protocol, name),
      ...(p.targetPort ? { targetPort: p.targetPort } : {}),
    };
    ports.push(port);
  }
  return ports.sort((a, b) => a.port - b.port || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `.` means the object's own namespace; nothing means everywhere (mesh default `*`). */
function convertExportTo(exportTo: readonly string[] | undefined, namespace: string): string[] {
  if (!exportTo || exportTo.length === 0) return ['*'];
  return [...new Set(exportTo.map((e) => (e === '.' ? namespace : e)))].sort();
}

/**
 * The endpoint port for one service port: the workload's `ports[portName]`, else the service
 * port's `targetPort`, else its `number` (ServiceEntry.Port and WorkloadEntry.ports docs).
 */
function endpointPort(workload: Workload, port: ServicePort): number {
  const named = workload.ports?.[port.name];
  if (named) return named;
  return port.targetPort ?? port.port;
}

/**
 * One endpoint per service port. Labels are the workload's `spec.labels` (for a WorkloadEntry, what
 * the selector matched, not its metadata labels), as Istio builds a WorkloadInstance.
 */
function convertWorkload(workload: Workload, ports: readonly ServicePort[]): Endpoint[] {
  const address = workload.address ?? '';
  // A WorkloadEntry with only `network` set is reached through that network's gateway, which
  // meshplane does not model yet: it contributes no endpoint.
  if (address === '') return [];
  return ports.map((port) => ({
    address,
    port: endpointPort(workload, port),
    servicePortName: port.name,
    labels: { ...(workload.labels ?? {}) },
    locality: parseLocality(workload.locality),
    // proto uint32 weight: 0 (unset) means the default weight of 1.
    weight: workload.weight && workload.weight > 0 ? workload.weight : 1,
    healthy: true,
    ...(workload.network ? { network: workload.network } : {}),
    ...(workload.serviceAccount ? { serviceAccount: workload.serviceAccount } : {}),
  }));
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  if (a.servicePortName !== b.servicePortName) return a.servicePortName < b.servicePortName ? -1 : 1;
  return 0;
}

/** `selector` matches when every one of its labels is on the workload (an empty selector matches all). */
export function selectorMatches(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * Converts one ServiceEntry into one Service per host (hosts are FQDNs as written: Istio does not
 * expand ServiceEntry hosts with the namespace or `domainSuffix`), each with its endpoints:
 * - from `spec.endpoints`;
 * - or, when `spec.workloadSelector` is set, from the WorkloadEntries of the same namespace whose
 *   labels match it (`workloadEntries` may hold any namespace; others are ignored);
 * - or, for DNS / DNS_ROUND_ROBIN with neither, the host itself on every port, which the proxy
 *   resolves (Istio does the same).
 *
 * DNS endpoints keep their host name as the address. Proxyless gRPC EDS needs IP addresses: its
 * builder skips endpoints whose address is a name; such services are served to proxyless clients
 * as LOGICAL_DNS clusters instead (later work). Envoy gets them as STRICT_DNS / LOGICAL_DNS
 * cluster members.
 *
 * `domainSuffix` is accepted for symmetry with other registries (short names in other sources);
 * ServiceEntry hosts are never rewritten with it.
 */
export function convertServiceEntry(
  config: Config<ServiceEntrySpec>,
  workloadEntries: readonly Config<WorkloadEntrySpec>[],
  _domainSuffix: string,
): ConvertedService[] {
  const { spec, meta } = config;
  const ports = convertPorts(spec);
  const resolution = resolutionOf(spec.resolution);
  const meshExternal = spec.location !== 'MESH_INTERNAL';
  const exportTo = convertExportTo(spec.exportTo, meta.namespace);
  const addresses = [...new Set(spec.addresses ?? [])].sort();

  let workloads: Workload[] = [];
  if (spec.workloadSelector) {
    const selector = spec.workloadSelector.labels ?? {};
    workloads = workloadEntries
      .filter((we) => we.meta.namespace === meta.namespace)
      .filter((we) => selectorMatches(selector, we.spec.labels ?? {}))
      .map((we) => we.spec);
  } else {
    workloads = [...(spec.endpoints ?? [])];
  }
  const shared = workloads.flatMap((w) => convertWorkload(w, ports));

  const out: ConvertedService[] = [];
  for (const host of [...new Set(spec.hosts ?? [])].sort()) {
    const service: Service = {
      hostname: host,
      namespace: meta.namespace,
      registry: SERVICE_ENTRY_PROVIDER,
      ports,
      addresses,
      resolution,
      meshExternal,
      exportTo,
      labels: { ...meta.labels },
      sourceKey: configKey(meta.kind, meta.namespace, meta.name),
      ...(meta.creationTimestamp ? { creationTimestamp: meta.creationTimestamp } : {}),
    };
    let endpoints = shared;
    const isDns = resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN';
    if (isDns && workloads.length === 0 && !spec.workloadSelector) {
      endpoints = convertWorkload({ address: host }, ports);
    }
    out.push({ service, endpoints: dedupe(endpoints).sort(compareEndpoints) });
  }
  return out;
}

/** Two workloads with the same address and port serve once; the first definition is kept. */
function dedupe(endpoints: readonly Endpoint[]): Endpoint[] {
  const seen = new Map<string, Endpoint>();
  for (const ep of endpoints) {
    const k = `${ep.address}|${ep.port}|${ep.servicePortName}`;
    if (!seen.has(k)) seen.set(k, ep);
  }
  return [...seen.values()];
}
