/**
 * Eureka's registry (`GET /eureka/apps`, `/eureka/apps/delta`, JSON) → the service model. Pure: the
 * answers are plain data (fields read only), no I/O, no timers, never throws on what the server
 * sends, output sorted. The rules:
 *
 * - **Parsing**: Eureka's JSON codecs write `application` and `instance` as arrays, older XStream
 *   codecs collapse a single element to an object; both are read. Ports are `{"$": N,
 *   "@enabled": "true"}` with string or boolean flags.
 * - **Delta reconciliation** (Eureka's client protocol): deltas are applied in order (`ADDED` and
 *   `MODIFIED` replace the instance, `DELETED` removes it), then the local apps hashcode — every
 *   instance counted by status, statuses in ascending order, `STATUS_COUNT_` concatenated (e.g.
 *   `DOWN_1_UP_2_`) — must equal the delta's `apps__hashcode`; a mismatch means the delta missed
 *   something and the caller does a full fetch.
 * - **Host**: the VIP address (`vipAddress` for the plain port, `secureVipAddress` for the secure
 *   one; comma-separated lists give one service each) or, when configured or when there is no VIP,
 *   the app name. Lowercased. A name with a dot is already a DNS name and is the host as is; a
 *   bare name gets the configured suffix (default `.eureka`), so Istio config can name it without
 *   it being read as a short Kubernetes name.
 * - **Health**: only `UP` instances serve; others stay listed with `healthy: false` (a status flip
 *   is then an endpoints-only change).
 * - **Ports**: the plain port (when enabled) is exposed on the service port of the settings
 *   (default 80) and named by metadata `protocol` (default `http`); the secure port (when enabled)
 *   on the secure service port (default 443), named `https`. Instance ports may differ freely.
 * - **Labels**: the instance metadata (string values; Jackson's `@class` left out). **Locality**:
 *   zone = metadata `zone` (Spring Cloud's key) or the AWS data center's `availability-zone`,
 *   region = metadata `region`.
 */
import type { Endpoint, Service, ServicePort } from '../../model/service.js';
import { protocolFromName } from '../../model/service.js';
import { compareEndpoints } from '../memory.js';
import type { ConvertedService } from '../service-snapshot.js';

export const EUREKA_PROVIDER = 'eureka';

export interface EurekaSettings {
  /** Host from the VIP address (default) or from the app name. */
  readonly hostFrom: 'vip' | 'app';
  /** Appended to a bare (dot-less) name. */
  readonly suffix: string;
  readonly namespace: string;
  readonly servicePort: number;
  readonly secureServicePort: number;
}

export const DEFAULT_EUREKA_SETTINGS: EurekaSettings = {
  hostFrom: 'vip',
  suffix: '.eureka',
  namespace: 'default',
  servicePort: 80,
  secureServicePort: 443,
};

type Flag = string | boolean | undefined;

export interface EurekaPort {
  readonly $?: number | string;
  readonly '@enabled'?: Flag;
}

export interface EurekaInstance {
  readonly instanceId?: string;
  readonly app?: string;
  readonly hostName?: string;
  readonly ipAddr?: string;
  readonly status?: string;
  readonly port?: EurekaPort;
  readonly securePort?: EurekaPort;
  readonly vipAddress?: string;
  readonly secureVipAddress?: string;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
  readonly dataCenterInfo?: { readonly name?: string; readonly metadata?: Readonly<Record<string, unknown>> };
  readonly actionType?: string;
}

export interface EurekaApplications {
  /** `apps__hashcode` of the answer ('' when the registry is empty). */
  readonly hashcode: string;
  readonly instances: readonly EurekaInstance[];
}

function asList<T>(v: T | readonly T[] | null | undefined): readonly T[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `{"applications": {...}}` → its instances (app name filled in), or undefined on a bad shape. */
export function parseApplications(body: unknown): EurekaApplications | undefined {
  if (!isObject(body) || !isObject(body['applications'])) return undefined;
  const apps = body['applications'];
  const hash = apps['apps__hashcode'];
  const instances: EurekaInstance[] = [];
  for (const app of asList(apps['application'] as unknown)) {
    if (!isObject(app)) continue;
    const appName = typeof app['name'] === 'string' ? app['name'] : '';
    for (const inst of asList(app['instance'] as unknown)) {
      if (!isObject(inst)) continue;
      const i = inst as EurekaInstance;
      instances.push({ ...i, app: i.app || appName });
    }
  }
  return { hashcode: typeof hash === 'string' ? hash : '', instances };
}

/** Identity of an instance across fetches: `APP/instanceId` (hostName when there is no id). */
export function instanceKey(i: EurekaInstance): string {
  return `${(i.app ?? '').toUpperCase()}/${i.instanceId || i.hostName || i.ipAddr || ''}`;
}

/** The full registry as a map keyed by instanceKey. */
export function indexInstances(instances: readonly EurekaInstance[]): Map<string, EurekaInstance> {
  return new Map(instances.map((i) => [instanceKey(i), i]));
}

/** Applies a delta's instances in order to a copy of `state`. */
export function applyDelta(
  state: ReadonlyMap<string, EurekaInstance>,
  delta: readonly EurekaInstance[],
): Map<string, EurekaInstance> {
  const next = new Map(state);
  for (const i of delta) {
    const key = instanceKey(i);
    if ((i.actionType ?? '').toUpperCase() === 'DELETED') next.delete(key);
    else next.set(key, i);
  }
  return next;
}

/** Eureka's apps hashcode of a set of instances, e.g. `DOWN_1_UP_2_`. */
export function appsHashcode(instances: Iterable<EurekaInstance>): string {
  const counts = new Map<string, number>();
  for (const i of instances) {
    const s = i.status ?? 'UNKNOWN';
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([s, n]) => `${s}_${n}_`)
    .join('');
}

function enabled(p: EurekaPort | undefined, byDefault: boolean): number | undefined {
  if (!p) return undefined;
  const flag = p['@enabled'];
  const on = flag === undefined ? byDefault : flag === true || String(flag).toLowerCase() === 'true';
  const n = Number(p.$);
  return on && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

function stringRecord(r: Readonly<Record<string, unknown>> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!k.startsWith('@') && typeof v === 'string') out[k] = v;
  }
  return out;
}

