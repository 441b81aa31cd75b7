/**
 * Issue 8, security: xDS over TLS on a real `meshplane discovery` (dist/main.js) with its mesh CA
 * in `--ca-dir`. Raw ADS clients over grpc-js TLS: a client certificate of the mesh CA for
 * namespace `default` gets config for a `default` node; no credentials, a certificate of another
 * CA, or a node claiming another namespace are refused with the right status and a log line that
 * says why. A restart reuses the stored CA (certificates issued before still work), and
 * `--xds-address off` leaves only the TLS port.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/galley/webhook/x509.js';
import { loadMeshCa, MeshCa } from '../../src/security/mesh-ca.js';
import { freePort, MeshplaneProcess, waitFor } from './support/harness.js';
import { staticServiceEntry } from './support/fixtures.js';
import { AdsClient, askCds as askCdsFor, withBearerToken } from './support/raw-ads.js';

const SERVICE = staticServiceEntry({ name: 'a', port: 8080, addresses: ['127.0.0.2'] });

const node = (ns: string) => ({
  id: `sidecar~127.0.0.1~sleep-1.${ns}~${ns}.svc.cluster.local`,
  metadata: { fields: { GENERATOR: { stringValue: 'grpc' }, NAMESPACE: { stringValue: ns } } },
  locality: {},
});

let configDir: string;
let caDir: string;
let securePort: number;
let meshplane: MeshplaneProcess;
let ca: MeshCa;
const clients: grpc.Client[] = [];

function tlsClient(creds: { key?: string; cert?: string; ca?: string; token?: string } = {}): grpc.Client {
  const ssl = grpc.credentials.createSsl(
    Buffer.from(creds.ca ?? ca.certPem),
    creds.key ? Buffer.from(creds.key) : null,
    creds.cert ? Buffer.from(creds.cert) : null,
  );
  // A proxy's token goes in `authorization: Bearer` metadata on every call, as Istio's agent sends it.
  const token = creds.token;
  const channel = token ? withBearerToken(ssl, token) : ssl;
  const c = new AdsClient(`127.0.0.1:${securePort}`, channel);
  clients.push(c);
  return c;
}

function workloadClient(ns: string, issuer: MeshCa = ca): grpc.Client {
  const issued = issuer.issueWorkload({
    trustDomain: 'cluster.local',
    namespace: ns,
    serviceAccount: 'sleep',
  });
  return tlsClient({ key: issued.keyPem, cert: issued.certPem });
}

/** Opens a SotW stream, sends a CDS request for `ns`'s node; resolves to the response or the status. */
const askCds = (client: grpc.Client, ns: string) => askCdsFor(client, node(ns), 10_000);

const logText = (): string[] => meshplane.logs.map((l) => JSON.stringify(l));

async function start(extra: string[] = []): Promise<MeshplaneProcess> {
  return MeshplaneProcess.startDiscovery([
    '--config-dir',
    configDir,
    '--secure-xds-address',
    `127.0.0.1:${securePort}`,
    '--ca-dir',
    caDir,
    ...extra,
  ]);
}

beforeAll(async () => {
  configDir = mkdtempSync(path.join(tmpdir(), 'meshplane-tls-cfg-'));
  caDir = path.join(mkdtempSync(path.join(tmpdir(), 'meshplane-tls-ca-')), 'ca');
  writeFileSync(path.join(configDir, 'a.yaml'), SERVICE);
  securePort = await freePort();
  meshplane = await start();
  ca = await loadMeshCa(caDir);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await meshplane?.stop();
  rmSync(configDir, { recursive: true, force: true });
  rmSync(path.dirname(caDir), { recursive: true, force: true });
});

