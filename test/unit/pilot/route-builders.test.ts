import { describe, expect, it } from 'vitest';
import { buildFault, grpcStatusCode } from '../../../src/pilot/networking/route/build-fault.js';
import { buildRetryPolicy, grpcRetryOn } from '../../../src/pilot/networking/route/build-retry.js';
import { buildHashPolicy, buildRouteAction } from '../../../src/pilot/networking/route/build-route-action.js';
import {
  buildRouteMatch,
  isCatchAllMatch,
  isGrpcMatchable,
} from '../../../src/pilot/networking/route/build-route-match.js';
import { buildDomains, buildVirtualHost } from '../../../src/pilot/networking/route/build-virtual-host.js';
import { FAULT_TYPE } from '../../../src/xds/type-urls.js';

const resolve = (d: { host?: string; subset?: string }) => ({ cluster: `c|${d.host}|${d.subset ?? ''}` });

describe('buildRouteMatch', () => {
  it('defaults to the catch-all prefix', () => {
    expect(buildRouteMatch(undefined)).toEqual({ prefix: '/' });
    expect(isCatchAllMatch(buildRouteMatch({}))).toBe(true);
    expect(isCatchAllMatch(buildRouteMatch({ headers: { a: {} } }))).toBe(false);
  });

  it('maps uri exact/prefix/regex and ignoreUriCase', () => {
    expect(buildRouteMatch({ uri: { exact: '/a.B/C' } })).toEqual({ path: '/a.B/C' });
    expect(buildRouteMatch({ uri: { prefix: '/a' }, ignoreUriCase: true })).toEqual({
      prefix: '/a',
      case_sensitive: { value: false },
    });
    expect(buildRouteMatch({ uri: { regex: '/a.*' } })).toEqual({ safe_regex: { regex: '/a.*' } });
  });

  it('maps headers sorted by name, present for empty or "*" regex, inverted withoutHeaders', () => {
    const m = buildRouteMatch({
      headers: { zeta: { exact: 'z' }, alpha: { prefix: 'a' }, beta: {}, gamma: { regex: '*' } },
      withoutHeaders: { delta: { regex: 'd+' } },
      method: { exact: 'POST' },
    });
    expect(m['headers']).toEqual([
      { name: 'alpha', string_match: { prefix: 'a' } },
      { name: 'beta', present_match: true },
      {
        name: 'delta',
        string_match: { safe_regex: { regex: 'd+' } },
        treat_missing_header_as_empty: true,
        invert_match: true,
      },
      { name: 'gamma', present_match: true },
      { name: 'zeta', string_match: { exact: 'z' } },
      { name: ':method', string_match: { exact: 'POST' } },
    ]);
  });

  it('flags query parameter matches as unmatchable for gRPC', () => {
    expect(isGrpcMatchable({ queryParams: { a: { exact: '1' } } })).toBe(false);
    expect(isGrpcMatchable({ uri: { prefix: '/' } })).toBe(true);
  });
});

describe('buildFault', () => {
  it('maps gRPC status names and numbers', () => {
    expect(grpcStatusCode('UNAVAILABLE')).toBe(14);
    expect(grpcStatusCode('unavailable')).toBe(14);
    expect(grpcStatusCode('4')).toBe(4);
    expect(grpcStatusCode('17')).toBeUndefined();
    expect(grpcStatusCode('NOPE')).toBeUndefined();
  });

  it('always sets a percentage (0% when absent, as Istio) and drops unsupported parts', () => {
    expect(buildFault({ abort: { grpcStatus: 'UNAVAILABLE' } })).toEqual({
      '@type': FAULT_TYPE,
      abort: { grpc_status: 14, percentage: { numerator: 0, denominator: 'MILLION' } },
    });
    expect(buildFault({ abort: { httpStatus: 503, percentage: { value: 0.5 } } })).toEqual({
      '@type': FAULT_TYPE,
      abort: { http_status: 503, percentage: { numerator: 5000, denominator: 'MILLION' } },
    });
    expect(buildFault({ abort: { http2Error: 'x' } })).toBeUndefined();
    expect(buildFault({ delay: { exponentialDelay: '1s' } })).toBeUndefined();
    expect(buildFault({ delay: { fixedDelay: '250ms', percentage: { value: 100 } } })).toEqual({
      '@type': FAULT_TYPE,
      delay: {
        fixed_delay: { seconds: 0, nanos: 250_000_000 },
        percentage: { numerator: 1_000_000, denominator: 'MILLION' },
      },
    });
  });
});

describe('buildRetryPolicy', () => {
  it('uses Istio defaults and keeps only gRPC conditions', () => {
    expect(buildRetryPolicy(undefined)).toEqual({
      retry_on: 'unavailable,cancelled',
      num_retries: { value: 2 },
    });
    expect(grpcRetryOn('5xx, internal ,503,internal,gateway-error')).toEqual(['internal']);
  });

  it('disables with attempts 0 or unset, and when no gRPC condition remains', () => {
    expect(buildRetryPolicy({ attempts: 0 })).toBeUndefined();
    expect(buildRetryPolicy({ perTryTimeout: '1s' })).toBeUndefined();
    expect(buildRetryPolicy({ attempts: 3, retryOn: '5xx,connect-failure' })).toBeUndefined();
  });

  it('maps attempts, perTryTimeout and backoff', () => {
    expect(
      buildRetryPolicy({ attempts: 5, retryOn: 'cancelled', perTryTimeout: '2s', backoff: '10ms' }),
    ).toEqual({
      retry_on: 'cancelled',
      num_retries: { value: 5 },
      per_try_timeout: { seconds: 2, nanos: 0 },
      retry_back_off: { base_interval: { seconds: 0, nanos: 10_000_000 } },
    });
  });
});

