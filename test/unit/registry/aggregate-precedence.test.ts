import { describe, expect, it } from 'vitest';
import type { Endpoint, Service } from '../../../src/model/service.js';
import { AggregateRegistry } from '../../../src/registry/aggregate.js';
import { MemoryRegistry } from '../../../src/registry/memory.js';

const svc = (registry: string, port: number): Service => ({
  hostname: 'web.service.consul',
  namespace: 'default',
  registry,
  ports: [{ name: 'grpc', port, protocol: 'GRPC' }],
  addresses: [],
  resolution: 'STATIC',
  meshExternal: false,
  exportTo: ['*'],
  labels: {},
});
const ep = (address: string, labels: Record<string, string> = {}): Endpoint => ({
  address,
  port: 9000,
  servicePortName: 'grpc',
  labels,
  locality: { region: '', zone: '', subzone: '' },
  weight: 1,
  healthy: true,
});

describe('AggregateRegistry: the same host from two registries', () => {
  function setup(mode?: 'merge' | 'first') {
    const se = new MemoryRegistry('serviceentry');
    const consul = new MemoryRegistry('consul');
    se.addService(svc('serviceentry', 80), [ep('127.0.0.1', { from: 'se' })]);
    consul.addService(svc('consul', 8080), [ep('127.0.0.1', { from: 'consul' }), ep('127.0.0.2')]);
    return new AggregateRegistry([se, consul], mode ? { sameHost: mode } : {});
  }

  it('merge (default): the first registry defines the service, endpoints of both, earlier one wins a duplicate', () => {
    const agg = setup();
    expect(agg.services().map((s) => [s.registry, s.ports[0]!.port])).toEqual([['serviceentry', 80]]);
    expect(agg.endpoints(agg.services()[0]!).map((e) => [e.address, e.labels['from']])).toEqual([
      ['127.0.0.1', 'se'],
      ['127.0.0.2', undefined],
    ]);
  });

  it('first: only the first registry’s endpoints', () => {
    const agg = setup('first');
    expect(agg.endpoints(agg.services()[0]!).map((e) => e.address)).toEqual(['127.0.0.1']);
  });

  it('the answer does not depend on the order changes arrived in', () => {
    const a = setup();
    const b = setup();
    b.services();
    expect(JSON.stringify(b.endpoints(b.services()[0]!))).toBe(JSON.stringify(a.endpoints(a.services()[0]!)));
  });
});
