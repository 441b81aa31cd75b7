/**
 * meshplane's mesh CA, kept in a directory (`--ca-dir`): `ca-cert.pem` and `ca-key.pem` (mode
 * 0600). Generated once, like istiod's self-signed root (which istiod keeps in the
 * `istio-ca-secret` Secret), and reused on every restart so proxies and workload certificates
 * issued earlier keep verifying. An operator may plug in their own CA by putting its certificate
 * and key there (as Istio's `cacerts`); meshplane then signs with it.
 *
 * Several processes may start on one empty directory at once: the key is published with an
 * exclusive `link()` (the winner), the others wait for the certificate and load the winner's CA.
 *
 * Against Kubernetes the CA lives in the Secret `meshplane-ca` instead (ca-secret.ts), so every
 * replica behind the Service signs with the same CA: {@link loadOrCreateMeshCaSecret}.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { access, link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createCertificateAuthority } from '../galley/webhook/x509.js';
import type { Logger } from '../util/log.js';
import { caFromPem, issueLeafCertificate, type IssuedCertificate } from './certificate.js';
import { MESH_CA_SECRET } from './ca-secret-codec.js';
import { loadOrCreateSharedCa, type SecretApi } from './ca-secret.js';
import { spiffeId } from './identity.js';

export const CA_CERT_FILE = 'ca-cert.pem';
export const CA_KEY_FILE = 'ca-key.pem';
/** `--ca-dir` when not given and meshplane does not run against Kubernetes. */
export const DEFAULT_CA_DIR = './var/meshplane-ca';
const CA_COMMON_NAME = 'meshplane-mesh-ca';
const CA_VALID_DAYS = 3650;
/** How long a loser of the creation race waits for the winner's certificate. */
const PUBLISH_WAIT_MS = 10_000;

export interface WorkloadCertificateRequest {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly validDays?: number;
  /** Extra DNS SANs (a workload that also serves TLS by name). */
  readonly dnsNames?: readonly string[];
}

export class MeshCa {
  constructor(
    readonly ca: IssuedCertificate,
    /** Where it lives; undefined for an in-memory CA (tests) or one kept in a Secret. */
    readonly dir?: string,
  ) {}

  get certPem(): string {
    return this.ca.certPem;
  }

  /** SHA-256 fingerprint of the CA certificate (logs, restart checks). */
  fingerprint(): string {
    return new X509Certificate(this.ca.certPem).fingerprint256;
  }

  /** A serving certificate (serverAuth) for meshplane's own TLS listener. */
  issueServing(dnsNames: readonly string[], ipAddresses: readonly string[]): IssuedCertificate {
    return issueLeafCertificate(this.ca, {
      commonName: dnsNames[0] ?? 'meshplane',
      dnsNames,
      ipAddresses,
      usages: ['serverAuth'],
    });
  }

  /** A workload certificate with the SPIFFE ID of a ServiceAccount (client and server use). */
  issueWorkload(req: WorkloadCertificateRequest): IssuedCertificate {
    const id = spiffeId(req.trustDomain, req.namespace, req.serviceAccount);
    return issueLeafCertificate(this.ca, {
      commonName: `${req.serviceAccount}.${req.namespace}`,
      uris: [id],
      dnsNames: req.dnsNames ?? [],
      usages: ['serverAuth', 'clientAuth'],
      validDays: req.validDays ?? 1,
    });
  }
}

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

/** Reads the CA in `dir`; throws naming the file on anything wrong. */
export async function loadMeshCa(dir: string, now = new Date()): Promise<MeshCa> {
  const certFile = path.join(dir, CA_CERT_FILE);
  const keyFile = path.join(dir, CA_KEY_FILE);
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  let ca: IssuedCertificate;
  try {
    ca = caFromPem(certPem, createPrivateKey(keyPem), keyPem);
  } catch (err) {
    throw new Error(
      `--ca-dir ${dir}: ${CA_CERT_FILE} / ${CA_KEY_FILE}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const validTo = new Date(new X509Certificate(certPem).validTo);
  if (validTo.getTime() <= now.getTime())
    throw new Error(`--ca-dir ${dir}: ${CA_CERT_FILE} expired on ${validTo.toISOString()}`);
  return new MeshCa(ca, dir);
}

/**
 * The CA in `dir`, generated (EC P-256, 10 years) and written there first if the directory holds
 * none. `created` tells whether this call made it.
 */
export async function loadOrCreateMeshCa(
  dir: string,
  logger?: Logger,
): Promise<{ readonly ca: MeshCa; readonly created: boolean }> {
  const certFile = path.join(dir, CA_CERT_FILE);
  const keyFile = path.join(dir, CA_KEY_FILE);
  const [haveCert, haveKey] = await Promise.all([exists(certFile), exists(keyFile)]);
  if (haveCert && !haveKey) throw new Error(`--ca-dir ${dir}: ${CA_CERT_FILE} without ${CA_KEY_FILE}`);
  if (haveKey) {
    if (!haveCert) await waitForFile(certFile, dir);
    const ca = await loadMeshCa(dir);
    const mode = (await stat(keyFile)).mode & 0o077;
    if (mode !== 0)
      logger?.warn({ file: keyFile }, `${keyFile} is readable by group or others: chmod 600 it`);
    return { ca, created: false };
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const generated = createCertificateAuthority(CA_COMMON_NAME, { validDays: CA_VALID_DAYS });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmpKey = path.join(dir, `.${CA_KEY_FILE}.${tag}`);
  const tmpCert = path.join(dir, `.${CA_CERT_FILE}.${tag}`);
  await writeFile(tmpKey, generated.keyPem, { mode: 0o600 });
  await writeFile(tmpCert, generated.certPem, { mode: 0o644 });
  try {
    // The exclusive step: link() fails with EEXIST if another process published a key first.
    await link(tmpKey, keyFile);
  } catch (err) {
    await Promise.all([rm(tmpKey, { force: true }), rm(tmpCert, { force: true })]);
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await waitForFile(certFile, dir);
    return { ca: await loadMeshCa(dir), created: false };
  }
  await rm(tmpKey, { force: true });
  await rename(tmpCert, certFile);
  return { ca: new MeshCa(generated, dir), created: true };
}

/**
 * The mesh CA shared by all replicas through Secret `namespace/meshplane-ca`, created with a new
 * CA (EC P-256, 10 years) by the first replica; see ca-secret.ts for the race and the errors.
 */
export async function loadOrCreateMeshCaSecret(
  api: SecretApi,
  namespace: string,
  logger?: Logger,
): Promise<{ readonly ca: MeshCa; readonly created: boolean }> {
  const { ca, created } = await loadOrCreateSharedCa({
    api,
    namespace,
    name: MESH_CA_SECRET,
    commonName: CA_COMMON_NAME,
    validDays: CA_VALID_DAYS,
    ...(logger ? { logger } : {}),
  });
  return { ca: new MeshCa(ca), created };
}

async function waitForFile(file: string, dir: string): Promise<void> {
  const deadline = Date.now() + PUBLISH_WAIT_MS;
  while (!(await exists(file))) {
    if (Date.now() > deadline)
      throw new Error(
        `--ca-dir ${dir}: ${CA_KEY_FILE} without ${path.basename(file)}; remove the key or add the certificate`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}
