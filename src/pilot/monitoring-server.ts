/**
 * The HTTP monitoring address (istiod's 15014): readiness, liveness and debug endpoints, on
 * fastify. Thin: every answer comes from a callback owned by the wiring.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../util/log.js';

export interface MonitoringOptions {
  readonly address: string;
  readonly logger: Logger;
  /** 200 on /ready only once the initial config is loaded and xDS is serving (design §3). */
  readonly isReady: () => boolean;
  /** Debug views served as JSON under /debug/<name>. */
  readonly debug: Readonly<Record<string, () => unknown>>;
}

export function splitHostPort(address: string): { host: string; port: number } {
  const idx = address.lastIndexOf(':');
  const host = address.slice(0, idx).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(idx + 1)) };
}

export async function startMonitoringServer(opts: MonitoringOptions): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = opts.logger.child({ scope: 'http' });
  const app: FastifyInstance = Fastify({
    loggerInstance,
    // Probes hit /ready and /healthz every few seconds: request lines would drown the log.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    if (opts.isReady()) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready' });
  });
  for (const [name, view] of Object.entries(opts.debug)) {
    app.get(`/debug/${name}`, async () => view());
  }
  app.get('/debug', async () => ({ endpoints: Object.keys(opts.debug).map((n) => `/debug/${n}`) }));
  const { host, port } = splitHostPort(opts.address);
  await app.listen({ host, port });
  return app;
}
