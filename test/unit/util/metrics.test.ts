import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { MeshplaneMetrics, metricType } from '../../../src/util/metrics.js';
import type { ResponseEvent } from '../../../src/xds/connection-types.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../../src/xds/type-urls.js';

const VS = { group: 'networking.istio.io', version: 'v1', resource: 'virtualservices' };

const response = (typeUrl: string, extra: Partial<ResponseEvent> = {}): ResponseEvent => ({
  connectionId: 'c1',
  proxyId: 'p1',
  mode: 'sotw',
  typeUrl,
  nonce: 'n',
  version: 'v',
  resources: 1,
  removed: 0,
  trigger: 'request',
  ...extra,
});

/** The value of one sample line, e.g. `pilot_xds_pushes{type="cds"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metricType', () => {
  it("uses istiod's short type names", () => {
    expect([CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE].map(metricType)).toEqual([
      'cds',
      'eds',
      'lds',
      'rds',
    ]);
    expect(metricType('networking.istio.io/v1alpha3/VirtualService')).toBe(
      'networking.istio.io/v1alpha3/VirtualService',
    );
  });
});

describe('MeshplaneMetrics', () => {
  it("exposes istiod's metric names, in its own registry only", async () => {
    const before = (await globalRegistry.metrics()).length;
    const m = new MeshplaneMetrics();
    const text = await m.text();
    for (const name of [
      'galley_validation_passed',
      'galley_validation_failed',
      'pilot_k8s_cfg_events',
      'pilot_xds',
      'pilot_services',
      'pilot_xds_pushes',
      'pilot_total_xds_rejects',
      'pilot_xds_push_time',
      'pilot_proxy_convergence_time',
      'pilot_debounce_time',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(m.contentType).toMatch(/^text\/plain/);
    // Nothing leaked into prom-client's global default registry, and two instances coexist.
    expect((await globalRegistry.metrics()).length).toBe(before);
    expect(() => new MeshplaneMetrics()).not.toThrow();
  });

  it("counts validation verdicts with istiod's labels", async () => {
    const m = new MeshplaneMetrics();
    m.validationPassed(VS);
    m.validationPassed(VS);
    m.validationFailed(VS, 'invalid_resource');
    const text = await m.text();
    expect(
      sample(
        text,
        'galley_validation_passed{group="networking.istio.io",version="v1",resource="virtualservices"}',
      ),
    ).toBe(2);
    expect(
      sample(
        text,
        'galley_validation_failed{group="networking.istio.io",version="v1",resource="virtualservices",reason="invalid_resource"}',
      ),
    ).toBe(1);
  });

  it('counts config events by kind and event', async () => {
    const m = new MeshplaneMetrics();
    m.configEvent('VirtualService', 'add');
    m.configEvent('VirtualService', 'update');
    m.configEvent('VirtualService', 'update');
    const text = await m.text();
    expect(sample(text, 'pilot_k8s_cfg_events{type="VirtualService",event="update"}')).toBe(2);
    expect(sample(text, 'pilot_k8s_cfg_events{type="VirtualService",event="add"}')).toBe(1);
  });

  it('reads the gauges at scrape time', async () => {
    const m = new MeshplaneMetrics();
    let proxies = 3;
    m.setConnectedProxies(() => proxies);
    m.setServices(() => 7);
    expect(sample(await m.text(), 'pilot_xds')).toBe(3);
    proxies = 1;
    const text = await m.text();
    expect(sample(text, 'pilot_xds')).toBe(1);
    expect(sample(text, 'pilot_services')).toBe(7);
  });

  it('records pushes, push time, convergence, rejects and debounce time', async () => {
    const m = new MeshplaneMetrics();
    m.xdsResponse(response(CLUSTER_TYPE, { elapsedMs: 2 }));
    m.xdsResponse(response(CLUSTER_TYPE, { elapsedMs: 50, trigger: 'push', pushStart: Date.now() - 300 }));
    m.xdsResponse(response(ROUTE_TYPE));
    m.xdsReject(LISTENER_TYPE);
    m.debounced(150);
    const text = await m.text();
    expect(sample(text, 'pilot_xds_pushes{type="cds"}')).toBe(2);
    expect(sample(text, 'pilot_xds_pushes{type="rds"}')).toBe(1);
    expect(sample(text, 'pilot_total_xds_rejects{type="lds"}')).toBe(1);
    expect(sample(text, 'pilot_xds_push_time_count{type="cds"}')).toBe(2);
    expect(sample(text, 'pilot_xds_push_time_bucket{le="0.01",type="cds"}')).toBe(1);
    // Only the push (not the answer to a request) is a convergence sample: ~0.3 s.
    expect(sample(text, 'pilot_proxy_convergence_time_count')).toBe(1);
    expect(sample(text, 'pilot_proxy_convergence_time_bucket{le="0.1"}')).toBe(0);
    expect(sample(text, 'pilot_proxy_convergence_time_bucket{le="0.5"}')).toBe(1);
    expect(sample(text, 'pilot_debounce_time_sum')).toBeCloseTo(0.15);
  });

  it('adds process metrics only when asked', async () => {
    expect(await new MeshplaneMetrics().text()).not.toContain('process_cpu_user_seconds_total');
    expect(await new MeshplaneMetrics({ processMetrics: true }).text()).toContain(
      'process_cpu_user_seconds_total',
    );
  });
});
