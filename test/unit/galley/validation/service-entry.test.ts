import { describe } from 'vitest';
import { table } from './cases.js';

const se = (extra: Record<string, unknown>) => ({ hosts: ['api.example.com'], ...extra });
const http = [{ number: 80, name: 'http', protocol: 'HTTP' }];

describe('ServiceEntry validation', () => {
  table('ServiceEntry', [
    ['DNS external', se({ ports: http, resolution: 'DNS', location: 'MESH_EXTERNAL' }), 'ok'],
    ['no hosts', { ports: http }, ['spec.hosts', 'service entry must have at least one host']],
    ['host *', { hosts: ['*'] }, ['spec.hosts[0]', 'invalid host *']],
    [
      'partial wildcard warns',
      { hosts: ['*x'] },
      ['warn', 'spec.hosts[0]', 'partial wildcard "*x" not allowed'],
    ],
    [
      'IPv6 and CIDR addresses',
      se({ addresses: ['1.2.3.4', '2001:db8::1', '10.0.0.0/8'], ports: http }),
      'ok',
    ],
    ['bad address', se({ addresses: ['1.2.3.256'] }), ['spec.addresses[0]', 'is not a valid IP']],
    ['bad CIDR', se({ addresses: ['1.2.3.4/99'] }), ['spec.addresses[0]', 'is not a valid CIDR block']],
    [
      'CIDR with DNS',
      se({ addresses: ['1.2.3.4/16'], resolution: 'DNS' }),
      ['spec.addresses', 'CIDR addresses are allowed only for NONE/STATIC resolution types'],
    ],
    [
      'duplicate port names',
      se({
        ports: [
          { name: 'a', number: 1 },
          { name: 'a', number: 2 },
        ],
      }),
      ['spec.ports[1].name', 'service entry port name "a" already defined'],
    ],
    [
      'duplicate port numbers',
      se({
        ports: [
          { name: 'a', number: 1 },
          { name: 'b', number: 1 },
        ],
      }),
      ['spec.ports[1].number', 'service entry port 1 already defined'],
    ],
    [
      'port out of range',
      se({ ports: [{ name: 'a', number: 99999 }] }),
      ['spec.ports[0].number', 'port number 99999 must be in the range 1..65535'],
    ],
    [
      'targetPort out of range',
      se({ ports: [{ name: 'a', number: 1, targetPort: 99999 }] }),
      ['spec.ports[0].targetPort', 'must be in the range 1..65535'],
    ],
    [
      'bad port name',
      se({ ports: [{ name: 'Http_1', number: 1 }] }),
      ['spec.ports[0].name', 'invalid port name: Http_1'],
    ],
    [
      'bad protocol',
      se({ ports: [{ name: 'a', number: 1, protocol: 'QUIC' }] }),
      ['spec.ports[0].protocol', 'unsupported protocol: QUIC'],
    ],
    [
      'protocol is case-insensitive',
      se({ ports: [{ name: 'a', number: 1, protocol: 'http2' }], resolution: 'DNS' }),
      'ok',
    ],
    [
      'negative port is a type error',
      se({ ports: [{ name: 'a', number: -1 }] }),
      ['spec.ports[0].number', 'Too small'],
    ],
    [
      'NONE with endpoints',
      se({ endpoints: [{ address: '1.2.3.4' }] }),
      ['spec.endpoints', 'no endpoints should be provided for resolution type none'],
    ],
    [
      'STATIC with endpoints',
      se({
        ports: http,
        resolution: 'STATIC',
        endpoints: [{ address: '127.0.0.2', ports: { http: 7072 }, labels: { version: 'v1' } }],
      }),
      'ok',
    ],
    [
      'STATIC endpoint must be an IP',
      se({ resolution: 'STATIC', endpoints: [{ address: 'a.example.com' }] }),
      ['spec.endpoints[0].address', 'is not a valid IP address'],
    ],
    [
      'STATIC endpoint port not declared',
      se({ ports: http, resolution: 'STATIC', endpoints: [{ address: '1.1.1.1', ports: { grpc: 90 } }] }),
      ['spec.endpoints[0].ports.grpc', 'endpoint port 90 is not defined by the service entry'],
    ],
    [
      'STATIC unix endpoint',
      se({ ports: http, resolution: 'STATIC', endpoints: [{ address: 'unix:///var/run/a.sock' }] }),
      'ok',
    ],
    [
      'DNS endpoint FQDN',
      se({
        ports: http,
        resolution: 'DNS',
        endpoints: [{ address: 't.istio-system.svc.cluster.local', ports: { http: 8080 } }],
      }),
      'ok',
    ],
    [
      'DNS endpoint bad address',
      se({ resolution: 'DNS', endpoints: [{ address: 'bad_host' }] }),
      ['spec.endpoints[0].address', 'is not a valid FQDN or an IP address'],
    ],
    [
      'DNS wildcard hosts without endpoints',
      { hosts: ['*.example.com'], resolution: 'DNS' },
      ['spec.hosts', 'hosts must be FQDN or contain only prefix wildcards'],
    ],
    [
      'DNS_ROUND_ROBIN with two endpoints',
      se({
        resolution: 'DNS_ROUND_ROBIN',
        endpoints: [{ address: 'a.example.com' }, { address: 'b.example.com' }],
      }),
      ['spec.endpoints', 'there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN'],
    ],
    [
      'DNS_ROUND_ROBIN with one endpoint',
      se({ resolution: 'DNS_ROUND_ROBIN', endpoints: [{ address: 'a.example.com' }] }),
      'ok',
    ],
    [
      'DYNAMIC_DNS needs wildcard hosts',
      se({ resolution: 'DYNAMIC_DNS', ports: http }),
      ['spec.hosts[0]', 'host must be wildcarded for resolution mode DYNAMIC_DNS'],
    ],
    ['DYNAMIC_DNS ok', { hosts: ['*.example.com'], resolution: 'DYNAMIC_DNS', ports: http }, 'ok'],
    [
      'DYNAMIC_DNS rejects TCP ports',
      {
        hosts: ['*.example.com'],
        resolution: 'DYNAMIC_DNS',
        ports: [{ name: 't', number: 5, protocol: 'TCP' }],
      },
      ['spec.ports[0]', 'only HTTP, TLS, GRPC, and HTTP2 protocols'],
    ],
    [
      'selector and endpoints',
      se({
        workloadSelector: { labels: { app: 'a' } },
        resolution: 'STATIC',
        endpoints: [{ address: '1.2.3.4' }],
      }),
      ['spec', 'only one of WorkloadSelector or Endpoints'],
    ],
    [
      'selector wildcard',
      se({ workloadSelector: { labels: { val: '*' } } }),
      ['spec.workloadSelector.labels.val', 'wildcard is not supported in selector'],
    ],
    [
      'empty selector warns',
      se({ workloadSelector: {} }),
      ['warn', 'spec.workloadSelector', 'workload selector specified without labels'],
    ],
    [
      'multiple hosts with TCP ports',
      { hosts: ['a.com', 'b.com'], resolution: 'DNS', ports: [{ name: 't', number: 5, protocol: 'TCP' }] },
      ['spec.ports[0]', 'multiple hosts provided with non-HTTP, non-TLS ports'],
    ],
    [
      'multiple hosts with TCP and NONE',
      { hosts: ['a.com', 'b.com'], ports: [{ name: 't', number: 5, protocol: 'TCP' }] },
      'ok',
    ],
    ['exportTo ~ allowed', se({ exportTo: ['~'] }), 'ok'],
    [
      'exportTo ~ with others',
      se({ exportTo: ['~', 'a'] }),
      ['spec.exportTo', 'cannot export service entry to no one (~) and someone'],
    ],
    ['unknown resolution', se({ resolution: 'MAGIC' }), ['spec.resolution', 'Invalid option']],
  ]);
});
