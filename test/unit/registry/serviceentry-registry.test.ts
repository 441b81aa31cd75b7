import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../../src/galley/config-store.js';
import type { RegistryChange } from '../../../src/registry/registry.js';
import { ServiceEntryRegistry } from '../../../src/registry/serviceentry/controller.js';
import { silentLogger } from '../../../src/util/log.js';
import { serviceEntry, workloadEntry } from './se-fixtures.js';

function setup(): { store: ConfigStore; registry: ServiceEntryRegistry; changes: RegistryChange[] } {
  const store = new ConfigStore(silentLogger());
  const registry = new ServiceEntryRegistry(store, { logger: silentLogger() });
  const changes: RegistryChange[] = [];
  registry.onChange((c) => changes.push(c));
  return { store, registry, changes };
}

const basePorts = [{ number: 80, name: 'http' }];

describe('ServiceEntryRegistry', () => {
  it('loads what is already in the store', () => {
    const store = new ConfigStore(silentLogger());
    store.apply(serviceEntry('a', { hosts: ['a.example.com'], ports: basePorts, resolution: 'DNS' }));
    const registry = new ServiceEntryRegistry(store, { logger: silentLogger() });
    expect(registry.provider).toBe('serviceentry');
    expect(registry.services().map((s) => s.hostname)).toEqual(['a.example.com']);
    expect(registry.endpoints(registry.services()[0]!).map((e) => e.address)).toEqual(['a.example.com']);
  });

  it('reports new, changed and removed ServiceEntries as service changes', () => {
    const { store, registry, changes } = setup();
    store.apply(serviceEntry('a', { hosts: ['a.example.com', 'b.example.com'], ports: basePorts }));
    expect(changes.at(-1)).toEqual({
      servicesChanged: ['a.example.com', 'b.example.com'],
      endpointsChanged: [],
    });
    store.apply(serviceEntry('a', { hosts: ['a.example.com'], ports: [{ number: 81, name: 'http' }] }));
    expect(changes.at(-1)).toEqual({
      servicesChanged: ['a.example.com', 'b.example.com'],
      endpointsChanged: [],
    });
    expect(registry.services().map((s) => s.hostname)).toEqual(['a.example.com']);
    store.delete('ServiceEntry', 'default', 'a');
    expect(changes.at(-1)).toEqual({ servicesChanged: ['a.example.com'], endpointsChanged: [] });
    expect(registry.services()).toEqual([]);
    expect(changes).toHaveLength(3);
  });

  it('a ServiceEntry whose spec.endpoints alone changed is an endpoints-only change', () => {
    const { store, registry, changes } = setup();
    const spec = { hosts: ['s.example.com'], ports: basePorts, resolution: 'STATIC' as const };
    store.apply(serviceEntry('s', { ...spec, endpoints: [{ address: '10.0.0.1' }] }));
    changes.length = 0;
    store.apply(
      serviceEntry('s', { ...spec, endpoints: [{ address: '10.0.0.1' }, { address: '10.0.0.2' }] }),
    );
    expect(changes).toEqual([{ servicesChanged: [], endpointsChanged: ['s.example.com'] }]);
    const svc = registry.services()[0]!;
    expect(registry.endpoints(svc).map((e) => e.address)).toEqual(['10.0.0.1', '10.0.0.2']);
    // weights and labels of endpoints too
    store.apply(
      serviceEntry('s', {
        ...spec,
        endpoints: [{ address: '10.0.0.1', weight: 2 }, { address: '10.0.0.2' }],
      }),
    );
    expect(changes.at(-1)).toEqual({ servicesChanged: [], endpointsChanged: ['s.example.com'] });
    // a resolution change is not
    store.apply(
      serviceEntry('s', {
        ...spec,
        resolution: 'DNS',
        endpoints: [{ address: '10.0.0.1', weight: 2 }, { address: '10.0.0.2' }],
      }),
    );
    expect(changes.at(-1)).toEqual({ servicesChanged: ['s.example.com'], endpointsChanged: [] });
  });

  it('a metadata label change of the ServiceEntry is a service change', () => {
    const { store, changes } = setup();
    store.apply(serviceEntry('s', { hosts: ['s.example.com'], ports: basePorts }));
    store.apply(serviceEntry('s', { hosts: ['s.example.com'], ports: basePorts }, { labels: { a: 'b' } }));
    expect(changes.at(-1)).toEqual({ servicesChanged: ['s.example.com'], endpointsChanged: [] });
  });

  it('WorkloadEntry changes are endpoints-only changes of the selecting services', () => {
    const { store, registry, changes } = setup();
    store.apply(
      serviceEntry('vm', {
        hosts: ['vm.example.com'],
        ports: basePorts,
        resolution: 'STATIC',
        workloadSelector: { labels: { app: 'vm' } },
      }),
    );
    store.apply(
      serviceEntry(
        'other-ns',
        {
          hosts: ['vm2.example.com'],
          ports: basePorts,
          resolution: 'STATIC',
          workloadSelector: { labels: { app: 'vm' } },
        },
        { namespace: 'ns2' },
      ),
    );
    changes.length = 0;
    store.apply(workloadEntry('w1', { address: '10.0.0.1', labels: { app: 'vm' } }));
    expect(changes).toEqual([{ servicesChanged: [], endpointsChanged: ['vm.example.com'] }]);
    const svc = registry.services().find((s) => s.hostname === 'vm.example.com')!;
    expect(registry.endpoints(svc).map((e) => e.address)).toEqual(['10.0.0.1']);

    store.apply(workloadEntry('w1', { address: '10.0.0.9', labels: { app: 'vm' } }));
    expect(changes.at(-1)).toEqual({ servicesChanged: [], endpointsChanged: ['vm.example.com'] });
    expect(registry.endpoints(svc).map((e) => e.address)).toEqual(['10.0.0.9']);

    // a WorkloadEntry nobody selects changes nothing
    const n = changes.length;
    store.apply(workloadEntry('w2', { address: '10.0.0.2', labels: { app: 'nope' } }));
    expect(changes).toHaveLength(n);

    store.delete('WorkloadEntry', 'default', 'w1');
    expect(changes.at(-1)).toEqual({ servicesChanged: [], endpointsChanged: ['vm.example.com'] });
    expect(registry.endpoints(svc)).toEqual([]);
  });

  it('unrelated kinds and no-op updates emit nothing', () => {
    const { store, changes } = setup();
    const se = serviceEntry('s', { hosts: ['s.example.com'], ports: basePorts });
    store.apply(se);
    changes.length = 0;
    store.apply({ ...se, meta: { ...se.meta, resourceVersion: '2' } });
    store.apply({ ...se, meta: { ...se.meta, kind: 'DestinationRule' }, spec: { host: 's.example.com' } });
    expect(changes).toEqual([]);
  });

  it('same host in one namespace from two ServiceEntries: the oldest defines it, endpoints merge', () => {
    const { store, registry, changes } = setup();
    store.apply(
      serviceEntry(
        'young',
        {
          hosts: ['m.example.com'],
          ports: [{ number: 90, name: 'http' }],
          resolution: 'STATIC',
          endpoints: [{ address: '10.0.0.2' }],
        },
        { created: '2024-02-01T00:00:00Z' },
      ),
    );
    store.apply(
      serviceEntry(
        'old',
        {
          hosts: ['m.example.com'],
          ports: [{ number: 80, name: 'http' }],
          resolution: 'STATIC',
          endpoints: [{ address: '10.0.0.1' }],
        },
        { created: '2024-01-01T00:00:00Z' },
      ),
    );
    expect(registry.services()).toHaveLength(1);
    const svc = registry.services()[0]!;
    expect(svc.sourceKey).toBe('ServiceEntry/default/old');
    expect(svc.ports[0]!.port).toBe(80);
    expect(registry.endpoints(svc).map((e) => `${e.address}:${e.port}`)).toEqual([
      '10.0.0.1:80',
      '10.0.0.2:90',
    ]);
    // removing the younger only changes endpoints
    store.delete('ServiceEntry', 'default', 'young');
    expect(changes.at(-1)).toEqual({ servicesChanged: [], endpointsChanged: ['m.example.com'] });
    // the same host in another namespace is another service
    store.apply(
      serviceEntry(
        'x',
        { hosts: ['m.example.com'], ports: basePorts, resolution: 'STATIC' },
        { namespace: 'a' },
      ),
    );
    expect(registry.services().map((s) => `${s.namespace}/${s.hostname}`)).toEqual([
      'a/m.example.com',
      'default/m.example.com',
    ]);
  });

  it('close() stops following the store', () => {
    const { store, registry, changes } = setup();
    registry.close();
    store.apply(serviceEntry('s', { hosts: ['s.example.com'], ports: basePorts }));
    expect(changes).toEqual([]);
    expect(registry.services()).toEqual([]);
  });
});
