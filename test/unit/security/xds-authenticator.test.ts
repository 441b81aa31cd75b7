import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { Metadata, status } from '@grpc/grpc-js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseProxy, type Proxy } from '../../../src/model/proxy.js';
import { createCertificateAuthority } from '../../../src/galley/webhook/x509.js';
import { MeshCa } from '../../../src/security/mesh-ca.js';
import type { TokenReviewer, TokenReviewResult } from '../../../src/security/token-review.js';
import {
  XdsAuthenticator,
  type AuthCall,
  type XdsAuthMethod,
} from '../../../src/security/xds-authenticator.js';

const ca = new MeshCa(createCertificateAuthority('test-mesh-ca'));

function capture(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { logger, lines };
}

function call(opts: { certPem?: string; authorization?: string }): AuthCall {
  const metadata = new Metadata();
  if (opts.authorization) metadata.set('authorization', opts.authorization);
  const raw = opts.certPem ? new X509Certificate(opts.certPem).raw : undefined;
  return {
    metadata,
    getAuthContext: () =>
      raw ? { transportSecurityType: 'ssl', sslPeerCertificate: { raw } as PeerCertificate } : {},
    getPeer: () => 'ipv4:127.0.0.1:5555',
  };
}

function proxyIn(ns: string): Proxy {
  const r = parseProxy({
    id: `sidecar~10.0.0.1~app-1.${ns}~${ns}.svc.cluster.local`,
    metadata: { NAMESPACE: ns },
  });
  if (!r.ok) throw new Error(r.error);
  return r.proxy;
}

const reviewer = (verdicts: Record<string, TokenReviewResult>): TokenReviewer => ({
  review: (token) =>
    Promise.resolve(verdicts[token] ?? { ok: false, error: 'token rejected by the API server: invalid' }),
});

function authenticator(methods: XdsAuthMethod[], rev?: TokenReviewer) {
  const { logger, lines } = capture();
  return {
    auth: new XdsAuthenticator({
      methods,
      trustDomain: 'cluster.local',
      logger,
      ...(rev ? { reviewer: rev } : {}),
    }),
    lines,
  };
}

const workload = (ns: string) =>
  ca.issueWorkload({ trustDomain: 'cluster.local', namespace: ns, serviceAccount: 'sleep' }).certPem;

describe('XdsAuthenticator', () => {
  it('admits a certificate identity for a node of its namespace', async () => {
    const { auth, lines } = authenticator(['mtls', 'jwt']);
    expect(await auth.authorize(proxyIn('default'), call({ certPem: workload('default') }))).toEqual({
      ok: true,
    });
    expect(lines.at(-1)).toMatchObject({
      msg: 'xDS stream authenticated',
      identity: 'spiffe://cluster.local/ns/default/sa/sleep',
      method: 'mtls',
    });
  });

  it('refuses another namespace with PERMISSION_DENIED and a warn line naming both', async () => {
    const { auth, lines } = authenticator(['mtls']);
    const r = await auth.authorize(proxyIn('other'), call({ certPem: workload('default') }));
    expect(r).toMatchObject({ ok: false, code: status.PERMISSION_DENIED });
    const line = lines.at(-1)!;
    expect(line['level']).toBe(40);
    expect(line['msg']).toContain('sidecar~10.0.0.1~app-1.other~other.svc.cluster.local');
    expect(line['msg']).toContain('"other"');
    expect(line['msg']).toContain('spiffe://cluster.local/ns/default/sa/sleep');
  });

  it('refuses a caller with neither certificate nor token with UNAUTHENTICATED', async () => {
    const { auth, lines } = authenticator(['mtls', 'jwt'], reviewer({}));
    const r = await auth.authorize(proxyIn('default'), call({}));
    expect(r).toMatchObject({ ok: false, code: status.UNAUTHENTICATED });
    if (!r.ok)
      expect(r.details).toBe(
        'xDS authentication failed: no client certificate signed by the mesh CA; no bearer token',
      );
    expect(lines.at(-1)).toMatchObject({
      level: 40,
      node: proxyIn('default').id,
      peer: 'ipv4:127.0.0.1:5555',
    });
    expect(String(lines.at(-1)!['msg'])).toContain('refused: not authenticated');
  });

  it('accepts a reviewed token, and binds its namespace', async () => {
    const rev = reviewer({
      good: { ok: true, identity: { namespace: 'default', serviceAccount: 'sleep', method: 'jwt' } },
    });
    const { auth, lines } = authenticator(['mtls', 'jwt'], rev);
    expect(await auth.authorize(proxyIn('default'), call({ authorization: 'Bearer good' }))).toEqual({
      ok: true,
    });
    expect(lines.at(-1)).toMatchObject({ identity: 'system:serviceaccount:default:sleep', method: 'jwt' });
    expect(await auth.authorize(proxyIn('other'), call({ authorization: 'Bearer good' }))).toMatchObject({
      ok: false,
      code: status.PERMISSION_DENIED,
    });
    const bad = await auth.authorize(proxyIn('default'), call({ authorization: 'Bearer nope' }));
    expect(bad).toMatchObject({ ok: false, code: status.UNAUTHENTICATED });
    if (!bad.ok) expect(bad.details).toContain('token rejected by the API server');
  });

  it('answers UNAVAILABLE when the token could not be reviewed', async () => {
    const rev = reviewer({ t: { ok: false, error: 'TokenReview failed: ECONNREFUSED', transient: true } });
    const { auth } = authenticator(['jwt'], rev);
    expect(await auth.authorize(proxyIn('default'), call({ authorization: 'Bearer t' }))).toMatchObject({
      ok: false,
      code: status.UNAVAILABLE,
    });
  });

  it('never takes a token when JWT is not enabled or unavailable', async () => {
    const rev = reviewer({
      good: { ok: true, identity: { namespace: 'default', serviceAccount: 'sleep', method: 'jwt' } },
    });
    const { auth } = authenticator(['mtls'], rev);
    expect(await auth.authorize(proxyIn('default'), call({ authorization: 'Bearer good' }))).toMatchObject({
      ok: false,
      code: status.UNAUTHENTICATED,
    });
    const { auth: noKube } = authenticator(['jwt']);
    const r = await noKube.authorize(proxyIn('default'), call({ authorization: 'Bearer good' }));
    expect(r).toMatchObject({ ok: false, code: status.UNAUTHENTICATED });
    if (!r.ok) expect(r.details).toContain('JWT authentication is unavailable');
  });

  it('refuses a certificate without a SPIFFE ID of the trust domain', async () => {
    const { auth } = authenticator(['mtls']);
    const serving = ca.issueServing(['localhost'], []).certPem;
    const r = await auth.authorize(proxyIn('default'), call({ certPem: serving }));
    expect(r).toMatchObject({ ok: false, code: status.UNAUTHENTICATED });
    if (!r.ok) expect(r.details).toContain('no spiffe:// URI SAN');
    const foreign = ca.issueWorkload({
      trustDomain: 'evil.td',
      namespace: 'default',
      serviceAccount: 'x',
    }).certPem;
    const f = await auth.authorize(proxyIn('default'), call({ certPem: foreign }));
    if (!f.ok) expect(f.details).toContain('"evil.td"');
    expect(f.ok).toBe(false);
  });

  it('lets anyone in with none (explicit opt-out)', async () => {
    const { auth } = authenticator(['none']);
    expect(await auth.authorize(proxyIn('other'), call({}))).toEqual({ ok: true });
  });
});
