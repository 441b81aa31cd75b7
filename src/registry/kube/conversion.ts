/**
 * Kubernetes Service + EndpointSlices (+ the Pods and Nodes behind them) → the service model, as
 * istiod's kube registry converts them (`pilot/pkg/serviceregistry/kube/conversion.go` and the
 * EndpointSlice controller, described in https://istio.io/latest/docs/ops/configuration/traffic-management/).
 * Pure: the Kubernetes objects are plain data here, with only the fields read declared; no I/O, no
 * timers; never throws; output sorted.
 */
import { configKey } from '../../model/config.js';
import {
  EMPTY_LOCALITY,
  protocolFromName,
  type Endpoint,
  type Locality,
  type Protocol,
  type Resolution,
  type Service,
  type ServicePort,
} from '../../model/service.js';

export const KUBERNETES_PROVIDER = 'kubernetes';

type Labels = Readonly<Record<string, string>>;

interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Labels;
  readonly annotations?: Labels;
  readonly creationTimestamp?: string;
}

export interface K8sServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
  readonly protocol?: string;
  readonly appProtocol?: string;
}

export interface K8sService {
  readonly metadata: Meta;
  readonly spec?: {
    readonly type?: string;
    readonly clusterIP?: string;
    readonly clusterIPs?: readonly string[];
    readonly externalName?: string;
    readonly ports?: readonly K8sServicePort[];
  };
}

export interface K8sEndpoint {
  readonly addresses?: readonly string[];
  readonly conditions?: { readonly ready?: boolean | null; readonly serving?: boolean | null };
  readonly targetRef?: { readonly kind?: string; readonly name?: string; readonly namespace?: string };
  readonly nodeName?: string;
  readonly zone?: string;
}

export interface K8sEndpointSlice {
  readonly metadata: Meta;
  readonly addressType?: string;
  readonly endpoints?: readonly K8sEndpoint[] | null;
  readonly ports?: ReadonlyArray<{ readonly name?: string | null; readonly port?: number | null }> | null;
}

export interface K8sPod {
  readonly metadata: Meta;
  readonly spec?: { readonly serviceAccountName?: string; readonly nodeName?: string };
}

export interface K8sNode {
  readonly metadata: Meta;
}

/** The label EndpointSlices carry naming their Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Istio's annotation limiting a Service's visibility, a comma-separated namespace list. */
export const EXPORT_TO_ANNOTATION = 'networking.istio.io/exportTo';
/** Istio's pod label overriding locality, `region.zone.subzone` (dots: label values allow no `/`). */
export const LOCALITY_LABEL = 'istio-locality';
const REGION = 'topology.kubernetes.io/region';
const ZONE = 'topology.kubernetes.io/zone';
const SUBZONE = 'topology.istio.io/subzone';

/** Looks up the objects an endpoint refers to (from the informer caches). */
export interface EndpointContext {
  pod(namespace: string, name: string): K8sPod | undefined;
  node(name: string): K8sNode | undefined;
}

export function serviceHostname(name: string, namespace: string, domainSuffix: string): string {
  return `${name}.${namespace}.svc.${domainSuffix}`;
}

/**
 * Istio's protocol selection for a Kubernetes port: `appProtocol` first (including the
 * `kubernetes.io/h2c` and `kubernetes.io/ws*` standard values), then the port-name prefix
 * (`grpc-foo`), and UDP from the port's transport protocol.
 */
export function kubePortProtocol(port: K8sServicePort): Protocol {
  if (port.protocol === 'UDP') return 'UDP';
  if (port.protocol === 'SCTP') return 'UNSUPPORTED';
  const app = port.appProtocol?.toLowerCase();
  if (app === 'kubernetes.io/h2c') return 'HTTP2';
  if (app === 'kubernetes.io/ws' || app === 'kubernetes.io/wss') return 'HTTP';
  if (app) {
    const p = protocolFromName(app);
    if (p !== 'UNSUPPORTED') return p;
  }
  return protocolFromName(port.name);
}

function convertExportTo(annotation: string | undefined, namespace: string): string[] {
  const list = (annotation ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) return ['*'];
  return [...new Set(list.map((e) => (e === '.' ? namespace : e)))].sort();
}

/**
 * One Service per Kubernetes Service: `name.namespace.svc.<domainSuffix>`; ClusterIP services are
 * load-balanced by the client over their endpoints (STATIC, like a ServiceEntry with endpoints);
 * headless ones (`clusterIP: None`) are NONE (Istio's Passthrough: the client connects to the
 * address it resolved); ExternalName ones are mesh-external DNS services whose only endpoint is the
 * external name. A named `targetPort` is resolved per pod by the EndpointSlice controller, so only
 * a numeric one is recorded here.
 */
