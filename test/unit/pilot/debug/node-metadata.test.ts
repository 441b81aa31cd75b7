/**
 * The debug views use the proxy as its Node described it (namespace, labels, metadata), not one
 * re-derived from the node id: `/debug/syncz` shows it, and `/debug/config_dump` regenerates for
 * it, so label-selected config (here a Gateway selecting `istio: ingressgateway`) shows right.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPilotDebugViews } from '../../../../src/pilot/debug/pilot-debug-views.js';
import { buildSyncz } from '../../../../src/pilot/debug/syncz.js';
import { buildGeneratorMap } from '../../../../src/pilot/generators/index.js';
import type { ConnectionInfo } from '../../../../src/xds/connection-types.js';
import { LISTENER_TYPE } from '../../../../src/xds/type-urls.js';
import { buildWorld, parseIstioYaml, proxyFromNode } from '../../../golden/pilot-harness.js';
import { connection, SIDECAR_ID, typeInfo } from './world.js';

const ROUTER_ID = 'router~10.0.0.100~istio-ingressgateway-5c7f.istio-system~istio-system.svc.cluster.local';
const ROUTER = proxyFromNode({
  id: ROUTER_ID,
  metadata: {
    NAMESPACE: 'istio-system',
    CLUSTER_ID: 'east',
    ISTIO_VERSION: '1.24.0',
    LABELS: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
  },
});

describe('node metadata in the debug views', () => {
  it('/debug/syncz shows namespace, labels, and the proxy’s own cluster and version', () => {
    const withProxy: ConnectionInfo = { ...connection(ROUTER_ID, [typeInfo(LISTENER_TYPE)]), proxy: ROUTER };
    const grpc: ConnectionInfo = {
      ...connection('grpc-client-7', [], 'c2'),
      proxy: proxyFromNode({ id: 'grpc-client-7', metadata: { GENERATOR: 'grpc', NAMESPACE: 'shop' } }),
    };
    const entries = buildSyncz([withProxy, grpc, connection(SIDECAR_ID, [], 'c3')]);
    const byId = (id: string) => entries.find((e) => e.proxy === id);
    const [router, client, bare] = [byId(ROUTER_ID), byId('grpc-client-7'), byId(SIDECAR_ID)];
    expect(router).toMatchObject({
      proxy: ROUTER_ID,
      proxy_type: 'router',
      cluster_id: 'east',
      istio_version: '1.24.0',
      namespace: 'istio-system',
      labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    });
    expect(Object.keys(router!.labels!)).toEqual(['app', 'istio']);
    expect(client).toMatchObject({
      proxy_type: 'proxyless',
      namespace: 'shop',
      labels: {},
      cluster_id: 'Kubernetes',
    });
    // A hand-made view without the parsed proxy keeps the id-derived answers.
    expect(bare).toMatchObject({ proxy: SIDECAR_ID, proxy_type: 'sidecar', istio_version: 'meshplane' });
    expect(bare!.namespace).toBeUndefined();
  });

  it('/debug/config_dump regenerates for the real proxy, labels included', () => {
    const input = readFileSync(
      path.resolve(import.meta.dirname, '../../../testdata/pilot/gateway-http/input.yaml'),
      'utf8',
    );
    const world = buildWorld(parseIstioYaml(input, 'input.yaml'));
    let conns: ConnectionInfo[] = [];
    const views = buildPilotDebugViews({
      connections: () => conns,
      pushContext: () => world.push,
      generators: buildGeneratorMap(),
    });
    const listenerNames = (): string[] => {
      const dump = views['config_dump']!({ proxyID: ROUTER_ID }) as {
        configs: Array<{ dynamic_listeners: Array<{ name: string }> }>;
        node?: { labels: Record<string, string>; namespace: string };
      };
      return dump.configs[0]!.dynamic_listeners.map((l) => l.name);
    };
    const listeners = connection(ROUTER_ID, [typeInfo(LISTENER_TYPE)]);

    conns = [{ ...listeners, proxy: ROUTER }];
    expect(listenerNames()).toEqual(['0.0.0.0_80', '0.0.0.0_8080', '0.0.0.0_9090']);
    const dump = views['config_dump']!({ proxyID: ROUTER_ID }) as { node: Record<string, unknown> };
    expect(dump.node).toMatchObject({
      type: 'router',
      namespace: 'istio-system',
      labels: { istio: 'ingressgateway' },
      ip_addresses: ['10.0.0.100'],
    });

    // The same node id without its labels selects no Gateway: what the id alone would show.
    conns = [listeners];
    expect(listenerNames()).toEqual([]);
  });
});
