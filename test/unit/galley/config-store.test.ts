import { describe, expect, it } from 'vitest';
import { ConfigStore, deepEqual } from '../../../src/galley/config-store.js';
import type { Config, IstioKind } from '../../../src/model/config.js';
import type { ConfigEvent } from '../../../src/model/config-store.js';
import { silentLogger } from '../../../src/util/log.js';

function cfg(
  kind: IstioKind,
  namespace: string,
  name: string,
  spec: unknown,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    source?: string;
    rv?: string;
  } = {},
): Config {
  return {
    meta: {
      kind,
      apiVersion: 'networking.istio.io/v1',
      namespace,
      name,
      labels: extra.labels ?? {},
      annotations: extra.annotations ?? {},
      resourceVersion: extra.rv ?? '1',
      ...(extra.source ? { source: extra.source } : {}),
    },
    spec,
  };
}

function recorder(store: ConfigStore): ConfigEvent[][] {
  const batches: ConfigEvent[][] = [];
  store.onChange((events) => batches.push([...events]));
  return batches;
}

describe('ConfigStore', () => {
  it('adds, gets and lists sorted by namespace then name', () => {
    const store = new ConfigStore(silentLogger());
    store.apply(cfg('VirtualService', 'b', 'a', { hosts: ['x'] }));
    store.apply(cfg('VirtualService', 'a', 'z', { hosts: ['y'] }));
    store.apply(cfg('VirtualService', 'a', 'c', { hosts: ['z'] }));
    store.apply(cfg('DestinationRule', 'a', 'c', { host: 'z' }));
    expect(store.list('VirtualService').map((c) => `${c.meta.namespace}/${c.meta.name}`)).toEqual([
      'a/c',
      'a/z',
      'b/a',
    ]);
    expect(store.list('DestinationRule')).toHaveLength(1);
    expect(store.list('Gateway')).toEqual([]);
    expect(store.get('VirtualService', 'a', 'z')?.spec).toEqual({ hosts: ['y'] });
    expect(store.get('VirtualService', 'a', 'nope')).toBeUndefined();
    expect(store.size()).toBe(4);
  });

  it('emits add, update (with previous) and delete events', () => {
    const store = new ConfigStore(silentLogger());
    const batches = recorder(store);
    const v1 = cfg('ServiceEntry', 'ns', 'se', { hosts: ['a.example.com'] });
    const v2 = cfg('ServiceEntry', 'ns', 'se', { hosts: ['b.example.com'] });
    expect(store.apply(v1)?.type).toBe('add');
    const upd = store.apply(v2);
    expect(upd?.type).toBe('update');
    expect(upd?.previous).toBe(v1);
    expect(store.delete('ServiceEntry', 'ns', 'se')?.type).toBe('delete');
    expect(store.delete('ServiceEntry', 'ns', 'se')).toBeUndefined();
    expect(batches.map((b) => b.map((e) => e.type))).toEqual([['add'], ['update'], ['delete']]);
    expect(batches[2]![0]!.config).toBe(v2);
    expect(store.list('ServiceEntry')).toEqual([]);
  });

  it('treats an update with equal spec, labels and annotations as a no-op', () => {
    const store = new ConfigStore(silentLogger());
    const batches = recorder(store);
    const a = cfg(
      'VirtualService',
      'ns',
      'vs',
      { hosts: ['x'], http: [{ a: 1, b: undefined }] },
      { rv: '1' },
    );
    const same = cfg('VirtualService', 'ns', 'vs', { http: [{ a: 1 }], hosts: ['x'] }, { rv: '2' });
    store.apply(a);
    expect(store.apply(same)).toBeUndefined();
    expect(batches).toHaveLength(1);
    expect(store.get('VirtualService', 'ns', 'vs')).toBe(a);
    // a label change is a change
    expect(
      store.apply(
        cfg('VirtualService', 'ns', 'vs', { hosts: ['x'], http: [{ a: 1 }] }, { labels: { l: 'v' } }),
      )?.type,
    ).toBe('update');
    // an annotation change is a change
    expect(
      store.apply(
        cfg(
          'VirtualService',
          'ns',
          'vs',
          { hosts: ['x'], http: [{ a: 1 }] },
          { labels: { l: 'v' }, annotations: { k: 'v' } },
        ),
      )?.type,
    ).toBe('update');
    expect(batches).toHaveLength(3);
  });

  it('applies a batch and notifies once', () => {
    const store = new ConfigStore(silentLogger());
    store.apply(cfg('Gateway', 'ns', 'old', {}));
    const batches = recorder(store);
    const events = store.applyBatch({
      upserts: [cfg('Gateway', 'ns', 'g1', {}), cfg('Gateway', 'ns', 'g2', {})],
      deletes: [
        { kind: 'Gateway', namespace: 'ns', name: 'old' },
        { kind: 'Gateway', namespace: 'ns', name: 'missing' },
      ],
    });
    expect(events.map((e) => `${e.type}:${e.config.meta.name}`)).toEqual(['add:g1', 'add:g2', 'delete:old']);
    expect(batches).toHaveLength(1);
    expect(store.applyBatch({ upserts: [cfg('Gateway', 'ns', 'g1', {})] })).toEqual([]);
    expect(batches).toHaveLength(1);
  });

  it('replaceAll replaces only what one source owns', () => {
    const store = new ConfigStore(silentLogger());
    store.replaceAll('a.yaml', [cfg('Sidecar', 'ns', 's1', {}), cfg('Sidecar', 'ns', 's2', {})]);
    store.replaceAll('b.yaml', [cfg('Sidecar', 'ns', 's3', {})]);
    const batches = recorder(store);
    store.replaceAll('a.yaml', [cfg('Sidecar', 'ns', 's2', { x: 1 })]);
    expect(store.list('Sidecar').map((c) => c.meta.name)).toEqual(['s2', 's3']);
    expect(store.get('Sidecar', 'ns', 's2')?.meta.source).toBe('a.yaml');
    expect(batches[0]!.map((e) => `${e.type}:${e.config.meta.name}`)).toEqual(['update:s2', 'delete:s1']);
  });

  it('unsubscribes and survives a throwing handler', () => {
    const store = new ConfigStore(silentLogger());
    let calls = 0;
    store.onChange(() => {
      throw new Error('boom');
    });
    const off = store.onChange(() => calls++);
    store.apply(cfg('Gateway', 'ns', 'g', {}));
    expect(calls).toBe(1);
    off();
    store.apply(cfg('Gateway', 'ns', 'g2', {}));
    expect(calls).toBe(1);
    expect(store.list('Gateway')).toHaveLength(2);
  });

  it('deepEqual ignores key order and undefined members', () => {
    expect(deepEqual({ a: [1, { b: 2 }], c: undefined }, { a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(deepEqual({ a: null }, { a: {} })).toBe(false);
    expect(deepEqual([], {})).toBe(false);
  });
});
