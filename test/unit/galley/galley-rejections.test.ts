/**
 * Galley's end of issue 8 without Kubernetes: a config from the config directory that proxies
 * reject is logged (it has no status to write), once per change, naming the file it came from,
 * and its recovery is logged too.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Galley } from '../../../src/galley/galley.js';
import type { ObjectRejections } from '../../../src/galley/status/reconciled-status.js';

function capture(): { logger: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out.push(String(chunk));
      cb();
    },
  });
  return {
    logger: pino({ level: 'info' }, stream),
    lines: () => out.flatMap((l) => l.split('\n').filter(Boolean)).map((l) => JSON.parse(l)),
  };
}

const PROXY = 'sidecar~10.0.9.9~app-1.default~default.svc.cluster.local';
const rejected = (proxies: string[]): ObjectRejections => ({
  kind: 'VirtualService',
  namespace: 'default',
  name: 'reviews-route',
  source: 'mcp',
  proxies: proxies.map((proxy) => ({ proxy, type: 'RDS', resources: ['9080'], error: 'bad route' })),
});

describe('Galley.reportRejections', () => {
  it('logs a rejected config-directory object once per change, with its file, and its recovery', () => {
    const log = capture();
    const galley = new Galley({
      watchCore: false,
      mcpAddress: '127.0.0.1:0',
      webhookAddress: '127.0.0.1:0',
      webhookService: 'meshplane',
      domainSuffix: 'cluster.local',
      logger: log.logger,
    });
    galley.store.apply({
      meta: {
        kind: 'VirtualService',
        apiVersion: 'networking.istio.io/v1',
        name: 'reviews-route',
        namespace: 'default',
        labels: {},
        annotations: {},
        resourceVersion: '1',
        source: '/etc/mesh/route.yaml',
      },
      spec: { hosts: ['reviews'] },
    });
    galley.reportRejections([rejected([PROXY])]);
    galley.reportRejections([rejected([PROXY])]); // unchanged: not logged again
    galley.reportRejections([rejected([PROXY, PROXY.replace('10.0.9.9', '10.0.9.8')])]);
    galley.reportRejections([]);
    const lines = log.lines().filter((l) => l['kind'] === 'VirtualService' || l['config']);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      level: 40,
      name: 'reviews-route',
      source: '/etc/mesh/route.yaml',
      proxies: 1,
    });
    expect(lines[0]!['msg']).toBe(
      `VirtualService default/reviews-route: rejected by 1 proxy: ${PROXY} (RDS 9080): bad route`,
    );
    expect(lines[1]).toMatchObject({ level: 40, proxies: 2 });
    expect(lines[2]).toMatchObject({
      level: 30,
      config: 'VirtualService/default/reviews-route',
      msg: 'no connected proxy rejects the config any more',
    });
  });
});
