/**
 * e2e, issue 8 security: proxies authenticate to meshplane's TLS xDS port with their
 * ServiceAccount token, as Istio proxies do (`authorization: Bearer`, audience `istio-ca`), and
 * meshplane checks it with a TokenReview against a real kube-apiserver. meshplane runs with the
 * ServiceAccount and RBAC of deploy/meshplane.yaml (so the `tokenreviews` grant is exercised),
 * `dist/main.js discovery --kubeconfig`. Fails, never skips, when the peers are missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMeshCa } from '../../src/security/mesh-ca.js';
import { freePort, MeshplaneProcess, waitFor } from '../integration/support/harness.js';
import { AdsClient, askCds as askCdsFor, withBearerToken } from '../integration/support/raw-ads.js';
import { ClusterSlot } from './support/kube-fixtures.js';
import { REPO_ROOT } from './support/kube-peers.js';

const kube = new ClusterSlot();
let meshplane: MeshplaneProcess | undefined;
let caDir: string;
let securePort: number;
let caPem: string;
const clients: grpc.Client[] = [];

const c = kube.get;
const mp = (): MeshplaneProcess => {
  if (!meshplane) throw new Error('meshplane did not start');
  return meshplane;
};

const node = (ns: string) => ({
  id: `sidecar~127.0.0.1~sleep-1.${ns}~${ns}.svc.cluster.local`,
  metadata: { fields: { NAMESPACE: { stringValue: ns } } },
  locality: {},
});

/** A TLS client trusting the mesh CA that sends `token` as Istio's agent does. */
function tokenClient(token: string): grpc.Client {
  const creds = withBearerToken(grpc.credentials.createSsl(Buffer.from(caPem)), token);
  const client = new AdsClient(`127.0.0.1:${securePort}`, creds);
  clients.push(client);
  return client;
}

const askCds = (client: grpc.Client, ns: string) => askCdsFor(client, node(ns), 20_000);

const token = async (ns: string, sa: string, audience?: string): Promise<string> =>
  (
    await c().kubectlOk([
      'create',
      'token',
      sa,
      '-n',
      ns,
      '--duration=1h',
      ...(audience ? ['--audience', audience] : []),
    ])
  ).trim();

beforeAll(async () => {
  if (!(await kube.start({ crds: true }))) return;
  const cluster = c();
  await cluster.kubectlOk(['apply', '-f', path.join(REPO_ROOT, 'deploy/meshplane.yaml')]);
  await cluster.kubectlOk(['create', 'namespace', 'other']);
  await cluster.kubectlOk(['create', 'serviceaccount', 'sleep', '-n', 'default']);
  await cluster.kubectlOk(['create', 'serviceaccount', 'sleep', '-n', 'other']);
  // meshplane with exactly the RBAC deploy/ grants it.
  const kubeconfig = await cluster.serviceAccountKubeconfig('meshplane-system', 'meshplane');
  caDir = path.join(mkdtempSync(path.join(tmpdir(), 'meshplane-kube-ca-')), 'ca');
  securePort = await freePort();
  meshplane = await MeshplaneProcess.startDiscovery(
    [
      '--kubeconfig',
      kubeconfig,
      '--webhook-address',
      `127.0.0.1:${await freePort()}`,
      '--secure-xds-address',
      `127.0.0.1:${securePort}`,
      '--ca-dir',
      caDir,
    ],
    { readyTimeoutMs: 60_000 },
  );
  caPem = (await loadMeshCa(caDir)).certPem;
}, 240_000);

afterAll(async () => {
  for (const cl of clients) cl.close();
  await meshplane?.stop();
  await kube.stop();
  if (caDir) rmSync(path.dirname(caDir), { recursive: true, force: true });
}, 60_000);

describe('xDS over TLS authenticated by Kubernetes TokenReview', () => {
  it('does not report JWT authentication as unavailable when Kubernetes is configured', () => {
    expect(
      mp().logs.some((l) => l.msg.startsWith('JWT authentication on the secure xDS port is unavailable')),
    ).toBe(false);
  });

  it('serves a node of default to a default ServiceAccount token with audience istio-ca', async () => {
    const r = await askCds(tokenClient(await token('default', 'sleep', 'istio-ca')), 'default');
    expect(r.status).toBeUndefined();
    expect(r.resources).toBeGreaterThan(0);
    const line = await waitFor('the authenticated line', () =>
      mp().logs.find((l) => l.msg === 'xDS stream authenticated' && l['method'] === 'jwt'),
    );
    expect(line['identity']).toBe('system:serviceaccount:default:sleep');
    expect(line['node']).toBe(node('default').id);
  });

  it('refuses a token of namespace other for a node claiming default: PERMISSION_DENIED', async () => {
    const r = await askCds(tokenClient(await token('other', 'sleep', 'istio-ca')), 'default');
    expect(r.status?.code).toBe(grpc.status.PERMISSION_DENIED);
    const line = await waitFor('the denial line', () =>
      mp().logs.find((l) => l.level === 40 && l.msg.includes('system:serviceaccount:other:sleep')),
    );
    expect(line.msg).toContain(node('default').id);
    expect(line.msg).toContain('claims namespace "default"');
    expect(line.msg).toContain('(namespace "other")');
  });

  it('refuses a garbage token: UNAUTHENTICATED, with the API server verdict logged', async () => {
    const r = await askCds(tokenClient('not-a-real-token'), 'default');
    expect(r.status?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(r.status?.details).toContain('token rejected by the API server');
    const line = await waitFor('the refusal line', () =>
      mp().logs.find(
        (l) =>
          l.level === 40 && l.msg.includes('refused: not authenticated') && l.msg.includes('token rejected'),
      ),
    );
    expect(line['node']).toBe(node('default').id);
  });

  it('refuses a valid token that is not bound to the istio-ca audience', async () => {
    const r = await askCds(tokenClient(await token('default', 'sleep')), 'default');
    expect(r.status?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(r.status?.details).toMatch(/token rejected by the API server|audiences/);
  });
});