export function convertService(svc: K8sService, domainSuffix: string): Service {
  const namespace = svc.metadata.namespace ?? 'default';
  const spec = svc.spec ?? {};
  const ports: ServicePort[] = (spec.ports ?? [])
    .map((p) => ({
      name: p.name ?? '',
      port: p.port,
      protocol: kubePortProtocol(p),
      ...(typeof p.targetPort === 'number' && p.targetPort > 0 ? { targetPort: p.targetPort } : {}),
    }))
    .sort((a, b) => a.port - b.port || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const externalName = spec.type === 'ExternalName';
  const headless = spec.clusterIP === 'None';
  const ips =
    spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const resolution: Resolution = externalName ? 'DNS' : headless ? 'NONE' : 'STATIC';
  return {
    hostname: serviceHostname(svc.metadata.name, namespace, domainSuffix),
    namespace,
    registry: KUBERNETES_PROVIDER,
    ports,
    addresses: externalName || headless ? [] : [...new Set(ips.filter((ip) => ip !== 'None'))].sort(),
    resolution,
    meshExternal: externalName,
    exportTo: convertExportTo(svc.metadata.annotations?.[EXPORT_TO_ANNOTATION], namespace),
    labels: { ...(svc.metadata.labels ?? {}) },
    sourceKey: configKey('Service', namespace, svc.metadata.name),
    ...(svc.metadata.creationTimestamp ? { creationTimestamp: svc.metadata.creationTimestamp } : {}),
  };
}

/** Locality: the pod's `istio-locality` label, else the node's topology labels, else the slice's zone. */
export function endpointLocality(
  pod: K8sPod | undefined,
  node: K8sNode | undefined,
  zone?: string,
): Locality {
  const override = pod?.metadata.labels?.[LOCALITY_LABEL];
  if (override) {
    const [region = '', z = '', subzone = ''] = override.split('.');
    return { region, zone: z, subzone };
  }
  const labels = node?.metadata.labels;
  if (labels && (labels[REGION] || labels[ZONE])) {
    return { region: labels[REGION] ?? '', zone: labels[ZONE] ?? '', subzone: labels[SUBZONE] ?? '' };
  }
  return zone ? { ...EMPTY_LOCALITY, zone } : EMPTY_LOCALITY;
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  if (a.address !== b.address) return a.address < b.address ? -1 : 1;
  if (a.port !== b.port) return a.port - b.port;
  if (a.servicePortName !== b.servicePortName) return a.servicePortName < b.servicePortName ? -1 : 1;
  return 0;
}

/**
 * The endpoints of one converted Service from its EndpointSlices: one per address and slice port
 * whose name matches a service port. `conditions.ready` unset means ready (EndpointSlice API);
 * not-ready endpoints are kept, unhealthy, so EDS reports them as such rather than dropping them.
 * Labels are the pod's labels (what DestinationRule subsets select); the identity is the pod's
 * ServiceAccount as a SPIFFE name in `trustDomain`.
 */
export function convertEndpoints(
  service: Service,
  svc: K8sService,
  slices: readonly K8sEndpointSlice[],
  ctx: EndpointContext,
  trustDomain = 'cluster.local',
): Endpoint[] {
  if (service.resolution === 'DNS') {
    const host = svc.spec?.externalName ?? '';
    if (host === '') return [];
    return service.ports.map((p) => ({
      address: host,
      port: p.port,
      servicePortName: p.name,
      labels: {},
      locality: EMPTY_LOCALITY,
      weight: 1,
      healthy: true,
    }));
  }
  const byName = new Map(service.ports.map((p) => [p.name, p]));
  const seen = new Map<string, Endpoint>();
  for (const slice of slices) {
    for (const ep of slice.endpoints ?? []) {
      const ref = ep.targetRef?.kind === 'Pod' ? ep.targetRef : undefined;
      const pod = ref?.name ? ctx.pod(ref.namespace ?? service.namespace, ref.name) : undefined;
      const nodeName = ep.nodeName ?? pod?.spec?.nodeName;
      const node = nodeName ? ctx.node(nodeName) : undefined;
      const locality = endpointLocality(pod, node, ep.zone);
      const sa = pod?.spec?.serviceAccountName;
      const healthy = ep.conditions?.ready !== false;
      for (const address of ep.addresses ?? []) {
        for (const sp of slice.ports ?? []) {
          const port = byName.get(sp.name ?? '');
          if (!port || !sp.port) continue;
          const key = `${address}|${sp.port}|${port.name}`;
          // The same address in two slices (during a slice handover): a ready copy wins.
          const prior = seen.get(key);
          if (prior && (prior.healthy || !healthy)) continue;
          seen.set(key, {
            address,
            port: sp.port,
            servicePortName: port.name,
            labels: { ...(pod?.metadata.labels ?? {}) },
            locality,
            weight: 1,
            healthy,
            ...(sa ? { serviceAccount: `spiffe://${trustDomain}/ns/${service.namespace}/sa/${sa}` } : {}),
          });
        }
      }
    }
  }
  return [...seen.values()].sort(compareEndpoints);
}
