/**
 * The bench's config directory: M ServiceEntries (STATIC resolution, K endpoints each on 127.x
 * addresses: plain data, no traffic is ever sent to them), one file per service so that a change
 * rewrites one small file, plus a VirtualService and a DestinationRule per service. Also writes
 * the changes the scenarios make and says which xDS resources they should reach, named as Istio
 * names them (clusters and proxyless route configs `outbound|PORT||HOST`, listeners `HOST:PORT`).
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CDS, EDS, LDS, RDS, type ExpectItem } from './protocol.js';

export const SERVICE_PORT = 8080;
export const NAMESPACE = 'default';

export interface ConfigSpec {
  readonly dir: string;
  readonly services: number;
  readonly endpoints: number;
  /** Write a VirtualService and a DestinationRule per service (default true). */
  readonly routes?: boolean;
  /** Envoy-style sidecar nodes (route configs by port) rather than proxyless clients. */
  readonly sidecar?: boolean;
  /**
   * Scoped proxies: a Sidecar resource selecting the bench's workloads limits their egress to the
   * first `scope` services (Istio's way to cut a proxy's config to what it calls).
   */
  readonly scope?: number;
}

/** Services every client watches: all, or the scoped ones. */
export function watchedServices(spec: ConfigSpec): number {
  return spec.scope === undefined ? spec.services : Math.min(spec.scope, spec.services);
}

/** The route config name a client watches for a host: proxyless per host, a sidecar's per port. */
export function routeName(spec: ConfigSpec, host: string): string {
  return spec.sidecar ? String(SERVICE_PORT) : clusterName(host);
}

function sidecarResource(spec: ConfigSpec): string {
  const hosts = Array.from(
    { length: watchedServices(spec) },
    (_, i) => `        - ./${serviceHost(serviceName(i))}`,
  );
  return `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: bench-scope
  namespace: ${NAMESPACE}
spec:
  workloadSelector:
    labels: { app: bench }
  egress:
    - hosts:
${hosts.join('\n')}
`;
}

export function serviceName(i: number): string {
  return `svc-${String(i).padStart(5, '0')}`;
}

export function serviceHost(name: string): string {
  return `${name}.${NAMESPACE}.svc.cluster.local`;
}

export function clusterName(host: string): string {
  return `outbound|${SERVICE_PORT}||${host}`;
}

export function listenerName(host: string): string {
  return `${host}:${SERVICE_PORT}`;
}

/** A distinct loopback address per (service, endpoint). */
function endpointAddress(service: number, endpoint: number, perService: number): string {
  const idx = service * perService + endpoint + 1;
  return `127.${1 + ((idx >> 16) & 127)}.${(idx >> 8) & 255}.${idx & 255}`;
}

