/**
 * The validating admission webhook over HTTPS (istiod's port 15017, path `/validate`): fastify on
 * node:https with the webhook certificate. The API server only talks TLS to webhooks, and checks
 * the certificate against the `caBundle` of the ValidatingWebhookConfiguration.
 */
import type { Server as HttpsServer } from 'node:https';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { splitHostPort } from '../../pilot/monitoring-server.js';
import type { Logger } from '../../util/log.js';
import type { ResourceLabels, ValidationMetrics } from '../../util/metrics.js';
import { reviewAdmission, wasValidated } from './admission.js';
import type { WebhookCertificates } from './x509.js';

export const WEBHOOK_PATH = '/validate';

export interface WebhookServerOptions {
  /** HOST:PORT to listen on (`--webhook-address`). */
  readonly address: string;
  readonly certificates: WebhookCertificates;
  readonly logger: Logger;
  /** Counts each validated object in `galley_validation_passed` / `_failed`, as istiod's webhook. */
  readonly metrics?: ValidationMetrics;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The review's `request.resource` (group, version, plural), as istiod labels its counters. */
function reviewedResource(body: unknown): ResourceLabels {
  const request = (body as { request?: { resource?: Record<string, unknown> } } | null)?.request;
  const r = request?.resource ?? {};
  return { group: str(r['group']), version: str(r['version']), resource: str(r['resource']) };
}

/** Counters for /metrics-style reporting and tests. */
export interface WebhookStats {
  allowed: number;
  denied: number;
  malformed: number;
}

export class WebhookServer {
  private constructor(
    private readonly app: FastifyInstance<HttpsServer>,
    readonly port: number,
    readonly stats: WebhookStats,
  ) {}

  static async start(opts: WebhookServerOptions): Promise<WebhookServer> {
    const log = opts.logger.child({ scope: 'webhook' });
    const app = Fastify({
      https: { key: opts.certificates.keyPem, cert: opts.certificates.certPem },
      loggerInstance: log as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      // Kubernetes objects may be up to 1.5 MiB, and a review carries object and oldObject.
      bodyLimit: 4 * 1024 * 1024,
    });
    const stats: WebhookStats = { allowed: 0, denied: 0, malformed: 0 };
    app.post(WEBHOOK_PATH, async (req, reply) => {
      const result = reviewAdmission(req.body);
      if (!result.ok) {
        stats.malformed++;
        log.warn({ error: result.error }, 'malformed admission review');
        return reply.code(400).send({ error: result.error });
      }
      const { response } = result.answer;
      stats[response.allowed ? 'allowed' : 'denied']++;
      if (opts.metrics && (result.denied !== undefined || wasValidated(req.body))) {
        const resource = reviewedResource(req.body);
        if (response.allowed) opts.metrics.validationPassed(resource);
        else opts.metrics.validationFailed(resource, 'invalid_resource');
      }
      if (result.denied) log.info({ uid: response.uid, message: result.denied }, 'admission denied');
      return result.answer;
    });
    app.get('/healthz', async () => ({ status: 'ok' }));
    const { host, port } = splitHostPort(opts.address);
    await app.listen({ host, port });
    const addr = app.server.address();
    log.info({ address: opts.address }, 'admission webhook serving');
    return new WebhookServer(app, typeof addr === 'object' && addr ? addr.port : port, stats);
  }

  /** Swaps the serving certificate for new connections (e.g. rotated files). */
  setCertificates(certificates: WebhookCertificates): void {
    this.app.server.setSecureContext({ key: certificates.keyPem, cert: certificates.certPem });
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