export function eurekaHostname(name: string, settings: EurekaSettings): string {
  const n = name.trim().toLowerCase();
  return n.includes('.') ? n : `${n}${settings.suffix.toLowerCase()}`;
}

function hostsOf(i: EurekaInstance, secure: boolean, settings: EurekaSettings): string[] {
  const app = (i.app ?? '').trim();
  const vips = (secure ? i.secureVipAddress || i.vipAddress : i.vipAddress) ?? '';
  const names = settings.hostFrom === 'app' ? [app] : vips.split(',').map((v) => v.trim());
  const usable = names.filter(Boolean);
  return [
    ...new Set((usable.length > 0 ? usable : [app]).filter(Boolean).map((n) => eurekaHostname(n, settings))),
  ];
}

/** Every instance of the registry → one service per host, sorted by hostname. */
export function convertEurekaInstances(
  instances: Iterable<EurekaInstance>,
  settings: EurekaSettings = DEFAULT_EUREKA_SETTINGS,
): ConvertedService[] {
  const byHost = new Map<string, { ports: Map<number, ServicePort>; endpoints: Endpoint[] }>();
  const sorted = [...instances].sort((a, b) => (instanceKey(a) < instanceKey(b) ? -1 : 1));
  for (const i of sorted) {
    const address = (i.ipAddr || i.hostName || '').trim();
    if (!address) continue;
    const metadata = stringRecord(i.metadata);
    const dcMeta = stringRecord(i.dataCenterInfo?.metadata);
    const locality = {
      region: metadata['region'] ?? '',
      zone: metadata['zone'] ?? dcMeta['availability-zone'] ?? '',
      subzone: '',
    };
    const plainName = (metadata['protocol'] ?? 'http').toLowerCase();
    const ports: Array<[boolean, number | undefined, ServicePort]> = [
      [
        false,
        enabled(i.port, true),
        { name: plainName, port: settings.servicePort, protocol: protocolOf(plainName) },
      ],
      [
        true,
        enabled(i.securePort, false),
        { name: 'https', port: settings.secureServicePort, protocol: 'HTTPS' },
      ],
    ];
    for (const [secure, instancePort, servicePort] of ports) {
      if (instancePort === undefined) continue;
      for (const host of hostsOf(i, secure, settings)) {
        let entry = byHost.get(host);
        if (!entry) byHost.set(host, (entry = { ports: new Map(), endpoints: [] }));
        const known = entry.ports.get(servicePort.port);
        if (!known || servicePort.name < known.name) entry.ports.set(servicePort.port, servicePort);
        entry.endpoints.push({
          address,
          port: instancePort,
          servicePortName: servicePort.name,
          labels: metadata,
          locality,
          weight: 1,
          healthy: (i.status ?? '').toUpperCase() === 'UP',
        });
      }
    }
  }
  return [...byHost.keys()].sort().map((host) => {
    const entry = byHost.get(host)!;
    const ports = [...entry.ports.values()].sort((a, b) => a.port - b.port);
    const names = new Set(ports.map((p) => p.name));
    const service: Service = {
      hostname: host,
      namespace: settings.namespace,
      registry: EUREKA_PROVIDER,
      ports,
      addresses: [],
      resolution: 'STATIC',
      meshExternal: false,
      exportTo: ['*'],
      labels: {},
      sourceKey: `EurekaService/${settings.namespace}/${host}`,
    };
    return {
      service,
      endpoints: dedupe(entry.endpoints.filter((e) => names.has(e.servicePortName))),
    };
  });
}

function protocolOf(name: string): ServicePort['protocol'] {
  const p = protocolFromName(name);
  return p === 'UNSUPPORTED' ? 'TCP' : p;
}

/** Two registrations of one address and port (re-registration under a new id) serve once. */
function dedupe(endpoints: Endpoint[]): Endpoint[] {
  const seen = new Map<string, Endpoint>();
  for (const e of endpoints) {
    const k = `${e.address}|${e.port}|${e.servicePortName}`;
    const prev = seen.get(k);
    if (!prev || (!prev.healthy && e.healthy)) seen.set(k, e);
  }
  return [...seen.values()].sort(compareEndpoints);
}
