/**
 * Kubernetes scaffolding shared by the kube-* e2e tests: installing meshplane's Istio CRDs, the
 * `web` workload in namespace `shop` (Node, Pod, Service, EndpointSlice), and a bounded-
 * concurrency map for the corpus tests that send many objects to the API server.
 */
import path from 'node:path';
import { KubeCluster } from './kube-cluster.js';
import { REPO_ROOT } from './kube-peers.js';

/**
 * The cluster a suite starts in beforeAll. A start failure (peers missing) is kept and thrown by
 * `get()`, so every test fails with its cause, none is skipped.
 */
export class ClusterSlot {
  private cluster: KubeCluster | undefined;
  private error: unknown;

  /**
   * Starts the cluster, then (with `crds`) installs meshplane's CRDs; false, with the error kept
   * for `get()`, when the cluster cannot start. A failure to install the CRDs is thrown.
   */
  async start(opts: { crds?: boolean } = {}): Promise<boolean> {
    try {
      this.cluster = await KubeCluster.start();
    } catch (err) {
      this.error = err;
      return false;
    }
    if (opts.crds) await installCrds(this.cluster);
    return true;
  }

  /** The started cluster, or the start failure thrown. */
  readonly get = (): KubeCluster => {
    if (!this.cluster) throw this.error instanceof Error ? this.error : new Error(String(this.error));
    return this.cluster;
  };

  async stop(): Promise<void> {
    await this.cluster?.stop();
  }
}

/** Applies deploy/crds.yaml and waits until the API server serves every CRD. */
export async function installCrds(cluster: KubeCluster): Promise<void> {
  await cluster.kubectlOk(['apply', '-f', path.join(REPO_ROOT, 'deploy/crds.yaml')]);
  await cluster.kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
}

/** `kubectl create`s each object in order (namespaces before what lives in them). */
export async function createObjects(cluster: KubeCluster, objects: readonly unknown[]): Promise<void> {
  for (const o of objects) await cluster.kubectlOk(['create', '-f', '-'], JSON.stringify(o));
}

/**
 * The `web` workload in namespace `shop` (the namespace itself is not included): one Node with a
 * region/zone, one Pod `web-v1` on it, Service `web` (grpc 50051 -> targetPort grpc) and an
 * EndpointSlice with one ready endpoint on port 50061.
 */
export const WEB_WORKLOAD_OBJECTS: readonly unknown[] = [
  {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'node-a',
      labels: { 'topology.kubernetes.io/region': 'r1', 'topology.kubernetes.io/zone': 'z1' },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-v1', namespace: 'shop', labels: { app: 'web', version: 'v1' } },
    spec: { nodeName: 'node-a', containers: [{ name: 'web', image: 'none' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'grpc', port: 50051, targetPort: 'grpc' }] },
  },
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'grpc', port: 50061 }],
    endpoints: [
      {
        // The EndpointSlice API refuses loopback addresses, so this one is data only (TEST-NET-1,
        // RFC 5737), never dialled. Traffic tests route by ServiceEntry endpoints on 127.0.0.x.
        addresses: ['192.0.2.10'],
        conditions: { ready: true },
        nodeName: 'node-a',
        targetRef: { kind: 'Pod', name: 'web-v1', namespace: 'shop' },
      },
    ],
  },
];

/** `kubectl patch --type=json` of one namespaced object with the JSON Patch (RFC 6902) `ops`. */
export async function patchJson(
  cluster: KubeCluster,
  resource: string,
  name: string,
  namespace: string,
  ops: readonly unknown[],
): Promise<void> {
  await cluster.kubectlOk([
    'patch',
    resource,
    name,
    '-n',
    namespace,
    '--type=json',
    '-p',
    JSON.stringify(ops),
  ]);
}

/** Maps `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}
