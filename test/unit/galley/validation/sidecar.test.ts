import { describe } from 'vitest';
import { table } from './cases.js';

const egress = (hosts: string[], extra: Record<string, unknown> = {}) => ({ egress: [{ hosts, ...extra }] });

describe('Sidecar validation', () => {
  table('Sidecar', [
    ['egress hosts', egress(['./*', 'istio-system/*', '*/*.example.com', '~/skip.example.com']), 'ok'],
    ['empty config', {}, ['spec', 'sidecar: empty configuration provided']],
    ['egress: [] only', { egress: [] }, ['spec', 'sidecar: empty configuration provided']],
    ['outbound policy alone is config', { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }, 'ok'],
    [
      'egress host without namespace',
      egress(['reviews.default.svc.cluster.local']),
      ['spec.egress[0].hosts[0]', 'host must be of form namespace/dnsName'],
    ],
    [
      'egress host bad namespace',
      egress(['Bad_NS/*']),
      ['spec.egress[0].hosts[0]', 'invalid namespace value "Bad_NS" in sidecar'],
    ],
    [
      'egress short name',
      egress(['ns/reviews']),
      ['spec.egress[0].hosts[0]', 'short names (non FQDN) are not allowed'],
    ],
    [
      'egress needs hosts',
      { egress: [{ port: { number: 80, protocol: 'HTTP', name: 'http' } }] },
      ['spec.egress[0].hosts', 'egress listener must contain at least one host'],
    ],
    [
      'duplicate egress host warns',
      egress(['ns/*', 'ns/a.example.com']),
      ['warn', 'spec.egress[0].hosts[1]', 'duplicated egress host: ns/a.example.com'],
    ],
    [
      'catch-all listener not last',
      {
        egress: [
          { hosts: ['*/*'] },
          { port: { number: 80, protocol: 'HTTP', name: 'http' }, hosts: ['*/*'] },
        ],
      },
      ['spec.egress[0]', 'the egress listener with empty port should be the last listener'],
    ],
    [
      'duplicate egress ports',
      {
        egress: [
          { port: { number: 80, protocol: 'HTTP', name: 'a' }, hosts: ['*/*'] },
          { port: { number: 80, protocol: 'HTTP', name: 'b' }, hosts: ['*/*'] },
        ],
      },
      ['spec.egress[1].port', 'ports on IP bound listeners must be unique'],
    ],
    [
      'egress port 0 needs unix bind',
      { egress: [{ port: { number: 0, protocol: 'HTTP', name: 'a' }, hosts: ['*/*'] }] },
      ['spec.egress[0].bind', 'ports with 0 value must have a unix domain socket bind address'],
    ],
    [
      'egress unix bind',
      {
        egress: [
          {
            port: { number: 0, protocol: 'HTTP', name: 'a' },
            bind: 'unix:///var/run/a.sock',
            hosts: ['*/*'],
          },
        ],
      },
      'ok',
    ],
    [
      'egress bad protocol',
      { egress: [{ port: { number: 80, protocol: 'FTP', name: 'a' }, hosts: ['*/*'] }] },
      ['spec.egress[0].port.protocol', 'unsupported protocol: FTP'],
    ],
    [
      'ingress ok',
      {
        ingress: [
          { port: { number: 9080, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '127.0.0.1:8080' },
        ],
      },
      'ok',
    ],
    [
      'ingress needs a port',
      { ingress: [{ defaultEndpoint: '127.0.0.1:8080' }] },
      ['spec.ingress[0].port', 'port is required for ingress listeners'],
    ],
    [
      'ingress bad default endpoint host',
      {
        ingress: [
          { port: { number: 9080, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '10.0.0.1:8080' },
        ],
      },
      ['spec.ingress[0].defaultEndpoint', 'defaultEndpoint must be of form'],
    ],
    [
      'ingress default endpoint port',
      {
        ingress: [
          { port: { number: 9080, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '127.0.0.1:http' },
        ],
      },
      ['spec.ingress[0].defaultEndpoint', 'is not a number'],
    ],
    [
      'ingress duplicate ports',
      {
        ingress: [
          { port: { number: 1, protocol: 'HTTP', name: 'a' } },
          { port: { number: 1, protocol: 'HTTP', name: 'b' } },
        ],
      },
      ['spec.ingress[1].port', 'ports on IP bound listeners must be unique'],
    ],
    [
      'ingress TLS on HTTP port',
      {
        ingress: [
          {
            port: { number: 1, protocol: 'HTTP', name: 'a' },
            tls: { mode: 'SIMPLE', serverCertificate: '/c', privateKey: '/k' },
          },
        ],
      },
      ['spec.ingress[0].tls', 'server cannot have TLS settings for non HTTPS/TLS ports'],
    ],
    [
      'ingress TLS ISTIO_MUTUAL',
      { ingress: [{ port: { number: 1, protocol: 'HTTPS', name: 'a' }, tls: { mode: 'ISTIO_MUTUAL' } }] },
      ['spec.ingress[0].tls.mode', 'cannot set mode to ISTIO_MUTUAL in sidecar ingress tls'],
    ],
    [
      'ingress TLS credentialName',
      {
        ingress: [
          { port: { number: 1, protocol: 'HTTPS', name: 'a' }, tls: { mode: 'SIMPLE', credentialName: 'x' } },
        ],
      },
      ['spec.ingress[0].tls.credentialName', 'credentialName is not currently supported'],
    ],
    [
      'ingress HTTP pool on TCP port warns',
      {
        ingress: [
          { port: { number: 1, protocol: 'TCP', name: 'a' }, connectionPool: { http: { maxRetries: 1 } } },
        ],
      },
      ['warn', 'spec.ingress[0].connectionPool.http', 'only TCP settings will apply'],
    ],
    [
      'egress proxy needs ALLOW_ANY',
      {
        outboundTrafficPolicy: {
          mode: 'REGISTRY_ONLY',
          egressProxy: { host: 'proxy.example.com', port: { number: 3128 } },
        },
      },
      ['spec.outboundTrafficPolicy.egressProxy', 'egress_proxy must be set only with ALLOW_ANY'],
    ],
    [
      'egress proxy needs a port',
      { outboundTrafficPolicy: { mode: 'ALLOW_ANY', egressProxy: { host: 'proxy.example.com' } } },
      ['spec.outboundTrafficPolicy.egressProxy.port', 'egress_proxy port must be non-nil'],
    ],
    [
      'egress proxy ok',
      {
        outboundTrafficPolicy: {
          mode: 'ALLOW_ANY',
          egressProxy: { host: 'proxy.example.com', port: { number: 3128 } },
        },
      },
      'ok',
    ],
    [
      'selector wildcard',
      { workloadSelector: { labels: { app: 'a*' } }, egress: [{ hosts: ['*/*'] }] },
      ['spec.workloadSelector.labels.app', 'wildcard is not supported in selector'],
    ],
    [
      'unknown capture mode',
      { egress: [{ hosts: ['*/*'], captureMode: 'EBPF' }] },
      ['spec.egress[0].captureMode', 'Invalid option'],
    ],
  ]);
});
