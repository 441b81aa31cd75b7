import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../../src/galley/config-store.js';
import { KubeCoreObjects } from '../../../src/galley/sources/kube-core.js';
import type { Config } from '../../../src/model/config.js';
import type { ConfigEvent } from '../../../src/model/config-store.js';
import { McpApplier } from '../../../src/mcp/apply.js';
import { encodeEnvelope } from '../../../src/mcp/codec.js';
import { coreCollection, istioCollection } from '../../../src/mcp/collections.js';
import {
  configToEnvelope,
  coreObjectToEnvelope,
  type CoreObject,
  type Envelope,
} from '../../../src/mcp/envelope.js';
import type { DeltaDiscoveryResponse, ResourceMessage } from '../../../src/xds/ads-messages.js';
import { contentHash } from '../../../src/util/hash.js';
import { silentLogger } from '../../../src/util/log.js';

const VS_TYPE = istioCollection('VirtualService').typeUrl;
const SLICE_TYPE = coreCollection('EndpointSlice').typeUrl;
const HOST = 'reviews.default.svc.cluster.local';

function vs(name: string, weight: number, rv = '1'): Config {
  return {
    meta: {
      kind: 'VirtualService',
      apiVersion: 'networking.istio.io/v1',
      name,
      namespace: 'default',
      labels: {},
      annotations: {},
      resourceVersion: rv,
    },
    spec: {
      hosts: [HOST],
      http: [
        {
          route: [
            { destination: { host: HOST, subset: 'v1' }, weight },
            { destination: { host: HOST, subset: 'v2' }, weight: 100 - weight },
          ],
        },
      ],
    },
  };
}

function resource(typeUrl: string, env: Envelope, bytes = encodeEnvelope(env)): ResourceMessage {
  return { name: env.name, version: contentHash(bytes), resource: { type_url: typeUrl, value: bytes } };
}

function response(
  typeUrl: string,
  resources: ResourceMessage[],
  removed: string[] = [],
): DeltaDiscoveryResponse {
  return { type_url: typeUrl, resources, removed_resources: removed, nonce: 'n', system_version_info: 'v' };
}

function setup() {
  const store = new ConfigStore(silentLogger());
  const core = new KubeCoreObjects(() => true);
  const events: ConfigEvent[][] = [];
  store.onChange((e) => events.push([...e]));
  const coreEvents: unknown[] = [];
  core.onChange((c) => coreEvents.push(c));
  return { store, core, events, coreEvents, applier: new McpApplier({ store, core }) };
}

describe('McpApplier', () => {
  it('applies valid configs in one batch and ACKs', () => {
    const { store, events, applier } = setup();
    const out = applier.handle(
      response(VS_TYPE, [
        resource(VS_TYPE, configToEnvelope(vs('a', 80))),
        resource(VS_TYPE, configToEnvelope(vs('b', 50))),
      ]),
    );
    expect(out.error).toBeUndefined();
    expect(out.applied).toBe(2);
    expect(events).toHaveLength(1);
    expect(store.list('VirtualService').map((c) => c.meta.name)).toEqual(['a', 'b']);
    expect(store.get('VirtualService', 'default', 'a')?.meta.source).toBe('mcp');
    expect(Object.keys(applier.initialVersions(VS_TYPE))).toEqual(['default/a', 'default/b']);
  });

  it('NACKs a bad resource naming it and the field path, keeps its last good version, applies the rest', () => {
    const { store, applier } = setup();
    applier.handle(response(VS_TYPE, [resource(VS_TYPE, configToEnvelope(vs('a', 80)))]));
    const goodVersions = applier.initialVersions(VS_TYPE);
    const out = applier.handle(
      response(VS_TYPE, [
        resource(VS_TYPE, configToEnvelope(vs('a', -5, '2'))),
        resource(VS_TYPE, configToEnvelope(vs('c', 10))),
      ]),
    );
    expect(out.error).toBeDefined();
    expect(out.error).toContain('networking.istio.io/v1alpha3/VirtualService');
    expect(out.error).toContain('default/a');
    expect(out.error).toContain('spec.http[0].route[0].weight');
    expect(out.rejected.map((r) => r.name)).toEqual(['default/a']);
    const a = store.get('VirtualService', 'default', 'a')!;
    expect((a.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route[0]!.weight).toBe(80);
    expect(store.get('VirtualService', 'default', 'c')).toBeDefined();
    // Only what was accepted is reported on reconnect: Galley will resend the bad one.
    expect(applier.initialVersions(VS_TYPE)['default/a']).toBe(goodVersions['default/a']);
  });

  it('rejects undecodable bytes and envelopes whose name disagrees with the resource', () => {
    const { store, applier } = setup();
    const env = configToEnvelope(vs('a', 80));
    const garbage: ResourceMessage = {
      name: 'default/x',
      version: '1',
      resource: { type_url: VS_TYPE, value: new Uint8Array([0xff, 0xff]) },
    };
    const renamed = { ...resource(VS_TYPE, env), name: 'default/other' };
    const out = applier.handle(response(VS_TYPE, [garbage, renamed]));
    expect(out.rejected.map((r) => r.name)).toEqual(['default/x', 'default/other']);
    expect(out.error).toMatch(/default\/other: metadata\.name: envelope names "default\/a"/);
    expect(store.size()).toBe(0);
  });

  it('NACKs an unknown collection', () => {
    const { applier } = setup();
    expect(applier.handle(response('example.com/v1/Thing', [])).error).toMatch(/unknown MCP collection/);
  });

  it('applies removals and forgets their versions', () => {
    const { store, applier } = setup();
    applier.handle(response(VS_TYPE, [resource(VS_TYPE, configToEnvelope(vs('a', 80)))]));
    const out = applier.handle(response(VS_TYPE, [], ['default/a', 'default/never-held']));
    expect(out.removed).toBe(1);
    expect(store.size()).toBe(0);
    expect(applier.initialVersions(VS_TYPE)).toEqual({});
  });

  it('writes nothing when a reconnect resends what it already holds', () => {
    const { events, applier } = setup();
    const r = resource(VS_TYPE, configToEnvelope(vs('a', 80)));
    applier.handle(response(VS_TYPE, [r]));
    const out = applier.handle(response(VS_TYPE, [r]));
    expect(out).toMatchObject({ applied: 0, unchanged: 1, removed: 0 });
    // Same content under a new version (e.g. a re-listed object): the store sees no change either.
    const again = resource(VS_TYPE, configToEnvelope(vs('a', 80, '7')));
    applier.handle(response(VS_TYPE, [again]));
    expect(events).toHaveLength(1);
  });

  it('applies core objects and deletes them with their last content (the registry reads labels)', () => {
    const { core, coreEvents, applier } = setup();
    const slice: CoreObject = {
      metadata: {
        name: 'reviews-1',
        namespace: 'default',
        resourceVersion: '3',
        labels: { 'kubernetes.io/service-name': 'reviews' },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.1'] }],
    };
    applier.handle(response(SLICE_TYPE, [resource(SLICE_TYPE, coreObjectToEnvelope(slice))]));
    expect(core.get('EndpointSlice', 'default', 'reviews-1')?.['endpoints']).toEqual([
      { addresses: ['10.0.0.1'] },
    ]);
    applier.handle(response(SLICE_TYPE, [], ['default/reviews-1']));
    expect(core.list('EndpointSlice')).toEqual([]);
    const last = coreEvents.at(-1) as { deletes: CoreObject[] }[];
    expect(last[0]!.deletes[0]!.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'reviews' });
  });
});
