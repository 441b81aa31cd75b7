/**
 * Issue 8, end to end on a running `meshplane discovery` (dist/main.js): a raw ADS client NACKs
 * the route config generated from a VirtualService; `/debug/push_status` names the config, the
 * proxy and the error; `/debug/syncz` and `meshplane proxy-status` show RDS as ERROR; once a fixed
 * config is pushed and ACKed, the rejection is gone and RDS is SYNCED. Also touches every other
 * debug endpoint on the live process.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../src/xds/type-urls.js';
import { ConfigDir } from './support/fixtures.js';
import { MeshplaneProcess, REPO_ROOT, waitFor } from './support/harness.js';
import { adsClient, RawStream, type Msg } from './support/raw-ads.js';

const PROXY = 'sidecar~10.0.9.9~app-1.default~default.svc.cluster.local';
const NODE = { id: PROXY, metadata: { fields: { NAMESPACE: { stringValue: 'default' } } }, locality: {} };

const SERVICE = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: default }
spec:
  hosts: [reviews.default.svc.cluster.local]
  resolution: STATIC
  location: MESH_INTERNAL
  ports: [{ number: 9080, name: http }]
  endpoints: [{ address: 10.0.0.1, labels: { version: v1 } }]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews-dr, namespace: default }
spec:
  host: reviews
  subsets: [{ name: v1, labels: { version: v1 } }]
`;
const route = (timeout: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews-route, namespace: default }
spec:
  hosts: [reviews]
  http: [{ timeout: ${timeout}, route: [{ destination: { host: reviews, subset: v1 } }] }]
`;

let cfg: ConfigDir;
let meshplane: MeshplaneProcess;
let client: grpc.Client;
let stream: RawStream;

async function get<T = any>(url: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${meshplane.httpPort}${url}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function nextOf(typeUrl: string): Promise<Msg> {
  for (;;) {
    const m = await stream.next(10_000);
    if (m.type_url === typeUrl) return m;
  }
}

function proxyStatus(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [
      path.join(REPO_ROOT, 'dist/main.js'),
      'proxy-status',
      '--server',
      `http://127.0.0.1:${meshplane.httpPort}`,
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  cfg = ConfigDir.create('nack');
  cfg.write('service.yaml', SERVICE);
  cfg.write('route.yaml', route('5s'));
  meshplane = await MeshplaneProcess.start(cfg.dir, ['--debounce-after', '20']);
  client = adsClient(meshplane.xdsPort);
  stream = new RawStream(client, 'StreamAggregatedResources');
}, 40_000);

afterAll(async () => {
  stream?.end();
  client?.close();
  await meshplane?.stop();
  cfg?.stop();
});

describe('NACK to config author, debug endpoints, proxy-status', () => {
  let rdsNonce = '';

  it('a NACKed route config shows up in push_status, syncz and proxy-status', async () => {
    stream.send({ node: NODE, type_url: CLUSTER_TYPE, resource_names: [] });
    const cds = await nextOf(CLUSTER_TYPE);
    stream.send({ type_url: CLUSTER_TYPE, version_info: cds.version_info, response_nonce: cds.nonce });
    stream.send({ type_url: LISTENER_TYPE, resource_names: [] });
    const lds = await nextOf(LISTENER_TYPE);
    stream.send({ type_url: LISTENER_TYPE, version_info: lds.version_info, response_nonce: lds.nonce });
    stream.send({ type_url: ROUTE_TYPE, resource_names: ['9080'] });
    const rds = await nextOf(ROUTE_TYPE);
    rdsNonce = rds.nonce;
    stream.send({
      type_url: ROUTE_TYPE,
      resource_names: ['9080'],
      version_info: '',
      response_nonce: rds.nonce,
      error_detail: { code: 3, message: 'route config 9080: unsupported timeout' },
    });

    const status = await waitFor('push_status rejection', async () => {
      const s = await get('/debug/push_status');
      return s.rejected.length > 0 ? s : undefined;
    });
    expect(status.rejected).toEqual([
      {
        kind: 'VirtualService',
        namespace: 'default',
        name: 'reviews-route',
        // Pilot's copy of the config came over MCP from Galley.
        source: 'mcp',
        proxies: [
          { proxy: PROXY, type: 'RDS', resources: ['9080'], error: 'route config 9080: unsupported timeout' },
        ],
      },
    ]);

    const [sync] = await get('/debug/syncz');
    const rdsType = sync.types.find((t: Msg) => t.type_url === ROUTE_TYPE);
    expect(rdsType).toMatchObject({
      state: 'ERROR',
      sent_nonce: rdsNonce,
      last_nack_nonce: rdsNonce,
      last_nack_error: 'route config 9080: unsupported timeout',
    });
    expect(sync.cluster_acked).toBe(cds.nonce);

    const cli = await proxyStatus();
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const lines = cli.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CLUSTER\s+CDS\s+LDS\s+EDS\s+RDS\s+ISTIOD\s+VERSION$/);
    expect(lines[1]).toMatch(
      /^app-1\.default\s+Kubernetes\s+SYNCED\s+SYNCED\s+NOT SENT\s+ERROR\s+127\.0\.0\.1:\d+\s+meshplane$/,
    );
  }, 30_000);

  it('serves the other debug endpoints for the connected proxy', async () => {
    const dump = await get(`/debug/config_dump?proxyID=${encodeURIComponent(PROXY)}`);
    expect(dump.proxy).toBe(PROXY);
    const routes = dump.configs.find((c: Msg) => c['@type'].endsWith('RoutesConfigDump'));
    expect(routes.dynamic_route_configs[0].route_config.name).toBe('9080');
    expect(JSON.stringify(routes)).toContain('"timeout":{"seconds":"5","nanos":0}');
    const endpoints = await get('/debug/endpointz');
    const reviews = endpoints.find((s: Msg) => s.hostname === 'reviews.default.svc.cluster.local');
    expect(reviews.ports[0].endpoints[0].address).toBe('10.0.0.1');
    const registry = await get('/debug/registryz');
    expect(registry.map((s: Msg) => s.hostname)).toContain('reviews.default.svc.cluster.local');
    const configz = await get('/debug/configz');
    expect(configz.configs.map((c: Msg) => c.meta.name)).toContain('reviews-route');
    const bad = await fetch(`http://127.0.0.1:${meshplane.httpPort}/debug/config_dump`);
    expect(bad.status).toBe(400);
  });

  it('a fixed config, pushed and ACKed, clears the rejection', async () => {
    cfg.write('route.yaml', route('7s'));
    const rds = await nextOf(ROUTE_TYPE);
    expect(rds.nonce).not.toBe(rdsNonce);
    stream.send({
      type_url: ROUTE_TYPE,
      resource_names: ['9080'],
      version_info: rds.version_info,
      response_nonce: rds.nonce,
    });
    await waitFor('rejection cleared', async () => (await get('/debug/push_status')).rejected.length === 0);
    const cli = await proxyStatus();
    expect(cli.stdout.trim().split('\n')[1]).toMatch(/SYNCED\s+SYNCED\s+NOT SENT\s+SYNCED/);
  }, 30_000);

  it('proxy-status fails clearly when the server is unreachable', async () => {
    const child = spawn(process.execPath, [
      path.join(REPO_ROOT, 'dist/main.js'),
      'proxy-status',
      '--server',
      'http://127.0.0.1:1',
    ]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(1);
    expect(stderr).toContain('cannot reach http://127.0.0.1:1');
  });
});
