/**
 * Shared test fixtures: Istio YAML builders for the two-version service the integration and e2e
 * tests route between (v1/v2 subsets on 127.0.0.1 backends), atomic writes into a config
 * directory, real gRPC backends, and traffic-split arithmetic.
 */
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { startBackend } from '../../../examples/echo-service.js';
import { freePort } from './harness.js';

/**
 * Writes `text` to `dir/file` by writing a temporary file and renaming it, as editors and
 * `kubectl cp` do, so a directory watcher never reads half a file.
 */
export function writeAtomic(dir: string, file: string, text: string): void {
  const tmp = path.join(dir, `.${file}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path.join(dir, file));
}

/** Starts one echo gRPC backend per name on a free port; records each port and server. */
export async function startGrpcBackends(
  names: readonly string[],
  ports: Record<string, number>,
  servers: grpc.Server[],
): Promise<void> {
  for (const name of names) {
    ports[name] = await freePort();
    servers.push(await startBackend(name, ports[name]!));
  }
}

/**
 * A temporary meshplane config directory plus the echo gRPC backends its YAML points at: the
 * scaffolding every config-directory test starts with and tears down.
 */
export class ConfigDir {
  /** Backend name -> its port on 127.0.0.1. */
  readonly ports: Record<string, number> = {};
  readonly servers: grpc.Server[] = [];
  private constructor(readonly dir: string) {}

  /** A fresh directory under the OS temp dir, named `meshplane-<prefix>-XXXXXX`. */
  static create(prefix: string): ConfigDir {
    return new ConfigDir(mkdtempSync(path.join(tmpdir(), `meshplane-${prefix}-`)));
  }

  write(file: string, text: string): void {
    writeAtomic(this.dir, file, text);
  }

  remove(file: string): void {
    unlinkSync(path.join(this.dir, file));
  }

  startBackends(names: readonly string[]): Promise<void> {
    return startGrpcBackends(names, this.ports, this.servers);
  }

  /** Shuts the backends down and deletes the directory. */
  stop(): void {
    for (const s of this.servers) s.forceShutdown();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

type Stoppable = { stop(): unknown } | { close(): unknown };

/**
 * Stops (or closes, for a grpc.Client) each of `things` in order: clients before the control
 * plane before the backends and config directory. Unstarted (undefined) ones are skipped.
 */
export async function stopAll(...things: ReadonlyArray<Stoppable | undefined>): Promise<void> {
  for (const t of things) {
    if (t === undefined) continue;
    if ('stop' in t) await t.stop();
    else await t.close();
  }
}

export interface ServiceOptions {
  name: string;
  namespace?: string;
  host: string;
  /** Backend name -> port on 127.0.0.1; the version label is the name up to its first `-`. */
  backends: Record<string, number>;
  /** The service port; 50051 unless told. */
  port?: number;
  portName?: string;
  protocol?: string;
}

/** A STATIC MESH_INTERNAL ServiceEntry with one 127.0.0.1 endpoint per backend, sorted by name. */
export function serviceEntry(o: ServiceOptions): string {
  const portName = o.portName ?? 'grpc';
  const endpoints = Object.keys(o.backends)
    .sort()
    .map(
      (b) =>
        `    - { address: 127.0.0.1, ports: { ${portName}: ${o.backends[b]} }, labels: { version: ${b.split('-')[0]} } }`,
    )
    .join('\n');
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${o.name}, namespace: ${o.namespace ?? 'default'} }
spec:
  hosts: [${o.host}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: ${o.port ?? 50051}, name: ${portName}, protocol: ${o.protocol ?? 'GRPC'} }]
  endpoints:
${endpoints}
`;
}

/**
 * A STATIC MESH_INTERNAL ServiceEntry for `<name>.default.svc.cluster.local` with unlabelled
 * endpoints at `addresses` (for tests that read xDS, never dial).
 */
export function staticServiceEntry(o: {
  name: string;
  port: number;
  addresses: readonly string[];
  portName?: string;
  protocol?: string;
}): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${o.name}, namespace: default }
spec:
  hosts: [${o.name}.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: ${o.port}, name: ${o.portName ?? 'grpc'}, protocol: ${o.protocol ?? 'GRPC'} }]
  endpoints: [${o.addresses.map((a) => `{ address: ${a} }`).join(', ')}]
`;
}

/** A DestinationRule with subsets v1 and v2 selected by the `version` label. */
export function destinationRule(o: { name: string; namespace?: string; host: string }): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: ${o.name}, namespace: ${o.namespace ?? 'default'} }
spec:
  host: ${o.host}
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
`;
}

/** The ServiceEntry and its two-subset DestinationRule, as one multi-document file. */
export function twoVersionService(o: ServiceOptions): string {
  return `${serviceEntry(o)}---\n${destinationRule(o)}`;
}

/** A VirtualService for `host` (named `name`); `http` is the YAML of its `http:` list, indented. */
export function virtualService(o: { name: string; namespace?: string; host: string; http: string }): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${o.name}, namespace: ${o.namespace ?? 'default'} }
spec:
  hosts: [${o.host}]
  http:
${o.http}
`;
}

/** The `http:` list of one route sending everything to `subset` of `host`. */
export function routeAllTo(host: string, subset: string): string {
  return `    - route:\n        - destination: { host: ${host}, subset: ${subset} }`;
}

/** The fraction of RPCs (counted by backend name) answered by backends whose name starts with `prefix`. */
export function share(counts: Record<string, number>, prefix: string): number {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const hits = Object.entries(counts)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((a, [, n]) => a + n, 0);
  return total === 0 ? 0 : hits / total;
}

/** The builders above bound to one service `name` in namespace default, for a test's one service. */
export interface MeshService {
  readonly host: string;
  /** The proxyless gRPC target of its port 50051. */
  readonly target: string;
  serviceEntry(backends: Record<string, number>): string;
  destinationRule(): string;
  twoVersionService(backends: Record<string, number>): string;
  virtualService(http: string): string;
  /** A VirtualService sending all traffic to `subset`. */
  routeAllTo(subset: string): string;
}

export function meshService(name: string): MeshService {
  const host = `${name}.default.svc.cluster.local`;
  return {
    host,
    target: `xds:///${host}:50051`,
    serviceEntry: (backends) => serviceEntry({ name, host, backends }),
    destinationRule: () => destinationRule({ name, host }),
    twoVersionService: (backends) => twoVersionService({ name, host, backends }),
    virtualService: (http) => virtualService({ name, host, http }),
    routeAllTo: (subset) => virtualService({ name, host, http: routeAllTo(host, subset) }),
  };
}