function serviceEntry(name: string, addresses: readonly string[]): string {
  const eps = addresses.map((a) => `    - address: ${a}\n      labels: { version: v1 }`).join('\n');
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
  namespace: ${NAMESPACE}
spec:
  hosts: [${serviceHost(name)}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
    - number: ${SERVICE_PORT}
      name: grpc
      protocol: GRPC
  endpoints:
${eps}
`;
}

function revTag(rev: number): string {
  return `rev-${String(rev).padStart(6, '0')}`;
}

function routes(name: string, rev: number): string {
  const host = serviceHost(name);
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${NAMESPACE}
spec:
  hosts: [${host}]
  http:
    - name: canary
      match:
        - headers:
            x-bench-rev: { exact: ${revTag(rev)} }
      route:
        - destination: { host: ${host}, port: { number: ${SERVICE_PORT} } }
      timeout: 5s
    - name: default
      route:
        - destination: { host: ${host}, port: { number: ${SERVICE_PORT} } }
      timeout: 10s
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: ${NAMESPACE}
spec:
  host: ${host}
  trafficPolicy:
    loadBalancer: { simple: ROUND_ROBIN }
`;
}

/** Writes atomically (hidden temp file, then rename), so the watcher never reads half a file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf('/'));
  const tmp = join(dir, `.${path.slice(dir.length + 1)}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, path);
}

function seFile(dir: string, name: string): string {
  return join(dir, 'services', `${name}.yaml`);
}

/** Creates the directory afresh. */
export async function generateConfig(spec: ConfigSpec): Promise<void> {
  await rm(spec.dir, { recursive: true, force: true });
  await mkdir(join(spec.dir, 'services'), { recursive: true });
  await mkdir(join(spec.dir, 'routes'), { recursive: true });
  const writes: Promise<void>[] = [];
  for (let i = 0; i < spec.services; i++) {
    const name = serviceName(i);
    const addrs = Array.from({ length: spec.endpoints }, (_, j) => endpointAddress(i, j, spec.endpoints));
    writes.push(writeFile(seFile(spec.dir, name), serviceEntry(name, addrs)));
    if (spec.routes ?? true)
      writes.push(writeFile(join(spec.dir, 'routes', `${name}.yaml`), routes(name, 0)));
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  if (spec.scope !== undefined) await writeFile(join(spec.dir, 'sidecar.yaml'), sidecarResource(spec));
}

/** `string address = 2` of a SocketAddress, as it appears in the encoded ClusterLoadAssignment. */
function addressMarker(address: string): string {
  const ascii = Buffer.from(address, 'latin1');
  return Buffer.concat([Buffer.from([0x12, ascii.length]), ascii]).toString('hex');
}

/** A change the bench makes: what clients must receive, and the write that causes it. */
export interface Change {
  readonly items: ExpectItem[];
  readonly write: () => Promise<void>;
}

/** Moves endpoint 0 of service `i` to a fresh address; every watcher of its EDS name must see it. */
export function changeEndpoint(spec: ConfigSpec, i: number, rev: number): Change {
  const name = serviceName(i);
  const fresh = `127.250.${(rev >> 8) & 255}.${rev & 255}`;
  const addrs = Array.from({ length: spec.endpoints }, (_, j) =>
    j === 0 ? fresh : endpointAddress(i, j, spec.endpoints),
  );
  return {
    items: [{ typeUrl: EDS, name: clusterName(serviceHost(name)), markerHex: addressMarker(fresh) }],
    write: () => writeAtomic(seFile(spec.dir, name), serviceEntry(name, addrs)),
  };
}

/** Changes the header match of service `i`'s VirtualService; its route config must carry the new tag. */
export function changeRoute(spec: ConfigSpec, i: number, rev: number): Change {
  const name = serviceName(i);
  return {
    items: [
      {
        typeUrl: RDS,
        name: routeName(spec, serviceHost(name)),
        markerHex: Buffer.from(revTag(rev), 'latin1').toString('hex'),
      },
    ],
    write: () => writeAtomic(join(spec.dir, 'routes', `${name}.yaml`), routes(name, rev)),
  };
}

/** Adds a new service; clients must get its cluster, endpoints, listener and route config. */
export function addService(spec: ConfigSpec, rev: number): Change {
  const name = `new-${String(rev).padStart(5, '0')}`;
  const addrs = Array.from({ length: spec.endpoints }, (_, j) => `127.251.${rev & 255}.${j + 1}`);
  const host = serviceHost(name);
  return {
    items: [
      { typeUrl: CDS, name: clusterName(host) },
      { typeUrl: EDS, name: clusterName(host) },
      // A sidecar's outbound listener is per port: a new host on a known port changes its
      // route config, not its listeners.
      ...(spec.sidecar
        ? [
            {
              typeUrl: RDS,
              name: routeName(spec, host),
              markerHex: Buffer.from(host, 'latin1').toString('hex'),
            },
          ]
        : [
            { typeUrl: LDS, name: listenerName(host) },
            { typeUrl: RDS, name: clusterName(host) },
          ]),
    ],
    write: () => writeAtomic(seFile(spec.dir, name), serviceEntry(name, addrs)),
  };
}
