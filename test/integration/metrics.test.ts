/**
 * `/metrics` of a real meshplane process (`dist/main.js discovery --config-dir`) scraped around
 * real ADS traffic (issue 8, "a scrape of /metrics after real traffic shows the counters
 * moving"): connected proxies, pushes per type, NACKs, convergence and debounce time, services,
 * and the config directory's validation verdicts, under istiod's names.
 */
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_TYPE } from '../../src/xds/type-urls.js';
import { ConfigDir, staticServiceEntry, stopAll } from './support/fixtures.js';
import { MeshplaneProcess, waitFor } from './support/harness.js';
import { adsClient, RawStream } from './support/raw-ads.js';

const NODE = {
  id: 'sidecar~127.0.0.1~metrics-client.default~default.svc.cluster.local',
  metadata: { fields: { GENERATOR: { stringValue: 'grpc' }, NAMESPACE: { stringValue: 'default' } } },
  locality: {},
};

const serviceEntry = (name: string, port: number): string =>
  staticServiceEntry({ name, port, addresses: ['127.0.0.9'] });

const BAD_RULE = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: bad, namespace: default }
spec: { host: '' }
`;

let cfg: ConfigDir;
let meshplane: MeshplaneProcess;
let client: grpc.Client;

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${meshplane.httpPort}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  cfg = ConfigDir.create('metrics');
  cfg.write('a.yaml', serviceEntry('a', 8080));
  cfg.write('bad.yaml', BAD_RULE);
  meshplane = await MeshplaneProcess.start(cfg.dir);
  client = adsClient(meshplane.xdsPort);
}, 30_000);

afterAll(() => stopAll(client, meshplane, cfg));

describe('/metrics after real traffic', () => {
  it('starts with the config verdicts and no proxies', async () => {
    const text = await scrape();
    expect(sample(text, 'pilot_xds')).toBe(0);
    expect(sample(text, 'pilot_services')).toBe(1);
    expect(
      sample(
        text,
        'galley_validation_passed{group="networking.istio.io",version="v1",resource="serviceentries"}',
      ),
    ).toBe(1);
    expect(
      sample(
        text,
        'galley_validation_failed{group="networking.istio.io",version="v1",resource="destinationrules",reason="invalid_resource"}',
      ),
    ).toBe(1);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('moves pilot_xds, pushes, rejects, convergence and debounce with a live stream', async () => {
    const s = new RawStream(client, 'StreamAggregatedResources');
    s.send({ node: NODE, type_url: CLUSTER_TYPE, resource_names: [] });
    const cds = await s.next();
    let text = await scrape();
    expect(sample(text, 'pilot_xds')).toBe(1);
    expect(sample(text, 'pilot_xds_pushes{type="cds"}')).toBe(1);
    expect(sample(text, 'pilot_xds_push_time_count{type="cds"}')).toBe(1);

    // The client rejects it: a NACK is counted once.
    s.send({
      type_url: CLUSTER_TYPE,
      version_info: '',
      response_nonce: cds['nonce'],
      error_detail: { code: 3, message: 'cluster rejected by test' },
    });
    await waitFor('the NACK to be counted', async () =>
      sample(await scrape(), 'pilot_total_xds_rejects{type="cds"}') === 1 ? true : undefined,
    );

    // A config change is debounced and pushed: convergence and debounce time get samples.
    cfg.write('b.yaml', serviceEntry('b', 9090));
    const pushed = await s.next(10_000);
    expect(pushed['type_url']).toBe(CLUSTER_TYPE);
    text = await scrape();
    expect(sample(text, 'pilot_xds_pushes{type="cds"}')).toBe(2);
    expect(sample(text, 'pilot_proxy_convergence_time_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'pilot_debounce_time_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'pilot_services')).toBe(2);

    s.end();
    await waitFor('the proxy to be gone from pilot_xds', async () =>
      sample(await scrape(), 'pilot_xds') === 0 ? true : undefined,
    );
  });
});
