import { describe } from 'vitest';
import { table } from './cases.js';

const dr = (extra: Record<string, unknown>) => ({ host: 'reviews.ns.svc.cluster.local', ...extra });
const tp = (trafficPolicy: unknown) => dr({ trafficPolicy });

describe('DestinationRule validation', () => {
  table('DestinationRule', [
    ['host only', dr({}), 'ok'],
    ['missing host', { subsets: [{ name: 'v1' }] }, ['spec.host', 'empty domain name not allowed']],
    ['wildcard host', { host: '*.foo.com' }, 'ok'],
    ['bad host', { host: 'foo..com' }, ['spec.host', 'invalid']],
    [
      'subsets ok',
      dr({
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { version: 'v2' } },
        ],
      }),
      'ok',
    ],
    [
      'duplicate subset names',
      dr({ subsets: [{ name: 'v1' }, { name: 'v1' }] }),
      ['spec.subsets[1].name', 'duplicate subset names: v1'],
    ],
    [
      'subset needs a name',
      dr({ subsets: [{ labels: { a: 'b' } }] }),
      ['spec.subsets[0].name', 'subset name cannot be empty'],
    ],
    [
      'subset bad label value',
      dr({ subsets: [{ name: 'v1', labels: { a: 'b c' } }] }),
      ['spec.subsets[0].labels.a', 'invalid tag value'],
    ],
    ['empty traffic policy', tp({}), ['spec.trafficPolicy', 'traffic policy must have at least one field']],
    ['simple LB', tp({ loadBalancer: { simple: 'LEAST_REQUEST' } }), 'ok'],
    [
      'unknown LB enum',
      tp({ loadBalancer: { simple: 'FASTEST' } }),
      ['spec.trafficPolicy.loadBalancer.simple', 'Invalid option'],
    ],
    [
      'simple and consistentHash',
      tp({ loadBalancer: { simple: 'RANDOM', consistentHash: { useSourceIp: true } } }),
      ['spec.trafficPolicy.loadBalancer', 'only one of simple or consistentHash'],
    ],
    [
      'consistent hash header',
      tp({
        loadBalancer: { consistentHash: { httpHeaderName: 'x-user', ringHash: { minimumRingSize: 1024 } } },
      }),
      'ok',
    ],
    [
      'consistent hash uint64 as string',
      tp({ loadBalancer: { consistentHash: { useSourceIp: true, ringHash: { minimumRingSize: '1024' } } } }),
      'ok',
    ],
    [
      'cookie needs a name',
      tp({ loadBalancer: { consistentHash: { httpCookie: { ttl: '0s' } } } }),
      ['spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name', 'name required for HttpCookie'],
    ],
    [
      'two hash keys',
      tp({ loadBalancer: { consistentHash: { useSourceIp: true, httpQueryParameterName: 'q' } } }),
      ['spec.trafficPolicy.loadBalancer.consistentHash', 'only one of httpHeaderName'],
    ],
    [
      'deprecated minimumRingSize warns',
      tp({
        loadBalancer: { consistentHash: { httpCookie: { name: 'c', ttl: '30s' }, minimumRingSize: 42 } },
      }),
      ['warn', 'spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize', 'deprecated'],
    ],
    [
      'minimumRingSize with ringHash',
      tp({
        loadBalancer: {
          consistentHash: { useSourceIp: true, minimumRingSize: 42, ringHash: { minimumRingSize: 8 } },
        },
      }),
      ['spec.trafficPolicy.loadBalancer.consistentHash', 'only one of MinimumRingSize or Maglev/Ringhash'],
    ],
    [
      'maglev table size must be prime',
      tp({ loadBalancer: { consistentHash: { useSourceIp: true, maglev: { tableSize: 1000 } } } }),
      ['spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize', 'prime'],
    ],
    [
      'maglev prime ok',
      tp({ loadBalancer: { consistentHash: { useSourceIp: true, maglev: { tableSize: 65537 } } } }),
      'ok',
    ],
    [
      'locality distribute ok',
      tp({
        loadBalancer: {
          localityLbSetting: {
            enabled: true,
            distribute: [{ from: 'us-west/zone1/*', to: { 'us-west/zone1/*': 80, 'us-west/zone2/*': 20 } }],
          },
        },
        outlierDetection: { consecutive5xxErrors: 5 },
      }),
      'ok',
    ],
    [
      'locality weights must total 100',
      tp({ loadBalancer: { localityLbSetting: { distribute: [{ from: 'a/b/*', to: { 'a/b/*': 50 } }] } } }),
      [
        'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to',
        'total locality weight 50 != 100',
      ],
    ],
    [
      'locality distribute and failover',
      tp({
        loadBalancer: {
          localityLbSetting: {
            distribute: [{ from: 'a', to: { a: 100 } }],
            failover: [{ from: 'a', to: 'b' }],
          },
        },
      }),
      [
        'spec.trafficPolicy.loadBalancer.localityLbSetting',
        "can not simultaneously specify 'distribute' and 'failover'",
      ],
    ],
    [
      'locality failover same region',
      tp({
        loadBalancer: { localityLbSetting: { failover: [{ from: 'a', to: 'a' }] } },
        outlierDetection: { interval: '1s' },
      }),
      ['spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]', 'must specify different regions'],
    ],
    [
      'failover without outlier detection warns',
      tp({ loadBalancer: { localityLbSetting: { failover: [{ from: 'a', to: 'b' }] } } }),
      [
        'warn',
        'spec.trafficPolicy.loadBalancer.localityLbSetting',
        'outlier detection policy must be provided',
      ],
    ],
    [
      'warmup ok',
      tp({ loadBalancer: { warmup: { duration: '300s', minimumPercent: 5, aggression: 5 } } }),
      'ok',
    ],
    [
      'warmup needs duration',
      tp({ loadBalancer: { warmup: { minimumPercent: 5 } } }),
      ['spec.trafficPolicy.loadBalancer.warmup.duration', 'duration is required'],
    ],
    [
      'warmup minimumPercent > 100',
      tp({ loadBalancer: { warmup: { duration: '1s', minimumPercent: 150 } } }),
      ['spec.trafficPolicy.loadBalancer.warmup.minimumPercent', 'between 0 and 100'],
    ],
    [
      'warmup aggression 0',
      tp({ loadBalancer: { warmup: { duration: '1s', aggression: 0 } } }),
      ['spec.trafficPolicy.loadBalancer.warmup.aggression', 'greater than 0'],
    ],
    [
      'connection pool ok',
      tp({
        connectionPool: {
          tcp: { maxConnections: 99, connectTimeout: '6s', tcpKeepalive: { time: '7200s', interval: '75s' } },
          http: {
            http2MaxRequests: 33,
            maxRequestsPerConnection: 65,
            maxRetries: 4,
            http1MaxPendingRequests: 14,
            h2UpgradePolicy: 'UPGRADE',
          },
        },
      }),
      'ok',
    ],
    [
      'empty connection pool',
      tp({ connectionPool: {} }),
      ['spec.trafficPolicy.connectionPool', 'connection pool must have at least one field'],
    ],
    [
      'negative max connections',
      tp({ connectionPool: { tcp: { maxConnections: -1 } } }),
      ['spec.trafficPolicy.connectionPool.tcp.maxConnections', 'max connections must be non-negative'],
    ],
    [
      'connect timeout 0',
      tp({ connectionPool: { tcp: { connectTimeout: '0s' } } }),
      ['spec.trafficPolicy.connectionPool.tcp.connectTimeout', 'duration must be greater than 1ms'],
    ],
    ['tcp idle timeout 0s disables', tp({ connectionPool: { tcp: { idleTimeout: '0s' } } }), 'ok'],
    [
      'UPGRADE with useClientProtocol',
      tp({ connectionPool: { http: { h2UpgradePolicy: 'UPGRADE', useClientProtocol: true } } }),
      ['spec.trafficPolicy.connectionPool.http.useClientProtocol', 'must not be true'],
    ],
    [
      'http2 keepalive needs timeout',
      tp({ connectionPool: { http: { http2KeepAlive: { interval: '15s' } } } }),
      [
        'spec.trafficPolicy.connectionPool.http.http2KeepAlive.timeout',
        'http2 keepalive timeout is required',
      ],
    ],
    [
      'outlier detection ok',
      tp({
        outlierDetection: {
          interval: '8ms',
          baseEjectionTime: '1m',
          maxEjectionPercent: 11,
          consecutive5xxErrors: 7,
        },
      }),
      'ok',
    ],
    [
      'outlier ejection percent > 100',
      tp({ outlierDetection: { maxEjectionPercent: 101 } }),
      ['spec.trafficPolicy.outlierDetection.maxEjectionPercent', 'percentage 101 is not in range 0..100'],
    ],
    [
      'outlier local origin without split',
      tp({ outlierDetection: { consecutiveLocalOriginFailures: 3 } }),
      [
        'spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures',
        'split external local origin errors is set to false',
      ],
    ],
    [
      'outlier negative uint32',
      tp({ outlierDetection: { consecutive5xxErrors: -1 } }),
      ['spec.trafficPolicy.outlierDetection.consecutive5xxErrors', 'Too small'],
    ],
    [
      'deprecated consecutiveErrors warns',
      tp({ outlierDetection: { consecutiveErrors: 5 } }),
      ['warn', 'spec.trafficPolicy.outlierDetection.consecutiveErrors', 'deprecated'],
    ],
    ['TLS SIMPLE without CA is fine', tp({ tls: { mode: 'SIMPLE' } }), 'ok'],
    [
      'TLS MUTUAL needs client cert',
      tp({ tls: { mode: 'MUTUAL', privateKey: '/k' } }),
      ['spec.trafficPolicy.tls.clientCertificate', 'client certificate required for mutual tls'],
    ],
    [
      'TLS credentialName with files',
      tp({ tls: { mode: 'SIMPLE', credentialName: 'c', caCertificates: '/ca' } }),
      ['spec.trafficPolicy.tls', 'If credentialName is set'],
    ],
    [
      'TLS insecureSkipVerify with CA',
      tp({ tls: { mode: 'SIMPLE', insecureSkipVerify: true, caCertificates: '/ca' } }),
      ['spec.trafficPolicy.tls', 'InsecureSkipVerify'],
    ],
    [
      'TLS configmap in other namespace',
      tp({ tls: { mode: 'SIMPLE', credentialName: 'configmap://other/name' } }),
      ['spec.trafficPolicy.tls.credentialName', 'namespace must match the configuration namespace "ns"'],
    ],
    ['unknown TLS mode', tp({ tls: { mode: 'STRICT' } }), ['spec.trafficPolicy.tls.mode', 'Invalid option']],
    [
      'port level settings need a port',
      tp({ portLevelSettings: [{ loadBalancer: { simple: 'RANDOM' } }] }),
      ['spec.trafficPolicy.portLevelSettings[0].port', 'portTrafficPolicy must have valid port'],
    ],
    [
      'port level settings need a policy',
      tp({ portLevelSettings: [{ port: { number: 80 } }] }),
      ['spec.trafficPolicy.portLevelSettings[0]', 'port traffic policy must have at least one field'],
    ],
    [
      'tunnel ok',
      tp({ tunnel: { protocol: 'CONNECT', targetHost: 'proxy.example.com', targetPort: 3128 } }),
      'ok',
    ],
    [
      'tunnel bad protocol and port',
      tp({ tunnel: { protocol: 'GET', targetHost: '10.0.0.1', targetPort: 0 } }),
      ['spec.trafficPolicy.tunnel.targetPort', 'tunnel target port is invalid'],
    ],
    [
      'tunnel with proxyProtocol',
      tp({ tunnel: { targetHost: 'a.com', targetPort: 1 }, proxyProtocol: { version: 'V2' } }),
      ['spec.trafficPolicy', 'tunnel and proxyProtocol must not be set together'],
    ],
    [
      'workload selector wildcard',
      dr({ workloadSelector: { matchLabels: { app: '*' } } }),
      ['spec.workloadSelector.matchLabels.app', 'wildcard is not supported in selector'],
    ],
    [
      'workload selector exported elsewhere',
      dr({ workloadSelector: { matchLabels: { app: 'a' } }, exportTo: ['other'] }),
      ['spec.exportTo', 'cannot have exportTo beyond current namespace'],
    ],
    [
      'workload selector exported locally',
      dr({ workloadSelector: { matchLabels: { app: 'a' } }, exportTo: ['.'] }),
      'ok',
    ],
    [
      'unknown field',
      dr({ trafficPolicy: { loadBalancer: { simple: 'RANDOM' } }, tlsMode: 'x' }),
      ['spec.tlsMode', 'unknown field "tlsMode"'],
    ],
  ]);
});

describe('DestinationRule durations', () => {
  table('DestinationRule', [
    ['1.1s is whole milliseconds', tp({ connectionPool: { tcp: { connectTimeout: '1.1s' } } }), 'ok'],
    ['1m30s', tp({ outlierDetection: { baseEjectionTime: '1m30s' } }), 'ok'],
  ]);
});
