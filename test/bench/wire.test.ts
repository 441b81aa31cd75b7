/**
 * The load generator's minimal protobuf reader and writer (wire.ts) against protobufjs and the
 * real Envoy protos: what it reads from responses and what it writes in requests must agree with
 * a full decoder, or the bench would measure the wrong thing.
 */
import { describe, expect, it } from 'vitest';
import { messageType } from '../../src/xds/proto.js';
import { CDS, EDS, LDS } from './protocol.js';
import {
  clusterEdsName,
  encodeNode,
  lenField,
  listenerRouteNames,
  message,
  readDeltaResponse,
  readSotwResponse,
  resourceName,
  stringsField,
} from './wire.js';

const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

function encode(typeUrl: string, obj: Record<string, unknown>): Uint8Array {
  const t = messageType(typeUrl);
  return t.encode(t.fromObject(obj)).finish();
}

const cluster = (name: string, serviceName?: string): Uint8Array =>
  encode(CDS, {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {} }, ...(serviceName ? { service_name: serviceName } : {}) },
    connect_timeout: { seconds: 1 },
  });

const listener = (name: string, route: string): Uint8Array =>
  encode(LDS, {
    name,
    api_listener: {
      api_listener: {
        type_url: HCM,
        value: encode(HCM, {
          rds: { config_source: { ads: {} }, route_config_name: route },
          stat_prefix: 'x',
        }),
      },
    },
  });

describe('bench wire reader', () => {
  it('reads a SotW DiscoveryResponse envelope and resource names', () => {
    const t = messageType('type.googleapis.com/envoy.service.discovery.v3.DiscoveryResponse');
    const resources = [cluster('outbound|80||a', 'eds-a'), cluster('outbound|80||b')];
    const buf = Buffer.from(
      t
        .encode(
          t.fromObject({
            version_info: 'v7',
            type_url: CDS,
            nonce: 'n3',
            resources: resources.map((value) => ({ type_url: CDS, value })),
          }),
        )
        .finish(),
    );
    const env = readSotwResponse(buf);
    expect(env).toMatchObject({ version: 'v7', nonce: 'n3', typeUrl: CDS });
    expect(env.resources).toHaveLength(2);
    expect(env.resources.map((r) => resourceName(buf, r))).toEqual(['outbound|80||a', 'outbound|80||b']);
    expect(env.resources.map((r) => clusterEdsName(buf, r))).toEqual(['eds-a', 'outbound|80||b']);
  });

  it('follows a proxyless listener to its route config name', () => {
    const t = messageType('type.googleapis.com/envoy.service.discovery.v3.DiscoveryResponse');
    const buf = Buffer.from(
      t
        .encode(
          t.fromObject({
            type_url: LDS,
            resources: [{ type_url: LDS, value: listener('a.ns.svc.cluster.local:80', 'outbound|80||a') }],
          }),
        )
        .finish(),
    );
    const env = readSotwResponse(buf);
    expect(listenerRouteNames(buf, env.resources[0]!)).toEqual(['outbound|80||a']);
    expect(resourceName(buf, env.resources[0]!)).toBe('a.ns.svc.cluster.local:80');
  });

  it('follows a sidecar listener through its filter chains to every route config name', () => {
    const hcm = (route: string): Record<string, unknown> => ({
      name: 'envoy.filters.network.http_connection_manager',
      typed_config: {
        type_url: HCM,
        value: encode(HCM, {
          rds: { config_source: { ads: {} }, route_config_name: route },
          stat_prefix: 'x',
        }),
      },
    });
    const value = encode(LDS, {
      name: '0.0.0.0_8080',
      filter_chains: [{ filters: [hcm('8080')] }, { filters: [{ name: 'other' }, hcm('9090')] }],
      default_filter_chain: { filters: [hcm('8080')] },
    });
    const env = { start: 0, end: value.length };
    expect(listenerRouteNames(value, env).sort()).toEqual(['8080', '9090']);
  });

  it('reads a DeltaDiscoveryResponse with names and removals', () => {
    const t = messageType('type.googleapis.com/envoy.service.discovery.v3.DeltaDiscoveryResponse');
    const cla = encode(EDS, { cluster_name: 'outbound|80||a', endpoints: [{ locality: {} }] });
    const buf = Buffer.from(
      t
        .encode(
          t.fromObject({
            system_version_info: 's1',
            type_url: EDS,
            nonce: 'n9',
            removed_resources: ['gone'],
            resources: [{ name: 'outbound|80||a', version: 'r1', resource: { type_url: EDS, value: cla } }],
          }),
        )
        .finish(),
    );
    const env = readDeltaResponse(buf);
    expect(env).toMatchObject({
      version: 's1',
      nonce: 'n9',
      typeUrl: EDS,
      names: ['outbound|80||a'],
      removed: ['gone'],
    });
    expect(resourceName(buf, env.resources[0]!)).toBe('outbound|80||a');
  });
});

describe('bench wire writer', () => {
  it('writes requests protobufjs decodes, node metadata included', () => {
    const node = encodeNode({
      id: 'sidecar~10.0.0.1~p.default~default.svc.cluster.local',
      metadata: { GENERATOR: 'grpc', NAMESPACE: 'default', LABELS: { app: 'bench' }, N: 2, B: true },
      locality: {},
      clientFeatures: ['f1'],
    });
    const req = message(
      lenField(1, 'v1'),
      lenField(2, node),
      stringsField(3, ['a', 'b']),
      lenField(4, EDS),
      lenField(5, 'n1'),
    );
    const t = messageType('type.googleapis.com/envoy.service.discovery.v3.DiscoveryRequest');
    const obj = t.toObject(t.decode(req), { defaults: false }) as Record<string, any>;
    expect(obj['version_info']).toBe('v1');
    expect(obj['resource_names']).toEqual(['a', 'b']);
    expect(obj['type_url']).toBe(EDS);
    expect(obj['response_nonce']).toBe('n1');
    expect(obj['node'].id).toBe('sidecar~10.0.0.1~p.default~default.svc.cluster.local');
    expect(obj['node'].client_features).toEqual(['f1']);
    expect(obj['node'].locality).toBeDefined();
    const fields = obj['node'].metadata.fields;
    expect(fields.GENERATOR.stringValue).toBe('grpc');
    expect(fields.LABELS.structValue.fields.app.stringValue).toBe('bench');
    expect(fields.N.numberValue).toBe(2);
    expect(fields.B.boolValue).toBe(true);
  });
});
