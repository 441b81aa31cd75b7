import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/options.js';
import { runIssueCert } from '../../../src/security/issue-cert-command.js';
import { loadOrCreateMeshCa } from '../../../src/security/mesh-ca.js';

const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'meshplane-issue-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('meshplane issue-cert', () => {
  it('parses its flags', () => {
    const parsed = parseArgs(['issue-cert', '--namespace', 'shop', '--service-account', 'web', '--out', 'x']);
    expect(parsed).toMatchObject({
      ok: true,
      options: {
        command: 'issue-cert',
        caDir: './var/meshplane-ca',
        trustDomain: 'cluster.local',
        validDays: 30,
      },
    });
    expect(
      parseArgs(['issue-cert', '--namespace', 'Bad_NS', '--service-account', 'web', '--out', 'x']).ok,
    ).toBe(false);
  });

  it('writes a workload certificate chained to the mesh CA with the SPIFFE identity', async () => {
    const caDir = temp();
    const { ca } = await loadOrCreateMeshCa(caDir);
    const out = path.join(temp(), 'certs');
    const lines: string[] = [];
    const code = await runIssueCert(
      { caDir, namespace: 'shop', serviceAccount: 'web', out, trustDomain: 'cluster.local', validDays: 7 },
      (l) => lines.push(l),
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    const leaf = new X509Certificate(readFileSync(path.join(out, 'cert-chain.pem')));
    const root = new X509Certificate(readFileSync(path.join(out, 'root-cert.pem')));
    expect(root.raw.equals(new X509Certificate(ca.certPem).raw)).toBe(true);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toContain('URI:spiffe://cluster.local/ns/shop/sa/web');
    expect(statSync(path.join(out, 'key.pem')).mode & 0o777).toBe(0o600);
    expect(lines[0]).toContain('spiffe://cluster.local/ns/shop/sa/web');
  });

  it('fails with a message naming the CA directory when there is no CA', async () => {
    const errors: string[] = [];
    const code = await runIssueCert(
      {
        caDir: path.join(temp(), 'none'),
        namespace: 'shop',
        serviceAccount: 'web',
        out: temp(),
        trustDomain: 'cluster.local',
        validDays: 1,
      },
      () => undefined,
      (l) => errors.push(l),
    );
    expect(code).toBe(1);
    expect(errors[0]).toMatch(/--ca-dir .*none/);
  });
});
