/**
 * The HTTP monitoring address (istiod's 15014): readiness, liveness, Prometheus `/metrics` and
 * debug endpoints, on fastify. Thin: every answer comes from a callback owned by the wiring.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../util/log.js';

export interface MonitoringOptions {
  readonly address: string;
  readonly logger: Logger;
  /** 200 on /ready only once the initial config is loaded and xDS is serving (design §3). */
  readonly isReady: () => boolean;
  /**
   * True once a graceful shutdown began: /ready answers 503 at once, whatever `isReady` says, so
   * the Service stops sending new proxies here while the open streams drain. /healthz stays 200
   * (a liveness failure would kill the drain).
   */
  readonly isDraining?: () => boolean;
  /** Debug views served as JSON under /debug/<name>; each gets the query string (`?proxyID=`). */
  readonly debug: Readonly<Record<string, DebugView>>;
  /** `GET /metrics` in Prometheus text format (e.g. a `MeshplaneMetrics`); 404 when unset. */
  readonly metrics?: MetricsExposition;
}

/**
 * One debug view. A view that cannot answer throws an error carrying `statusCode` (400, 404);
 * fastify replies with it.
 */
export type DebugView = (query: Readonly<Record<string, string | undefined>>) => unknown;

/** What `/metrics` serves: a prom-client registry's exposition. */
export interface MetricsExposition {
  readonly contentType: string;
  text(): Promise<string>;
}

export function splitHostPort(address: string): { host: string; port: number } {
  const idx = address.lastIndexOf(':');
  const host = address.slice(0, idx).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(address.slice(idx + 1)) };
}

function queryOf(query: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (typeof query !== 'object' || query === null) return out;
  for (const [k, v] of Object.entries(query)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0];
  }
  return out;
}

/** The routes, not listening yet (in-process tests use `inject`). */
export function buildMonitoringApp(opts: Omit<MonitoringOptions, 'address'>): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = opts.logger.child({ scope: 'http' });
  const app: FastifyInstance = Fastify({
    loggerInstance,
    // Probes hit /ready and /healthz every few seconds: request lines would drown the log.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    if (opts.isDraining?.()) return reply.code(503).send({ status: 'draining' });
    if (opts.isReady()) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready' });
  });
  for (const [name, view] of Object.entries(opts.debug)) {
    app.get(`/debug/${name}`, async (req) => view(queryOf(req.query)));
  }
  app.get('/debug', async () => ({ endpoints: Object.keys(opts.debug).map((n) => `/debug/${n}`) }));
  const metrics = opts.metrics;
  if (metrics) {
    app.get('/metrics', async (_req, reply) => {
      const text = await metrics.text();
      return reply.header('content-type', metrics.contentType).send(text);
    });
  }
  return app;
}

export async function startMonitoringServer(opts: MonitoringOptions): Promise<FastifyInstance> {
  const app = buildMonitoringApp(opts);
  const { host, port } = splitHostPort(opts.address);
  await app.listen({ host, port });
  return app;
}
