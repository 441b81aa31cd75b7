/**
 * `meshplane issue-cert`: issues a workload certificate from the mesh CA kept in `--ca-dir`, for
 * a proxy that authenticates on the TLS xDS port by mTLS (its SPIFFE identity binds it to one
 * namespace). What Istio's agent obtains from istiod's CA over a CSR, handed out here by an
 * operator with access to the CA directory.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IssueCertOptions } from '../options.js';
import { loadMeshCa } from './mesh-ca.js';

export const CERT_CHAIN_FILE = 'cert-chain.pem';
export const KEY_FILE = 'key.pem';
export const ROOT_CERT_FILE = 'root-cert.pem';

/** Writes the three files; returns the exit code. */
export async function runIssueCert(
  options: Omit<IssueCertOptions, 'command' | 'logLevel'>,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  let ca;
  try {
    ca = await loadMeshCa(options.caDir);
  } catch (e) {
    err(`meshplane issue-cert: --ca-dir ${options.caDir}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const issued = ca.issueWorkload({
    trustDomain: options.trustDomain,
    namespace: options.namespace,
    serviceAccount: options.serviceAccount,
    validDays: options.validDays,
  });
  await mkdir(options.out, { recursive: true });
  await writeFile(path.join(options.out, CERT_CHAIN_FILE), issued.certPem);
  await writeFile(path.join(options.out, KEY_FILE), issued.keyPem, { mode: 0o600 });
  await writeFile(path.join(options.out, ROOT_CERT_FILE), ca.certPem);
  out(
    `issued spiffe://${options.trustDomain}/ns/${options.namespace}/sa/${options.serviceAccount} ` +
      `(valid ${options.validDays} days): ${path.join(options.out, CERT_CHAIN_FILE)}, ${KEY_FILE}, ${ROOT_CERT_FILE}`,
  );
  return 0;
}