describe('xDS over TLS with a mesh CA', () => {
  it('generates the CA in --ca-dir and serves with a certificate it signed', () => {
    const caCert = new X509Certificate(readFileSync(path.join(caDir, 'ca-cert.pem')));
    expect(caCert.ca).toBe(true);
    expect(
      meshplane.logs.some((l) => l.msg === 'mesh CA generated' && l['fingerprint'] === caCert.fingerprint256),
    ).toBe(true);
    expect(
      meshplane.logs.some((l) => l.msg === 'xDS server listening (TLS)' && l['port'] === securePort),
    ).toBe(true);
    // No Kubernetes here: JWT authentication is said to be unavailable at start, not silently on.
    expect(
      meshplane.logs.some(
        (l) => l.level === 40 && l.msg.startsWith('JWT authentication on the secure xDS port is unavailable'),
      ),
    ).toBe(true);
  });

  it('serves a node of namespace default to a client certificate of default', async () => {
    const r = await askCds(workloadClient('default'), 'default');
    expect(r.status).toBeUndefined();
    expect(r.resources).toBeGreaterThan(0);
    await waitFor('the authenticated line', () =>
      logText().some(
        (l) =>
          l.includes('xDS stream authenticated') && l.includes('spiffe://cluster.local/ns/default/sa/sleep'),
      ),
    );
  });

  it('refuses a client with no certificate and no token: UNAUTHENTICATED, logged', async () => {
    const r = await askCds(tlsClient(), 'default');
    expect(r.status?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(r.status?.details).toContain('no client certificate signed by the mesh CA; no bearer token');
    const withToken = await askCds(tlsClient({ token: 'some.jwt.token' }), 'default');
    expect(withToken.status?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(withToken.status?.details).toContain('JWT authentication is unavailable (no Kubernetes API)');
    await waitFor('the refusal line', () =>
      meshplane.logs.some(
        (l) =>
          l.level === 40 &&
          l.msg.includes('refused: not authenticated') &&
          l.msg.includes('sleep-1.default~default.svc.cluster.local'),
      ),
    );
  });

  it('refuses a client certificate of another CA', async () => {
    const other = new MeshCa(createCertificateAuthority('another-ca'));
    const r = await askCds(workloadClient('default', other), 'default');
    expect(r.status?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(r.status?.details).toContain('no client certificate signed by the mesh CA');
  });

  it('refuses a certificate of default for a node that claims namespace other: PERMISSION_DENIED', async () => {
    const r = await askCds(workloadClient('default'), 'other');
    expect(r.status?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(r.status?.details).toContain('claims namespace "other"');
    const line = await waitFor('the denial line', () =>
      meshplane.logs.find((l) => l.level === 40 && l.msg.includes('claims namespace "other"')),
    );
    expect(line.msg).toContain('sidecar~127.0.0.1~sleep-1.other~other.svc.cluster.local');
    expect(line.msg).toContain('spiffe://cluster.local/ns/default/sa/sleep');
    expect(line['claimed']).toEqual(['other']);
  });

  it('still serves plaintext xDS on --xds-address, unauthenticated (as istiod 15010)', async () => {
    const plain = new AdsClient(`127.0.0.1:${meshplane.xdsPort}`, grpc.credentials.createInsecure());
    clients.push(plain);
    expect((await askCds(plain, 'other')).resources).toBeGreaterThan(0);
  });

  it('keeps the CA across a restart; --xds-address off leaves only the TLS port', async () => {
    const before = new X509Certificate(readFileSync(path.join(caDir, 'ca-cert.pem'))).fingerprint256;
    // Issued before the restart: must still be trusted after it.
    const issued = ca.issueWorkload({
      trustDomain: 'cluster.local',
      namespace: 'default',
      serviceAccount: 'sleep',
    });
    await meshplane.stop();
    meshplane = await start(['--xds-address', 'off']);
    const after = new X509Certificate(readFileSync(path.join(caDir, 'ca-cert.pem'))).fingerprint256;
    expect(after).toBe(before);
    expect(meshplane.logs.some((l) => l.msg === 'mesh CA loaded' && l['fingerprint'] === before)).toBe(true);
    expect(meshplane.logs.some((l) => l.msg === 'mesh CA generated')).toBe(false);

    const r = await askCds(tlsClient({ key: issued.keyPem, cert: issued.certPem }), 'default');
    expect(r.resources).toBeGreaterThan(0);
    const refused = await new Promise<boolean>((resolve) => {
      const sock = connect(meshplane.xdsPort, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(false);
      });
      sock.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
