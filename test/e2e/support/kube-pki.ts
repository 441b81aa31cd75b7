/**
 * Throwaway PKI for a loopback test cluster, made with the openssl CLI (node:crypto makes keys
 * but not certificates): a self-signed CA, the API server's serving certificate for 127.0.0.1 and
 * localhost, the service-account signing key pair, an admin client certificate in
 * `system:masters`, and a static admin bearer token. ECDSA P-256 keeps generation fast.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KubePki {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly saKey: string;
  readonly saPub: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly tokenFile: string;
  readonly adminToken: string;
  /** PEM of the CA certificate (for kubeconfig `certificate-authority-data` and HTTPS clients). */
  readonly caPem: string;
}

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd });
}

async function ecKey(cwd: string, file: string): Promise<void> {
  await openssl(cwd, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file);
}

/** Signs `name.csr` with the CA into `name.crt`, with the given X.509 v3 extensions. */
async function sign(cwd: string, name: string, subject: string, ext: string): Promise<void> {
  await ecKey(cwd, `${name}.key`);
  await openssl(cwd, 'req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  await writeFile(path.join(cwd, `${name}.ext`), ext);
  await openssl(
    cwd,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '30',
    '-sha256',
    '-extfile',
    `${name}.ext`,
  );
}

export async function generateKubePki(dir: string): Promise<KubePki> {
  await mkdir(dir, { recursive: true });
  await ecKey(dir, 'ca.key');
  await openssl(
    dir,
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '30',
    '-sha256',
    '-subj',
    '/CN=meshplane-test-ca',
  );
  await sign(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n' +
      'extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  await sign(
    dir,
    'admin',
    '/O=system:masters/CN=admin',
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n',
  );
  await ecKey(dir, 'sa.key');
  await openssl(dir, 'ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
  const adminToken = randomBytes(16).toString('hex');
  const tokenFile = path.join(dir, 'tokens.csv');
  await writeFile(tokenFile, `${adminToken},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
  const p = (f: string): string => path.join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('apiserver.crt'),
    serverKey: p('apiserver.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    tokenFile,
    adminToken,
    caPem: await readFile(p('ca.crt'), 'utf8'),
  };
}
