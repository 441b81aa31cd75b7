/**
 * The shared-CA Secret: get-or-create with the 409 race, never overwriting, falling back only when
 * the Secret cannot be used at all; the webhook and mesh CAs built on it; the Secrets API client
 * against a fake API server over HTTP.
 */
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeStatusError } from '../../../src/galley/sources/kube-http.js';
import { webhookCertificates } from '../../../src/galley/webhook/webhook-certs.js';
import { sameCaBundle } from '../../../src/galley/webhook/webhook-config-patcher.js';
import { createCertificateAuthority } from '../../../src/galley/webhook/x509.js';
import {
  CaSecretInvalidError,
  CaSecretUnavailableError,
  KubeSecretApi,
  loadOrCreateSharedCa,
  type SecretApi,
} from '../../../src/security/ca-secret.js';
import {
  CA_SECRET_CERT_KEY,
  decodeCaSecret,
  encodeCaSecret,
  MESH_CA_SECRET,
  WEBHOOK_CA_SECRET,
  type SecretObject,
} from '../../../src/security/ca-secret-codec.js';
import { parseArgs } from '../../../src/options.js';
import { loadOrCreateMeshCaSecret } from '../../../src/security/mesh-ca.js';

/** An in-memory API server's Secrets, with hooks to inject races and errors. */
class FakeSecrets implements SecretApi {
  readonly store = new Map<string, SecretObject>();
  readonly calls: string[] = [];
  /** Runs before a create is applied (e.g. another replica's create landing first). */
  beforeCreate: (() => void) | undefined;
  failGet: KubeStatusError | Error | undefined;
  failCreate: KubeStatusError | undefined;
  namespaces = new Set(['meshplane-system']);

  async get(namespace: string, name: string): Promise<SecretObject | undefined> {
    this.calls.push(`get ${namespace}/${name}`);
    const fail = this.failGet;
    if (fail) {
      this.failGet = undefined;
      throw fail;
    }
    return this.store.get(`${namespace}/${name}`);
  }

  async create(namespace: string, secret: SecretObject): Promise<SecretObject> {
    this.calls.push(`create ${namespace}/${secret.metadata.name}`);
    this.beforeCreate?.();
    this.beforeCreate = undefined;
    if (this.failCreate) throw this.failCreate;
    if (!this.namespaces.has(namespace))
      throw new KubeStatusError(404, `namespaces "${namespace}" not found`);
    const key = `${namespace}/${secret.metadata.name}`;
    if (this.store.has(key))
      throw new KubeStatusError(409, `secrets "${secret.metadata.name}" already exists`);
    this.store.set(key, secret);
    return secret;
  }
}

const req = (api: SecretApi, extra: Partial<Parameters<typeof loadOrCreateSharedCa>[0]> = {}) => ({
  api,
  namespace: 'meshplane-system',
  name: MESH_CA_SECRET,
  commonName: 'test-mesh-ca',
  retryDelayMs: 1,
  retryForMs: 2_000,
  ...extra,
});

