/**
 * e2e, issue 8: several meshplane replicas behind one Service agree on their certificates. Two
 * `dist/main.js discovery --kubeconfig` processes start at once against one real kube-apiserver,
 * with the ServiceAccount and RBAC of deploy/meshplane.yaml (so the Role on Secrets is
 * exercised): one of them creates the Secrets meshplane-ca and meshplane-webhook-ca, the other
 * reads them; both serve xDS over TLS with certificates of that one mesh CA (a proxy's client
 * certificate from it is served by both), and the caBundle patched into the webhook
 * configuration is the shared webhook CA, which both webhook certificates chain to. A restarted
 * replica keeps the same CAs. Fails, never skips, when the peers are missing.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import path from 'node:path';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caFromPem } from '../../src/security/certificate.js';
import { decodeCaSecret, type SecretObject } from '../../src/security/ca-secret-codec.js';
import { MeshCa } from '../../src/security/mesh-ca.js';
import { CLUSTER_TYPE } from '../../src/xds/type-urls.js';
import { freePort, MeshplaneProcess } from '../integration/support/harness.js';
import { AdsClient, RawStream } from '../integration/support/raw-ads.js';
import { KubeCluster } from './support/kube-cluster.js';
import { REPO_ROOT } from './support/kube-peers.js';
import { loopbackWebhookConfig, waitForWebhook } from './support/meshplane-kube.js';

interface Replica {
  readonly xds: number;
  readonly http: number;
  readonly secure: number;
  readonly webhook: number;
  process?: MeshplaneProcess;
}

let started: KubeCluster | undefined;
let startError: unknown;
let kubeconfig = '';
const replicas: Replica[] = [];
const stopped: MeshplaneProcess[] = [];
const clients: grpc.Client[] = [];

const c = (): KubeCluster => {
  if (!started) throw startError instanceof Error ? startError : new Error(String(startError));
  return started;
};
const mp = (r: Replica): MeshplaneProcess => {
  if (!r.process) throw new Error('meshplane did not start');
  return r.process;
};

function startReplica(r: Replica): Promise<MeshplaneProcess> {
  return MeshplaneProcess.startDiscovery(
    [
      '--kubeconfig',
      kubeconfig,
      '--webhook-address',
      `127.0.0.1:${r.webhook}`,
      '--secure-xds-address',
      `127.0.0.1:${r.secure}`,
    ],
    { xdsPort: r.xds, httpPort: r.http, readyTimeoutMs: 90_000 },
  );
}

async function secret(name: string): Promise<SecretObject> {
  return JSON.parse(
    await c().kubectlOk(['get', 'secret', name, '-n', 'meshplane-system', '-o', 'json']),
  ) as SecretObject;
}

async function secretCa(name: string): Promise<{ certPem: string; keyPem: string; uid: string }> {
  const s = await secret(name);
  const d = decodeCaSecret(s);
  if (!d.ok) throw new Error(d.error);
  return { certPem: d.certPem, keyPem: d.keyPem, uid: (s.metadata as { uid?: string }).uid ?? '' };
}

/** The certificate a TLS port presents, verified against `caPem` for the IP 127.0.0.1. */
function servedCertificate(port: number, caPem: string, alpn?: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, ca: caPem, ...(alpn ? { ALPNProtocols: [alpn] } : {}) },
      () => {
        const cert = socket.getPeerX509Certificate();
        socket.end();
        if (cert) resolve(cert);
        else reject(new Error('no peer certificate'));
      },
    );
    socket.on('error', reject);
  });
}

const node = {
  id: 'sidecar~127.0.0.1~sleep-1.default~default.svc.cluster.local',
  metadata: { fields: { NAMESPACE: { stringValue: 'default' } } },
  locality: {},
};

/** A proxy with a client certificate of `ca` asks `port` for CDS. */
async function askCds(port: number, ca: MeshCa): Promise<{ resources?: number; status?: grpc.StatusObject }> {
  const issued = ca.issueWorkload({
    trustDomain: 'cluster.local',
    namespace: 'default',
    serviceAccount: 'sleep',
  });
  const creds = grpc.credentials.createSsl(
    Buffer.from(ca.certPem),
    Buffer.from(issued.keyPem),
    Buffer.from(issued.certPem),
  );
  const client = new AdsClient(`127.0.0.1:${port}`, creds) as grpc.Client;
  clients.push(client);
  const s = new RawStream(client, 'StreamAggregatedResources');
  s.send({ node, type_url: CLUSTER_TYPE });
  const result = await Promise.race([
    s.next(20_000).then((m) => ({ resources: (m['resources'] as unknown[]).length })),
    s.status.then((status) => ({ status })),
  ]);
  s.end();
  return result;
}

const logged = (msg: string): number =>
  [...replicas.map((r) => r.process), ...stopped].filter((p) => p?.logs.some((l) => l.msg === msg)).length;

beforeAll(async () => {
  try {
    started = await KubeCluster.start();
  } catch (err) {
    startError = err;
    return;
  }
  const cluster = c();
  await cluster.kubectlOk(['apply', '-f', path.join(REPO_ROOT, 'deploy/crds.yaml')]);
  await cluster.kubectlOk(['apply', '-f', path.join(REPO_ROOT, 'deploy/meshplane.yaml')]);
  await cluster.kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
  kubeconfig = await cluster.serviceAccountKubeconfig('meshplane-system', 'meshplane');
  for (let i = 0; i < 2; i++) {
    replicas.push({
      xds: await freePort(),
      http: await freePort(),
      secure: await freePort(),
      webhook: await freePort(),
    });
  }
  // The API server calls replica 0's webhook (a `service:` reference would pick either replica).
  await cluster.kubectlOk(['apply', '-f', '-'], loopbackWebhookConfig(replicas[0]!.webhook));
  // Both at once: the Secrets are created by whichever replica gets there first.
  const procs = await Promise.all(replicas.map((r) => startReplica(r)));
  procs.forEach((p, i) => (replicas[i]!.process = p));
}, 300_000);

