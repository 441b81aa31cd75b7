import { createServer, type Server } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../../src/galley/webhook/x509.js';
import { issueLeafCertificate } from '../../../src/security/certificate.js';
import { KubeTokenReviewer } from '../../../src/security/kube-token-reviewer.js';
import {
  bearerToken,
  buildTokenReview,
  interpretTokenReview,
  jwtExpiry,
} from '../../../src/security/token-review.js';

const ok = (username: string, audiences = ['istio-ca']) => ({
  status: { authenticated: true, user: { username }, audiences },
});

describe('TokenReview (pure)', () => {
  it('asks for the audience only when there is one', () => {
    expect(buildTokenReview('t', ['istio-ca'])).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token: 't', audiences: ['istio-ca'] },
    });
    expect(buildTokenReview('t', [])).toMatchObject({ spec: { token: 't' } });
    expect((buildTokenReview('t', []) as { spec: object }).spec).not.toHaveProperty('audiences');
  });

  it('accepts an authenticated ServiceAccount bound to the audience', () => {
    expect(interpretTokenReview(ok('system:serviceaccount:default:sleep'), ['istio-ca'])).toEqual({
      ok: true,
      identity: { namespace: 'default', serviceAccount: 'sleep', method: 'jwt' },
    });
  });

  it('refuses unauthenticated tokens, wrong audiences and non-ServiceAccount users', () => {
    expect(
      interpretTokenReview({ status: { authenticated: false, error: 'invalid bearer token' } }, ['istio-ca']),
    ).toEqual({ ok: false, error: 'token rejected by the API server: invalid bearer token' });
    expect(
      interpretTokenReview(ok('system:serviceaccount:default:sleep', ['api']), ['istio-ca']),
    ).toMatchObject({
      ok: false,
      error: expect.stringContaining('do not include "istio-ca"'),
    });
    // No audience asked: the answer's audiences do not matter.
    expect(interpretTokenReview(ok('system:serviceaccount:default:sleep', ['api']), []).ok).toBe(true);
    expect(interpretTokenReview(ok('kubernetes-admin'), ['istio-ca'])).toMatchObject({
      ok: false,
      error: expect.stringContaining('not a ServiceAccount'),
    });
    expect(interpretTokenReview({}, [])).toMatchObject({
      ok: false,
      error: 'TokenReview answer has no status',
    });
  });

  it('reads bearer tokens and JWT expiry', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    const payload = Buffer.from(JSON.stringify({ exp: 1_900_000_000 })).toString('base64url');
    expect(jwtExpiry(`h.${payload}.s`)).toBe(1_900_000_000);
    expect(jwtExpiry('garbage')).toBeUndefined();
  });
});

describe('KubeTokenReviewer against an API server', () => {
  let server: Server;
  let port = 0;
  let calls: Array<{ auth: string | undefined; body: { spec: { token: string; audiences?: string[] } } }> =
    [];
  let answer: (token: string) => { code: number; body: unknown } = () => ({ code: 500, body: {} });
  let kc: KubeConfig;

  beforeAll(async () => {
    const ca = createCertificateAuthority('fake-apiserver-ca');
    const leaf = issueLeafCertificate(ca, {
      commonName: 'apiserver',
      ipAddresses: ['127.0.0.1'],
      usages: ['serverAuth'],
    });
    server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        const body = JSON.parse(text) as (typeof calls)[number]['body'];
        calls.push({ auth: req.headers.authorization, body });
        expect(req.method).toBe('POST');
        expect(req.url).toBe('/apis/authentication.k8s.io/v1/tokenreviews');
        const a = answer(body.spec.token);
        res.writeHead(a.code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(a.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: `https://127.0.0.1:${port}`,
          caData: Buffer.from(ca.certPem).toString('base64'),
        },
      ],
      users: [{ name: 'u', token: 'meshplane-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('posts the token with its own credentials, and caches verdicts by token', async () => {
    calls = [];
    answer = (t) =>
      t === 'good'
        ? { code: 201, body: ok('system:serviceaccount:default:sleep') }
        : { code: 201, body: { status: { authenticated: false, error: 'invalid bearer token' } } };
    let now = 1_000_000;
    const reviewer = new KubeTokenReviewer(kc, { audiences: ['istio-ca'], now: () => now });
    expect(await reviewer.review('good')).toMatchObject({ ok: true, identity: { namespace: 'default' } });
    expect(calls[0]).toEqual({
      auth: 'Bearer meshplane-token',
      body: expect.objectContaining({ spec: { token: 'good', audiences: ['istio-ca'] } }),
    });
    await reviewer.review('good');
    expect(calls).toHaveLength(1);
    expect(await reviewer.review('bad')).toMatchObject({
      ok: false,
      error: expect.stringContaining('invalid bearer'),
    });
    await reviewer.review('bad');
    expect(calls).toHaveLength(2);
    now += 6_000; // past the negative cache, within the positive one
    await reviewer.review('bad');
    await reviewer.review('good');
    expect(calls.map((c) => c.body.spec.token)).toEqual(['good', 'bad', 'bad']);
    now += 60_000;
    await reviewer.review('good');
    expect(calls).toHaveLength(4);
  });

  it('does not keep a verdict past the token expiry', async () => {
    calls = [];
    answer = () => ({ code: 201, body: ok('system:serviceaccount:default:sleep') });
    let now = 1_000_000_000;
    const exp = Buffer.from(JSON.stringify({ exp: now / 1000 + 2 })).toString('base64url');
    const token = `h.${exp}.s`;
    const reviewer = new KubeTokenReviewer(kc, { audiences: [], now: () => now });
    await reviewer.review(token);
    now += 3_000;
    await reviewer.review(token);
    expect(calls).toHaveLength(2);
  });

  it('reports API failures as transient and does not cache them', async () => {
    calls = [];
    answer = () => ({ code: 403, body: { message: 'tokenreviews.authentication.k8s.io is forbidden' } });
    const reviewer = new KubeTokenReviewer(kc, { audiences: [] });
    const r = await reviewer.review('x');
    expect(r).toMatchObject({ ok: false, transient: true, error: expect.stringContaining('HTTP 403') });
    await reviewer.review('x');
    expect(calls).toHaveLength(2);
    const down = new KubeConfig();
    down.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    expect(await new KubeTokenReviewer(down, { audiences: [] }).review('x')).toMatchObject({
      ok: false,
      transient: true,
      error: expect.stringContaining('TokenReview failed'),
    });
  });
});