describe('buildRouteAction', () => {
  it('uses cluster for one destination and weighted_clusters otherwise, dropping weight 0', () => {
    expect(
      buildRouteAction({ route: [{ destination: { host: 'a' } }], retries: { attempts: 0 } }, resolve),
    ).toEqual({
      cluster: 'c|a|',
    });
    const action = buildRouteAction(
      {
        route: [
          { destination: { host: 'a', subset: 'v1' }, weight: 3 },
          { destination: { host: 'a', subset: 'v2' }, weight: 0 },
          { destination: { host: 'a', subset: 'v3' }, weight: 1 },
        ],
        retries: { attempts: 0 },
      },
      resolve,
    );
    expect(action).toEqual({
      weighted_clusters: {
        clusters: [
          { name: 'c|a|v1', weight: { value: 3 } },
          { name: 'c|a|v3', weight: { value: 1 } },
        ],
      },
    });
  });

  it('never sends a zero total weight', () => {
    const action = buildRouteAction(
      { route: [{ destination: { host: 'a' } }, { destination: { host: 'b' } }], retries: { attempts: 0 } },
      resolve,
    );
    expect(action?.['weighted_clusters']).toEqual({
      clusters: [
        { name: 'c|a|', weight: { value: 1 } },
        { name: 'c|b|', weight: { value: 1 } },
      ],
    });
  });

  it('returns undefined for non-forwarding routes', () => {
    expect(buildRouteAction({ redirect: { uri: '/x' } }, resolve)).toBeUndefined();
    expect(buildRouteAction({ directResponse: { status: 503 } }, resolve)).toBeUndefined();
    expect(
      buildRouteAction({ delegate: { name: 'd' }, route: [{ destination: { host: 'a' } }] }, resolve),
    ).toBeUndefined();
    expect(buildRouteAction({ route: [] }, resolve)).toBeUndefined();
  });

  it('sets timeouts and gRPC-supported hash policies, deduplicated', () => {
    const hashed = () => ({ cluster: 'c', consistentHash: { httpHeaderName: 'x-user' } });
    const action = buildRouteAction(
      {
        route: [
          { destination: { host: 'a' }, weight: 1 },
          { destination: { host: 'b' }, weight: 1 },
        ],
        timeout: '2s',
      },
      hashed,
    );
    expect(action?.['max_stream_duration']).toEqual({
      max_stream_duration: { seconds: 2, nanos: 0 },
      grpc_timeout_header_max: { seconds: 2, nanos: 0 },
    });
    expect(action?.['hash_policy']).toEqual([{ header: { header_name: 'x-user' } }]);
    expect(buildHashPolicy({ useSourceIp: true })).toEqual({ filter_state: { key: 'io.grpc.channel_id' } });
    expect(buildHashPolicy({ httpCookie: { name: 'c' } })).toBeUndefined();
  });
});

describe('virtual host', () => {
  it('lists Kubernetes short forms only for the client namespace', () => {
    expect(buildDomains('a.ns.svc.cluster.local', 80, 'ns', 'cluster.local')).toEqual([
      'a.ns.svc.cluster.local',
      'a.ns.svc.cluster.local:80',
      'a.ns.svc',
      'a.ns.svc:80',
      'a.ns',
      'a.ns:80',
      'a',
      'a:80',
    ]);
    expect(buildDomains('a.ns.svc.cluster.local', 80, 'other', 'cluster.local')).not.toContain('a');
    expect(buildDomains('api.example.com', 443, 'ns', 'cluster.local')).toEqual([
      'api.example.com',
      'api.example.com:443',
    ]);
  });

  it('falls back to the default route when the VirtualService yields no route', () => {
    const vh = buildVirtualHost({
      hostname: 'a',
      port: 80,
      domains: ['a'],
      defaultCluster: 'outbound|80||a',
      virtualService: { http: [{ match: [{ port: 81 }], route: [{ destination: { host: 'a' } }] }] },
      source: { namespace: 'default', labels: {} },
      resolve,
    });
    expect((vh['routes'] as unknown[]).length).toBe(1);
    expect((vh['routes'] as Record<string, any>[])[0]!['route']['cluster']).toBe('outbound|80||a');
  });

  it('stops after a catch-all and honours match gateways', () => {
    const vh = buildVirtualHost({
      hostname: 'a',
      port: 80,
      domains: ['a'],
      defaultCluster: 'd',
      virtualService: {
        http: [
          { match: [{ gateways: ['my-gw'] }], route: [{ destination: { host: 'gw' } }] },
          {
            match: [{ gateways: ['mesh'], uri: { prefix: '/' } }],
            route: [{ destination: { host: 'mesh' } }],
          },
          { route: [{ destination: { host: 'never' } }] },
        ],
      },
      source: { namespace: 'default', labels: {} },
      resolve,
    });
    const clusters = (vh['routes'] as Record<string, any>[]).map((r) => r['route']['cluster']);
    expect(clusters).toEqual(['c|mesh|']);
  });
});