describe('loadOrCreateSharedCa', () => {
  it('creates the Secret with a new CA when absent, then every later caller reads that CA', async () => {
    const api = new FakeSecrets();
    const first = await loadOrCreateSharedCa(req(api));
    expect(first.created).toBe(true);
    expect(new X509Certificate(first.ca.certPem).subject).toContain('CN=test-mesh-ca');
    expect(api.calls).toEqual(['get meshplane-system/meshplane-ca', 'create meshplane-system/meshplane-ca']);
    const stored = decodeCaSecret(api.store.get('meshplane-system/meshplane-ca')!);
    expect(stored.ok && stored.certPem).toBe(first.ca.certPem);
    const second = await loadOrCreateSharedCa(req(api));
    expect(second.created).toBe(false);
    expect(second.ca.certPem).toBe(first.ca.certPem);
    expect(second.ca.keyPem).toBe(first.ca.keyPem);
  });

  it('on 409 (another replica created it between GET and CREATE) uses the winner’s CA', async () => {
    const api = new FakeSecrets();
    const winner = createCertificateAuthority('winner');
    api.beforeCreate = () =>
      api.store.set(
        'meshplane-system/meshplane-ca',
        encodeCaSecret(MESH_CA_SECRET, 'meshplane-system', winner),
      );
    const r = await loadOrCreateSharedCa(req(api));
    expect(r.created).toBe(false);
    expect(r.ca.certPem).toBe(winner.certPem);
    expect(api.calls).toEqual([
      'get meshplane-system/meshplane-ca',
      'create meshplane-system/meshplane-ca',
      'get meshplane-system/meshplane-ca',
    ]);
  });

  it('many replicas starting at once all end up with one CA and one create that succeeded', async () => {
    const api = new FakeSecrets();
    const results = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSharedCa(req(api))));
    expect(new Set(results.map((r) => r.ca.certPem)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(api.store.size).toBe(1);
  });

  it('never overwrites a Secret that holds no usable CA: fails naming it', async () => {
    const api = new FakeSecrets();
    const other = createCertificateAuthority('other');
    const bad = encodeCaSecret(MESH_CA_SECRET, 'meshplane-system', {
      certPem: createCertificateAuthority('a').certPem,
      keyPem: other.keyPem,
    });
    api.store.set('meshplane-system/meshplane-ca', bad);
    const err = await loadOrCreateSharedCa(req(api)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaSecretInvalidError);
    expect((err as Error).message).toMatch(
      /^Secret meshplane-system\/meshplane-ca: .*does not match.*fix or delete it$/,
    );
    expect(api.calls).toEqual(['get meshplane-system/meshplane-ca']);
    expect(api.store.get('meshplane-system/meshplane-ca')).toBe(bad);
  });

  it('reports a missing namespace and a forbidden Secret as unavailable (the caller falls back)', async () => {
    const api = new FakeSecrets();
    const err = await loadOrCreateSharedCa(req(api, { namespace: 'nowhere' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaSecretUnavailableError);
    expect((err as CaSecretUnavailableError).code).toBe(404);
    expect((err as Error).message).toContain('namespace nowhere does not exist');
    api.failGet = new KubeStatusError(403, 'secrets "meshplane-ca" is forbidden');
    const denied = await loadOrCreateSharedCa(req(api)).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(CaSecretUnavailableError);
    expect((denied as Error).message).toContain("grant it as deploy/meshplane.yaml's Role does");
  });

  it('retries network errors and 5xx answers, then succeeds', async () => {
    const api = new FakeSecrets();
    api.failGet = new Error('connect ECONNREFUSED');
    const r = await loadOrCreateSharedCa(req(api));
    expect(r.created).toBe(true);
    api.failGet = new KubeStatusError(503, 'unavailable');
    expect((await loadOrCreateSharedCa(req(api))).ca.certPem).toBe(r.ca.certPem);
  });

  it('gives up on transient errors after retryForMs with the last error', async () => {
    const api = new FakeSecrets();
    api.failCreate = new KubeStatusError(500, 'etcd down');
    const err = await loadOrCreateSharedCa(req(api, { retryForMs: 30 })).catch((e: unknown) => e);
    expect((err as KubeStatusError).code).toBe(500);
    expect(api.store.size).toBe(0);
  });
});

describe('CAs built on the Secret', () => {
  it('mesh CA: every replica issues its own serving certificate from the one shared CA', async () => {
    const api = new FakeSecrets();
    const [a, b] = await Promise.all([
      loadOrCreateMeshCaSecret(api, 'meshplane-system'),
      loadOrCreateMeshCaSecret(api, 'meshplane-system'),
    ]);
    expect(a.ca.certPem).toBe(b.ca.certPem);
    expect(a.ca.dir).toBeUndefined();
    const sa = new X509Certificate(a.ca.issueServing(['meshplane'], ['127.0.0.1']).certPem);
    const sb = new X509Certificate(b.ca.issueServing(['meshplane'], ['127.0.0.1']).certPem);
    expect(sa.fingerprint256).not.toBe(sb.fingerprint256);
    const caKey = new X509Certificate(a.ca.certPem).publicKey;
    expect(sa.verify(caKey) && sb.verify(caKey)).toBe(true);
  });

  it('webhook: two replicas get different serving certificates and the same caBundle', async () => {
    const api = new FakeSecrets();
    const src = {
      service: 'meshplane.meshplane-system',
      domainSuffix: 'cluster.local',
      shared: { api, namespace: 'meshplane-system' },
    };
    const [a, b] = await Promise.all([webhookCertificates(src), webhookCertificates(src)]);
    expect(a.caPem).toBeDefined();
    expect(a.caPem).toBe(b.caPem);
    expect(a.certPem).not.toBe(b.certPem);
    expect([...api.store.keys()]).toEqual([`meshplane-system/${WEBHOOK_CA_SECRET}`]);
    const ca = new X509Certificate(a.caPem!);
    expect(ca.subject).toContain('CN=meshplane-webhook-ca');
    for (const c of [a, b]) {
      const leaf = new X509Certificate(c.certPem);
      expect(leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.checkHost('meshplane.meshplane-system.svc')).toBe('meshplane.meshplane-system.svc');
    }
  });

  it('webhook: falls back to a CA of its own when the Secret is unavailable', async () => {
    const api = new FakeSecrets();
    api.namespaces.clear();
    const certs = await webhookCertificates({
      service: 'meshplane.meshplane-system',
      domainSuffix: 'cluster.local',
      shared: { api, namespace: 'meshplane-system' },
    });
    expect(new X509Certificate(certs.certPem).verify(new X509Certificate(certs.caPem!).publicKey)).toBe(true);
    expect(api.store.size).toBe(0);
  });

  it('the patcher compares caBundles by content, so replicas sharing the CA do not flap', () => {
    const pem = createCertificateAuthority('x').certPem;
    const b64 = Buffer.from(pem).toString('base64');
    expect(sameCaBundle(b64, b64)).toBe(true);
    expect(sameCaBundle(Buffer.from(`${pem}\n`).toString('base64'), b64)).toBe(true);
    expect(sameCaBundle(undefined, b64)).toBe(false);
    const other = Buffer.from(createCertificateAuthority('y').certPem).toString('base64');
    expect(sameCaBundle(other, b64)).toBe(false);
  });
});

describe('KubeSecretApi', () => {
  let server: Server;
  const requests: Array<{ method: string; url: string; body: string }> = [];
  const objects = new Map<string, SecretObject>();

  beforeAll(async () => {
    server = createServer((rq, rs) => {
      let body = '';
      rq.on('data', (c: Buffer) => (body += c.toString()));
      rq.on('end', () => {
        requests.push({ method: rq.method ?? '', url: rq.url ?? '', body });
        const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(rq.url ?? '');
        const reply = (code: number, obj: unknown): void => {
          rs.writeHead(code, { 'content-type': 'application/json' });
          rs.end(JSON.stringify(obj));
        };
        if (!m) return reply(404, { kind: 'Status', message: 'no route' });
        if (m[1] === 'locked') return reply(403, { kind: 'Status', message: 'secrets is forbidden' });
        if (rq.method === 'GET') {
          const o = objects.get(`${m[1]}/${m[2]}`);
          return o ? reply(200, o) : reply(404, { kind: 'Status', message: 'not found' });
        }
        const s = JSON.parse(body) as SecretObject;
        const key = `${m[1]}/${s.metadata.name}`;
        if (objects.has(key))
          return reply(409, { kind: 'Status', message: `secrets "${s.metadata.name}" already exists` });
        objects.set(key, s);
        return reply(201, s);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const api = (): KubeSecretApi => {
    const port = (server.address() as AddressInfo).port;
    const kc = {
      getCurrentCluster: () => ({ server: `http://127.0.0.1:${port}` }),
      applyToHTTPSOptions: async () => undefined,
    } as unknown as KubeConfig;
    return new KubeSecretApi(kc);
  };

  it('GETs and POSTs the namespaced Secrets path; 404 is absent, 409 and 403 are KubeStatusErrors', async () => {
    const a = api();
    expect(await a.get('meshplane-system', 'meshplane-ca')).toBeUndefined();
    const secret = encodeCaSecret('meshplane-ca', 'meshplane-system', createCertificateAuthority('t'));
    await a.create('meshplane-system', secret);
    expect((await a.get('meshplane-system', 'meshplane-ca'))?.data?.[CA_SECRET_CERT_KEY]).toBe(
      secret.data![CA_SECRET_CERT_KEY],
    );
    const conflict = await a.create('meshplane-system', secret).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(KubeStatusError);
    expect((conflict as KubeStatusError).code).toBe(409);
    expect((conflict as Error).message).toContain('already exists');
    const forbidden = await a.get('locked', 'meshplane-ca').catch((e: unknown) => e);
    expect((forbidden as KubeStatusError).code).toBe(403);
    expect(requests.map((r) => `${r.method} ${r.url}`).slice(0, 3)).toEqual([
      'GET /api/v1/namespaces/meshplane-system/secrets/meshplane-ca',
      'POST /api/v1/namespaces/meshplane-system/secrets',
      'GET /api/v1/namespaces/meshplane-system/secrets/meshplane-ca',
    ]);
  });
});

describe('--ca-secret-namespace', () => {
  it('defaults to meshplane-system for discovery, galley and pilot; --ca-dir has no default', () => {
    for (const argv of [['discovery'], ['galley'], ['pilot', '--mcp-server', '127.0.0.1:9901']]) {
      const r = parseArgs(argv);
      expect(r.ok && r.options).toMatchObject({ caSecretNamespace: 'meshplane-system' });
      expect(r.ok && 'caDir' in r.options ? r.options.caDir : undefined).toBeUndefined();
    }
    const r = parseArgs(['discovery', '--ca-secret-namespace', 'istio-system', '--ca-dir', '/ca']);
    expect(r.ok && r.options).toMatchObject({ caSecretNamespace: 'istio-system', caDir: '/ca' });
    const bad = parseArgs(['discovery', '--ca-secret-namespace', 'Not_A_Namespace']);
    expect(bad.ok ? '' : bad.error).toContain('caSecretNamespace: expected a namespace name');
  });
});
