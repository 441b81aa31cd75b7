/**
 * The webhook over real HTTPS on loopback: a client that trusts only the generated CA posts
 * AdmissionReviews to /validate, as the API server does.
 */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookServer } from '../../../../src/galley/webhook/webhook-server.js';
import {
  generateWebhookCertificates,
  type WebhookCertificates,
} from '../../../../src/galley/webhook/x509.js';
import { silentLogger } from '../../../../src/util/log.js';

let server: WebhookServer;
let certs: WebhookCertificates;

function post(body: string, ca = certs.caPem!): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/validate?timeout=10s',
        method: 'POST',
        ca,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const reviewOf = (spec: unknown) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'abc',
      kind: { group: 'networking.istio.io', version: 'v1beta1', kind: 'VirtualService' },
      operation: 'CREATE',
      namespace: 'default',
      object: {
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'VirtualService',
        metadata: { name: 'r', namespace: 'default' },
        spec,
      },
    },
  });

beforeAll(async () => {
  certs = generateWebhookCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  server = await WebhookServer.start({ address: '127.0.0.1:0', certificates: certs, logger: silentLogger() });
});

afterAll(async () => {
  await server?.close();
});

describe('WebhookServer', () => {
  it('answers allowed for a valid VirtualService over TLS verified by the generated CA', async () => {
    const res = await post(reviewOf({ hosts: ['r'], http: [{ route: [{ destination: { host: 'r' } }] }] }));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'abc', allowed: true },
    });
  });

  it("denies an invalid one with the validator's message", async () => {
    const res = await post(
      reviewOf({ hosts: ['r'], http: [{ route: [{ destination: { host: 'r' }, weight: -15 }] }] }),
    );
    expect(res.json.response.allowed).toBe(false);
    expect(res.json.response.status.message).toMatch(
      /^configuration is invalid: spec\.http\[0\]\.route\[0\]\.weight/,
    );
    expect(server.stats.denied).toBe(1);
  });

  it('answers 400 to something that is not an AdmissionReview', async () => {
    const res = await post(JSON.stringify({ hello: 1 }));
    expect(res.status).toBe(400);
    expect(server.stats.malformed).toBe(1);
  });

  it('is not trusted by a client with another CA', async () => {
    const other = generateWebhookCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    await expect(post(reviewOf({ hosts: ['r'] }), other.caPem)).rejects.toThrow();
  });
});
