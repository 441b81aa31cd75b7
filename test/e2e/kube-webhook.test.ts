/**
 * e2e: meshplane's validating admission webhook on a real kube-apiserver (loopback). meshplane
 * (`dist/main.js discovery --kubeconfig`, a child process) generates its CA and serving
 * certificate, patches the CA into the `meshplane-validator` ValidatingWebhookConfiguration
 * (registered from deploy/webhook.yaml by loopback URL) and flips failurePolicy to Fail; the API
 * server (Go crypto/x509) then trusts it. With the CRD schemas and the webhook together, every
 * document of Istio's corpus gets istiod's verdict. Fails, never skips, when peers are missing.
 */
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDocument } from '../../src/galley/validation/validate.js';
import { stopAll } from '../integration/support/fixtures.js';
import type { MeshplaneProcess } from '../integration/support/harness.js';
import { corpusNamespaces, loadCorpus, type CorpusDocument } from './support/istio-corpus.js';
import { ClusterSlot, mapLimit } from './support/kube-fixtures.js';
import {
  loopbackWebhookConfig,
  pickPorts,
  startMeshplaneOnKube,
  waitForWebhook,
  webhookState,
  type MeshplanePorts,
} from './support/meshplane-kube.js';

const DENIED =
  'admission webhook "validation.networking.meshplane.io" denied the request: configuration is invalid: ';
/** Invalid corpus documents Istio's CRD schemas reject before admission (see kube-crds.test.ts). */
const CRD_SCHEMA_REJECTS = 8;

const kube = new ClusterSlot();
let ports: MeshplanePorts;
let meshplane: MeshplaneProcess | undefined;
let caBundle = '';
const corpus: CorpusDocument[] = loadCorpus();

const c = kube.get;

/** Each error as the webhook words it: `path: message`. */
function errorLines(object: unknown): string[] {
  const r = validateDocument(object, 'webhook');
  return r.ok ? [] : r.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
}

/** The certificate the webhook port presents, as a TLS client sees it. */
function servedCertificate(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (cert) resolve(cert);
      else reject(new Error('no peer certificate'));
    });
    socket.on('error', reject);
  });
}

const vs = (name: string, spec: unknown): string =>
  JSON.stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default' },
    spec,
  });

beforeAll(async () => {
  if (!(await kube.start({ crds: true }))) return;
  ports = await pickPorts();
  await c().kubectlOk(['apply', '-f', '-'], loopbackWebhookConfig(ports.webhook));
  meshplane = await startMeshplaneOnKube(c(), ports);
}, 240_000);

afterAll(() => stopAll(meshplane, kube), 60_000);

describe('validating admission webhook on a real kube-apiserver', () => {
  it('patches its generated CA into caBundle and flips failurePolicy to Fail', async () => {
    const before = await webhookState(c()).catch(() => []);
    expect(before.length).toBe(1);
    caBundle = await waitForWebhook(c());
    const ca = new X509Certificate(Buffer.from(caBundle, 'base64'));
    expect(ca.ca).toBe(true);
    const served = await servedCertificate(ports.webhook);
    expect(served.verify(ca.publicKey)).toBe(true);
    expect(served.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(served.checkHost('meshplane.meshplane-system.svc')).toBe('meshplane.meshplane-system.svc');
    expect((await webhookState(c())).map((w) => w.failurePolicy)).toEqual(['Fail']);
  });

  it("denies an invalid VirtualService with every error of meshplane's validator", async () => {
    const spec = {
      hosts: ['reviews'],
      http: [
        {
          route: [
            { destination: { host: 'reviews', subset: 'v1' }, weight: -15 },
            { destination: { host: 'reviews' }, weight: 10, headers: { request: { set: { '': 'x' } } } },
          ],
        },
      ],
    };
    const r = await c().kubectl(['apply', '-f', '-'], vs('reviews', spec));
    expect(r.code).not.toBe(0);
    const expected = errorLines(JSON.parse(vs('reviews', spec)));
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(r.stderr).toContain(`${DENIED}${expected.join('; ')}`);
    console.log(`[measure] kubectl apply of an invalid VirtualService: ${r.stderr.trim()}`);
    const got = await c().kubectl(['get', 'virtualservice', 'reviews', '-n', 'default']);
    expect(got.stderr).toContain('NotFound');
  });

  it('denies an UPDATE to an invalid spec, allows DELETE', async () => {
    const good = { hosts: ['ratings'], http: [{ route: [{ destination: { host: 'ratings' } }] }] };
    await c().kubectlOk(['apply', '-f', '-'], vs('ratings', good));
    const bad = { hosts: ['ratings'], http: [{ route: [{ destination: { host: 'ratings' }, weight: -1 }] }] };
    const r = await c().kubectl(['apply', '-f', '-'], vs('ratings', bad));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(DENIED);
    const stored = JSON.parse(
      await c().kubectlOk(['get', 'virtualservice', 'ratings', '-n', 'default', '-o', 'json']),
    ) as { spec: unknown };
    expect(stored.spec).toEqual(good);
    await c().kubectlOk(['delete', 'virtualservice', 'ratings', '-n', 'default']);
  });

  it('passes validator warnings to kubectl on an accepted object', async () => {
    const spec = {
      hosts: ['foo.com'],
      tls: [{ match: [{ sniHosts: ['1.1.1.1'], port: 443 }], route: [{ destination: { host: 'foo.com' } }] }],
    };
    const r = await c().kubectl(['apply', '-f', '-'], vs('sni-ip', spec));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: spec.tls[0].match[0].sniHosts[0]: using an IP address');
  });

  it("gives every document of Istio's corpus istiod's verdict (CRD schema + webhook)", async () => {
    for (const ns of corpusNamespaces(corpus)) {
      if (ns !== 'default') await c().kubectlOk(['create', 'namespace', ns]);
    }
    const t0 = Date.now();
    const results = await mapLimit(corpus, 4, async (doc) => {
      const r = await c().kubectl(
        ['create', '--dry-run=server', '--validate=strict', '-o', 'name', '-f', '-'],
        JSON.stringify(doc.object),
      );
      return { doc, accepted: r.code === 0, message: r.stderr.trim() };
    });
    console.log(`[measure] ${corpus.length} corpus documents through the API server: ${Date.now() - t0} ms`);
    const wrong = results
      .filter((r) => r.accepted !== r.doc.valid)
      .map((r) => `${r.doc.id}: expected ${r.doc.valid ? 'accepted' : 'rejected'}; ${r.message}`);
    expect(wrong).toEqual([]);
    const byWebhook = results.filter((r) => !r.accepted && r.message.includes(DENIED));
    const bySchema = results.filter((r) => !r.accepted && !r.message.includes(DENIED));
    // Schema rejections stop before admission; they are the `Required value` cases.
    expect(bySchema.length).toBe(CRD_SCHEMA_REJECTS);
    for (const r of bySchema) expect(r.message).toContain('Required value');
    // Webhook denials carry meshplane's validator's errors, every one of them.
    for (const r of byWebhook) {
      for (const line of errorLines(r.doc.object)) expect(r.message, r.doc.id).toContain(line);
    }
    expect(byWebhook.length).toBe(corpus.filter((d) => !d.valid).length - CRD_SCHEMA_REJECTS);
  }, 240_000);
});
