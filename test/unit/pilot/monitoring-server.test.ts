import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildMonitoringApp } from '../../../src/pilot/monitoring-server.js';
import { silentLogger } from '../../../src/util/log.js';
import { MeshplaneMetrics } from '../../../src/util/metrics.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('monitoring server', () => {
  it('serves /metrics in Prometheus text format, reflecting what was recorded', async () => {
    const metrics = new MeshplaneMetrics();
    metrics.setConnectedProxies(() => 2);
    app = buildMonitoringApp({ logger: silentLogger(), isReady: () => true, debug: {}, metrics });
    const first = await app.inject({ method: 'GET', url: '/metrics' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(first.body).toContain('# TYPE galley_validation_failed counter');
    expect(first.body).toMatch(/^pilot_xds 2$/m);
    expect(first.body).not.toMatch(/^galley_validation_failed\{/m);

    metrics.validationFailed(
      { group: 'networking.istio.io', version: 'v1', resource: 'virtualservices' },
      'invalid_resource',
    );
    const second = await app.inject({ method: 'GET', url: '/metrics' });
    expect(second.body).toMatch(
      /^galley_validation_failed\{group="networking\.istio\.io",version="v1",resource="virtualservices",reason="invalid_resource"\} 1$/m,
    );
  });

  it('keeps /ready, /healthz and /debug, and has no /metrics without a registry', async () => {
    let ready = false;
    app = buildMonitoringApp({
      logger: silentLogger(),
      isReady: () => ready,
      debug: { configz: () => ({ n: 1 }) },
    });
    expect((await app.inject({ url: '/ready' })).statusCode).toBe(503);
    ready = true;
    expect((await app.inject({ url: '/ready' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/debug/configz' })).json()).toEqual({ n: 1 });
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(404);
  });
});
