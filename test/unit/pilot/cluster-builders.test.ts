import { describe, expect, it } from 'vitest';
import {
  applyLoadBalancer,
  buildCircuitBreakers,
  buildOutlierDetection,
} from '../../../src/pilot/networking/cluster/build-cluster-policy.js';
import { buildServiceClusters } from '../../../src/pilot/networking/cluster/build-cluster.js';
import { mergeTrafficPolicy } from '../../../src/pilot/networking/cluster/traffic-policy.js';
import type { TrafficPolicy } from '../../../src/model/istio/index.js';

describe('mergeTrafficPolicy', () => {
  const top: TrafficPolicy = {
    loadBalancer: { simple: 'RANDOM' },
    connectionPool: { http: { http2MaxRequests: 10 } },
    portLevelSettings: [{ port: { number: 81 }, outlierDetection: { consecutive5xxErrors: 1 } }],
  };

  it('keeps the top level when no port-level setting or subset applies', () => {
    expect(mergeTrafficPolicy(top, undefined, 80)).toEqual({
      loadBalancer: { simple: 'RANDOM' },
      connectionPool: { http: { http2MaxRequests: 10 } },
    });
    expect(mergeTrafficPolicy(undefined, undefined, 80)).toBeUndefined();
  });

  it('replaces all port-level fields for a matching port (no inheritance)', () => {
    expect(mergeTrafficPolicy(top, undefined, 81)).toEqual({ outlierDetection: { consecutive5xxErrors: 1 } });
  });

  it('lets a subset override set fields, then its own port-level settings', () => {
    const subset: TrafficPolicy = {
      loadBalancer: { consistentHash: { useSourceIp: true } },
      portLevelSettings: [{ port: { number: 82 }, connectionPool: { tcp: { maxConnections: 1 } } }],
    };
    expect(mergeTrafficPolicy(top, subset, 80)).toEqual({
      loadBalancer: { consistentHash: { useSourceIp: true } },
      connectionPool: { http: { http2MaxRequests: 10 } },
    });
    expect(mergeTrafficPolicy(top, subset, 82)).toEqual({ connectionPool: { tcp: { maxConnections: 1 } } });
  });
});

describe('cluster policy', () => {
  it('uses RING_HASH for consistent hashing with a capped ring size, ROUND_ROBIN otherwise', () => {
    const rr: Record<string, unknown> = {};
    applyLoadBalancer(rr, { simple: 'LEAST_REQUEST' });
    expect(rr).toEqual({});
    const rh: Record<string, unknown> = {};
    applyLoadBalancer(rh, {
      consistentHash: { httpHeaderName: 'x', ringHash: { minimumRingSize: 100_000_000 } },
    });
    expect(rh).toEqual({
      lb_policy: 'RING_HASH',
      ring_hash_lb_config: { minimum_ring_size: { value: 8_388_608 } },
    });
    const maglev: Record<string, unknown> = {};
    applyLoadBalancer(maglev, { consistentHash: { useSourceIp: true, maglev: { tableSize: 65537 } } });
    expect(maglev['lb_policy']).toBe('RING_HASH');
  });

  it('maps outlier detection as Istio, with success-rate ejection off', () => {
    expect(
      buildOutlierDetection({ consecutiveErrors: 7, maxEjectionPercent: 150, baseEjectionTime: '1m' }),
    ).toEqual({
      enforcing_success_rate: { value: 0 },
      consecutive_gateway_failure: { value: 7 },
      enforcing_consecutive_gateway_failure: { value: 100 },
      enforcing_consecutive_5xx: { value: 0 },
      base_ejection_time: { seconds: 60, nanos: 0 },
      max_ejection_percent: { value: 100 },
    });
    expect(buildOutlierDetection(undefined)).toBeUndefined();
  });

  it('maps connection pool limits to DEFAULT thresholds', () => {
    expect(buildCircuitBreakers({ http: { http2MaxRequests: 5, http1MaxPendingRequests: 2 } })).toEqual({
      thresholds: [{ priority: 'DEFAULT', max_pending_requests: { value: 2 }, max_requests: { value: 5 } }],
    });
    expect(buildCircuitBreakers({ http: { idleTimeout: '1s' } })).toBeUndefined();
  });

  it('builds the default and subset clusters filtered by name', () => {
    const rule = { subsets: [{ name: 'v1', labels: { v: '1' } }, { labels: { v: 'x' } }, { name: 'v2' }] };
    expect(buildServiceClusters('h', 80, rule).map((c) => c.name)).toEqual([
      'outbound|80||h',
      'outbound|80|v1|h',
      'outbound|80|v2|h',
    ]);
    expect(buildServiceClusters('h', 80, rule, (n) => n.includes('v2')).map((c) => c.name)).toEqual([
      'outbound|80|v2|h',
    ]);
    const [c] = buildServiceClusters('h', 80, undefined);
    expect(c!.message).toEqual({
      name: 'outbound|80||h',
      type: 'EDS',
      eds_cluster_config: {
        eds_config: { ads: {}, resource_api_version: 'V3' },
        service_name: 'outbound|80||h',
      },
    });
  });
});
