import { describe, expect, it } from 'vitest';
import {
  buildLoadAssignment,
  isIpLiteral,
} from '../../../src/pilot/networking/endpoint/build-load-assignment.js';
import { EMPTY_LOCALITY, type Endpoint } from '../../../src/model/service.js';

function ep(address: string, extra: Partial<Endpoint> = {}): Endpoint {
  return {
    address,
    port: 80,
    servicePortName: 'grpc',
    labels: {},
    locality: EMPTY_LOCALITY,
    weight: 1,
    healthy: true,
    ...extra,
  };
}

describe('isIpLiteral', () => {
  it('accepts IPv4 and IPv6 literals only', () => {
    for (const ok of ['10.0.0.1', '0.0.0.0', '::1', 'fd00::6:1', '2001:db8:0:0:0:0:0:1', '::ffff:10.0.0.1']) {
      expect(isIpLiteral(ok), ok).toBe(true);
    }
    for (const bad of [
      '256.0.0.1',
      '10.0.0',
      'example.com',
      'fd00::1::2',
      '[::1]',
      '',
      '1:2:3:4:5:6:7:8:9',
    ]) {
      expect(isIpLiteral(bad), bad).toBe(false);
    }
  });
});

describe('buildLoadAssignment', () => {
  it('skips unhealthy, non-IP and duplicate endpoints and filters by subset labels', () => {
    const cla = buildLoadAssignment(
      'c',
      [
        ep('10.0.0.2', { labels: { v: '1' } }),
        ep('10.0.0.1', { labels: { v: '1' } }),
        ep('10.0.0.1', { labels: { v: '1' }, servicePortName: 'dup' }),
        ep('10.0.0.3', { labels: { v: '1' }, healthy: false }),
        ep('db.example.com', { labels: { v: '1' } }),
        ep('10.0.0.4', { labels: { v: '2' } }),
      ],
      { v: '1' },
    );
    const endpoints = cla['endpoints'] as Record<string, any>[];
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]!['lb_endpoints'].map((e: any) => e.endpoint.address.socket_address.address)).toEqual([
      '10.0.0.1',
      '10.0.0.2',
    ]);
    expect(endpoints[0]!['load_balancing_weight']).toEqual({ value: 2 });
    expect(endpoints[0]!['locality']).toEqual({});
  });

  it('groups by locality with a positive weight on every group', () => {
    const cla = buildLoadAssignment('c', [
      ep('10.0.0.1', { locality: { region: 'r', zone: 'z', subzone: '' }, weight: 5 }),
      ep('10.0.0.2', { locality: { region: 'r', zone: 'z', subzone: '' }, weight: 0 }),
      ep('10.0.0.3', { locality: { region: 'q', zone: '', subzone: '' } }),
    ]);
    const endpoints = cla['endpoints'] as Record<string, any>[];
    expect(endpoints.map((l) => [l['locality'], l['load_balancing_weight'].value])).toEqual([
      [{ region: 'q' }, 1],
      [{ region: 'r', zone: 'z' }, 6],
    ]);
  });

  it('yields an empty assignment for no endpoints', () => {
    expect(buildLoadAssignment('c', [])).toEqual({ cluster_name: 'c', endpoints: [] });
  });
});
