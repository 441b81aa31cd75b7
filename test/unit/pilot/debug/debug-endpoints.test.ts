import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildPilotDebugViews } from '../../../../src/pilot/debug/pilot-debug-views.js';
import { buildGeneratorMap } from '../../../../src/pilot/generators/index.js';
import { buildMonitoringApp } from '../../../../src/pilot/monitoring-server.js';
import { silentLogger } from '../../../../src/util/log.js';
import type { ConnectionInfo } from '../../../../src/xds/connection-types.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../../../src/xds/type-urls.js';
import { mesh, nackingSidecar, SIDECAR_ID, typeInfo, connection } from './world.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function serve(connections: () => readonly ConnectionInfo[]): FastifyInstance {
  const world = mesh();
  const debug = buildPilotDebugViews({
    connections,
    pushContext: () => world.push,
    generators: buildGeneratorMap(),
  });
  app = buildMonitoringApp({ logger: silentLogger(), isReady: () => true, debug });
  return app;
}

describe('pilot debug endpoints', () => {
  it('/debug/syncz: istiod fields plus per-type nonces, NACK error and state', async () => {
    const res = await serve(() => [nackingSidecar()]).inject({ url: '/debug/syncz' });
    expect(res.statusCode).toBe(200);
    const [entry] = res.json();
    expect(entry).toMatchObject({
      proxy: SIDECAR_ID,
      proxy_type: 'sidecar',
      cluster_sent: '1',
      cluster_acked: '1',
      route_sent: '4',
      route_acked: '',
      endpoint_sent: '3',
      endpoint_acked: '',
    });
    const byType = Object.fromEntries(entry.types.map((t: { type_url: string }) => [t.type_url, t]));
    expect(byType[CLUSTER_TYPE].state).toBe('SYNCED');
    expect(byType[ENDPOINT_TYPE].state).toBe('STALE');
    expect(byType[ROUTE_TYPE]).toMatchObject({
      state: 'ERROR',
      sent_nonce: '4',
      last_nack_nonce: '4',
      last_nack_error: 'route config 9080: invalid regex',
      names: ['9080'],
    });
  });

  it('/debug/endpointz: endpoints per service and port, sorted', async () => {
    const res = await serve(() => []).inject({ url: '/debug/endpointz' });
    const reviews = res
      .json()
      .find((s: { hostname: string }) => s.hostname === 'reviews.default.svc.cluster.local');
    expect(reviews.ports).toHaveLength(1);
    expect(reviews.ports[0]).toMatchObject({ name: 'http', port: 9080 });
    expect(reviews.ports[0].endpoints.map((e: { address: string }) => e.address)).toEqual([
      '10.0.0.1',
      '10.0.0.2',
    ]);
    expect(reviews.ports[0].endpoints[0].labels).toEqual({ version: 'v1' });
  });

  it('/debug/registryz lists the services', async () => {
    const res = await serve(() => []).inject({ url: '/debug/registryz' });
    expect(res.json().map((s: { hostname: string }) => s.hostname)).toEqual([
      'db.default.svc.cluster.local',
      'reviews.default.svc.cluster.local',
    ]);
  });

  it('/debug/config_dump?proxyID=: decoded resources in Envoy config_dump shape', async () => {
    const conn = connection(SIDECAR_ID, [
      typeInfo(CLUSTER_TYPE),
      typeInfo(LISTENER_TYPE),
      typeInfo(ROUTE_TYPE, { names: ['9080'] }),
      typeInfo(ENDPOINT_TYPE, { names: ['outbound|9080|v1|reviews.default.svc.cluster.local'] }),
    ]);
    const server = serve(() => [conn]);
    const res = await server.inject({ url: `/debug/config_dump?proxyID=${encodeURIComponent(SIDECAR_ID)}` });
    expect(res.statusCode).toBe(200);
    const dump = res.json();
    expect(dump).toMatchObject({ proxy: SIDECAR_ID, source: 'regenerated' });
    const types = dump.configs.map((c: Record<string, unknown>) => c['@type']);
    expect(types).toEqual([
      'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
      'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
      'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
      'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
    ]);
    const clusters = dump.configs[0].dynamic_active_clusters.map(
      (c: { cluster: { name: string } }) => c.cluster.name,
    );
    expect(clusters).toContain('outbound|9080|v1|reviews.default.svc.cluster.local');
    const routes = dump.configs[2].dynamic_route_configs;
    expect(routes).toHaveLength(1);
    expect(routes[0].route_config.name).toBe('9080');
    expect(JSON.stringify(routes[0].route_config)).toContain(
      'outbound|9080|v1|reviews.default.svc.cluster.local',
    );
    const eds = dump.configs[3].dynamic_endpoint_configs;
    expect(eds[0].endpoint_config.cluster_name).toBe('outbound|9080|v1|reviews.default.svc.cluster.local');
    // Listeners went through protobufjs: nested Anys carry their @type.
    expect(JSON.stringify(dump.configs[1])).toContain(
      '"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"',
    );

    expect((await server.inject({ url: '/debug/config_dump' })).statusCode).toBe(400);
    const missing = await server.inject({
      url: '/debug/config_dump?proxyID=sidecar~1.1.1.1~x.y~y.svc.cluster.local',
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toContain('not connected');
  });

  it('/debug/push_status: rejected configs appear on NACK and go away on ACK', async () => {
    let conns: ConnectionInfo[] = [nackingSidecar()];
    const server = serve(() => conns);
    const first = (await server.inject({ url: '/debug/push_status' })).json();
    expect(first.proxies).toBe(1);
    expect(first.rejected).toEqual([
      {
        kind: 'VirtualService',
        namespace: 'default',
        name: 'reviews-route',
        source: 'mesh.yaml',
        proxies: [
          { proxy: SIDECAR_ID, type: 'RDS', resources: ['9080'], error: 'route config 9080: invalid regex' },
        ],
      },
    ]);
    conns = [
      connection(SIDECAR_ID, [typeInfo(ROUTE_TYPE, { names: ['9080'], sentNonce: '5', ackedNonce: '5' })]),
    ];
    expect((await server.inject({ url: '/debug/push_status' })).json().rejected).toEqual([]);
  });
});
