import { describe, expect, it } from 'vitest';
import type { Endpoint, Service } from '../../../src/model/service.js';
import { AggregateRegistry } from '../../../src/registry/aggregate.js';
import { MemoryRegistry } from '../../../src/registry/memory.js';
import type { RegistryChange } from '../../../src/registry/registry.js';

function svc(hostname: string, registry: string, namespace = 'default', port = 80): Service {
  return {
    hostname,
    namespace,
    registry,
    ports: [{ name: 'http', port, protocol: 'HTTP' }],
    addresses: [],
    resolution: 'STATIC',
    meshExternal: false,
    exportTo: ['*'],
    labels: {},
  };
}

function ep(address: string, port = 8080): Endpoint {
  return {
    address,
    port,
    servicePortName: 'http',
    labels: {},
    locality: { region: '', zone: '', subzone: '' },
    weight: 1,
    healthy: true,
  };
}

describe('MemoryRegistry', () => {
  it('stores services and endpoints sorted and reports the kind of change', () => {
    const r = new MemoryRegistry('test');
    const changes: RegistryChange[] = [];
    r.onChange((c) => changes.push(c));
    r.addService(svc('b.example.com', 'test'), [ep('10.0.0.2'), ep('10.0.0.1', 9090), ep('10.0.0.1')]);
    r.addService(svc('a.example.com', 'test', 'z'));
    r.addService(svc('a.example.com', 'test', 'a'));
    expect(r.services().map((s) => `${s.hostname}/${s.namespace}`)).toEqual([
      'a.example.com/a',
      'a.example.com/z',
      'b.example.com/default',
    ]);
    expect(r.endpoints(svc('b.example.com', 'test')).map((e) => `${e.address}:${e.port}`)).toEqual([
      '10.0.0.1:8080',
      '10.0.0.1:9090',
      '10.0.0.2:8080',
    ]);
    r.setEndpoints('b.example.com', 'default', [ep('10.0.0.3')]);
    expect(changes.at(-1)).toEqual({ servicesChanged: [], endpointsChanged: ['b.example.com'] });
    expect(r.removeService('b.example.com', 'default')).toBe(true);
    expect(changes.at(-1)).toEqual({ servicesChanged: ['b.example.com'], endpointsChanged: [] });
    expect(r.removeService('b.example.com', 'default')).toBe(false);
    expect(() => r.setEndpoints('nope', 'default', [])).toThrow(/no service/);
    expect(changes).toHaveLength(5);
  });
});

describe('AggregateRegistry', () => {
  it('concatenates services of all registries, sorted', () => {
    const a = new MemoryRegistry('a');
    const b = new MemoryRegistry('b');
    a.addService(svc('z.example.com', 'a'), [ep('10.0.0.1')]);
    b.addService(svc('m.example.com', 'b'), [ep('10.0.1.1')]);
    const agg = new AggregateRegistry([a, b]);
    expect(agg.services().map((s) => `${s.hostname}@${s.registry}`)).toEqual([
      'm.example.com@b',
      'z.example.com@a',
    ]);
    expect(agg.endpoints(agg.services()[0]!).map((e) => e.address)).toEqual(['10.0.1.1']);
    expect(agg.endpoints(svc('unknown', 'a'))).toEqual([]);
  });

  it('same host in two registries: the first registry wins the definition, endpoints merge', () => {
    const first = new MemoryRegistry('first');
    const second = new MemoryRegistry('second');
    first.addService(svc('h.example.com', 'first', 'default', 80), [ep('10.0.0.1'), ep('10.0.0.2')]);
    second.addService(svc('h.example.com', 'second', 'other', 9999), [ep('10.0.0.2'), ep('10.0.0.0')]);
    const agg = new AggregateRegistry([first, second]);
    const services = agg.services();
    expect(services).toHaveLength(1);
    expect(services[0]!.registry).toBe('first');
    expect(services[0]!.ports[0]!.port).toBe(80);
    expect(agg.endpoints(services[0]!).map((e) => e.address)).toEqual(['10.0.0.0', '10.0.0.1', '10.0.0.2']);

    // order matters: reversed, the other definition wins
    const rev = new AggregateRegistry([second, first]);
    expect(rev.services().map((s) => s.registry)).toEqual(['second']);
  });

  it('forwards change events and refreshes its view', () => {
    const a = new MemoryRegistry('a');
    const b = new MemoryRegistry('b');
    const agg = new AggregateRegistry([a, b]);
    const changes: RegistryChange[] = [];
    agg.onChange((c) => changes.push(c));
    expect(agg.services()).toEqual([]);
    b.addService(svc('x.example.com', 'b'), [ep('10.0.0.1')]);
    expect(changes).toEqual([{ servicesChanged: ['x.example.com'], endpointsChanged: [] }]);
    expect(agg.services().map((s) => s.registry)).toEqual(['b']);
    a.addService(svc('x.example.com', 'a'), [ep('10.0.0.5')]);
    expect(agg.services().map((s) => s.registry)).toEqual(['a']);
    b.setEndpoints('x.example.com', 'default', [ep('10.0.0.7')]);
    expect(changes.at(-1)).toEqual({ servicesChanged: [], endpointsChanged: ['x.example.com'] });
    expect(agg.endpoints(agg.services()[0]!).map((e) => e.address)).toEqual(['10.0.0.5', '10.0.0.7']);
  });

  it('keeps its merged view across endpoint-only changes and rebuilds it on service changes', () => {
    const a = new MemoryRegistry('a');
    const b = new MemoryRegistry('b');
    const agg = new AggregateRegistry([a, b]);
    a.addService(svc('x.example.com', 'a'), [ep('10.0.0.1')]);
    b.addService(svc('x.example.com', 'b'), [ep('10.0.0.2')]);
    const view = agg.services();
    a.setEndpoints('x.example.com', 'default', [ep('10.0.0.3')]);
    b.setEndpoints('x.example.com', 'default', [ep('10.0.0.4')]);
    // Same array: nothing was re-merged; the endpoints are read through to the members.
    expect(agg.services()).toBe(view);
    expect(agg.endpoints(view[0]!).map((e) => e.address)).toEqual(['10.0.0.3', '10.0.0.4']);
    b.addService(svc('y.example.com', 'b'));
    expect(agg.services()).not.toBe(view);
    expect(agg.services().map((s) => s.hostname)).toEqual(['x.example.com', 'y.example.com']);
  });

  it('addRegistry appends with the lowest precedence and reports its hosts', () => {
    const a = new MemoryRegistry('a');
    a.addService(svc('x.example.com', 'a'));
    const agg = new AggregateRegistry([a]);
    const changes: RegistryChange[] = [];
    agg.onChange((c) => changes.push(c));
    const b = new MemoryRegistry('b');
    b.addService(svc('x.example.com', 'b'), [ep('10.0.0.3')]);
    b.addService(svc('y.example.com', 'b'));
    agg.addRegistry(b);
    expect(changes).toEqual([{ servicesChanged: ['x.example.com', 'y.example.com'], endpointsChanged: [] }]);
    expect(agg.services().map((s) => `${s.hostname}@${s.registry}`)).toEqual([
      'x.example.com@a',
      'y.example.com@b',
    ]);
    expect(agg.registries()).toHaveLength(2);
  });
});