afterAll(async () => {
  for (const cl of clients) cl.close();
  await Promise.all(replicas.map((r) => r.process?.stop()));
  await started?.stop();
}, 60_000);

describe('meshplane replicas share their CAs through Secrets', () => {
  it('one replica created each Secret, the other read it', async () => {
    const names = JSON.parse(
      await c().kubectlOk([
        'get',
        'secrets',
        '-n',
        'meshplane-system',
        '-l',
        'app.kubernetes.io/managed-by=meshplane',
        '-o',
        'json',
      ]),
    ) as { items: SecretObject[] };
    expect(names.items.map((s) => s.metadata.name).sort()).toEqual(['meshplane-ca', 'meshplane-webhook-ca']);
    expect(logged('mesh CA generated and stored in its Secret')).toBe(1);
    expect(logged('mesh CA loaded from its Secret')).toBe(1);
    expect(logged('webhook CA generated and stored in its Secret')).toBe(1);
    expect(logged('webhook CA loaded from its Secret')).toBe(1);
    for (const r of replicas)
      expect(mp(r).logs.filter((l) => l.msg.includes('Secret unavailable'))).toEqual([]);
    const mesh = new X509Certificate((await secretCa('meshplane-ca')).certPem);
    const webhook = new X509Certificate((await secretCa('meshplane-webhook-ca')).certPem);
    expect(mesh.subject).toContain('CN=meshplane-mesh-ca');
    expect(webhook.subject).toContain('CN=meshplane-webhook-ca');
    expect(mesh.fingerprint256).not.toBe(webhook.fingerprint256);
  });

  it('both replicas serve 15012 with their own certificate of the shared mesh CA', async () => {
    const { certPem } = await secretCa('meshplane-ca');
    const ca = new X509Certificate(certPem);
    const served = await Promise.all(replicas.map((r) => servedCertificate(r.secure, certPem, 'h2')));
    for (const s of served) {
      expect(s.issuer).toBe(ca.subject);
      expect(s.verify(ca.publicKey)).toBe(true);
    }
    expect(served[0]!.fingerprint256).not.toBe(served[1]!.fingerprint256);
  });

  it('a proxy certificate issued from the Secret’s CA gets CDS from both replicas', async () => {
    const { certPem, keyPem } = await secretCa('meshplane-ca');
    const ca = new MeshCa(caFromPem(certPem, createPrivateKey(keyPem), keyPem));
    for (const r of replicas) {
      const res = await askCds(r.secure, ca);
      expect(res.status, `replica on ${r.secure}`).toBeUndefined();
      expect(res.resources).toBeGreaterThan(0);
    }
  });

  it('the webhook caBundle is the shared webhook CA and both webhook certificates chain to it', async () => {
    const caBundle = await waitForWebhook(c());
    const { certPem } = await secretCa('meshplane-webhook-ca');
    expect(Buffer.from(caBundle, 'base64').toString()).toBe(certPem);
    const ca = new X509Certificate(certPem);
    const served = await Promise.all(replicas.map((r) => servedCertificate(r.webhook, certPem)));
    for (const s of served) expect(s.verify(ca.publicKey)).toBe(true);
    expect(served[0]!.checkHost('meshplane.meshplane-system.svc')).toBe('meshplane.meshplane-system.svc');
    // Same bytes from both replicas: one wrote the configuration, the other found it right.
    expect(logged('patched caBundle and failurePolicy')).toBe(1);
  });

  it('a restarted replica comes back with the same CAs; the Secrets are not replaced', async () => {
    const before = { mesh: await secretCa('meshplane-ca'), webhook: await secretCa('meshplane-webhook-ca') };
    const r = replicas[1]!;
    await mp(r).stop();
    stopped.push(mp(r));
    r.process = await startReplica(r);
    expect(mp(r).logs.some((l) => l.msg === 'mesh CA loaded from its Secret')).toBe(true);
    expect(mp(r).logs.some((l) => l.msg === 'webhook CA loaded from its Secret')).toBe(true);
    const after = { mesh: await secretCa('meshplane-ca'), webhook: await secretCa('meshplane-webhook-ca') };
    expect(after).toEqual(before);
    const served = await servedCertificate(r.secure, before.mesh.certPem, 'h2');
    expect(served.verify(new X509Certificate(before.mesh.certPem).publicKey)).toBe(true);
    const ca = new MeshCa(
      caFromPem(before.mesh.certPem, createPrivateKey(before.mesh.keyPem), before.mesh.keyPem),
    );
    const res = await askCds(r.secure, ca);
    expect(res.status).toBeUndefined();
    expect(res.resources).toBeGreaterThan(0);
    const webhook = await servedCertificate(r.webhook, before.webhook.certPem);
    expect(webhook.verify(new X509Certificate(before.webhook.certPem).publicKey)).toBe(true);
    expect(logged('patched caBundle and failurePolicy')).toBe(1);
  });
});
