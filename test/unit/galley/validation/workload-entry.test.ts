import { describe } from 'vitest';
import { table } from './cases.js';

describe('WorkloadEntry validation', () => {
  table('WorkloadEntry', [
    [
      'IP address',
      { address: '1.2.3.4', ports: { http: 8080 }, labels: { app: 'a' }, weight: 2, locality: 'r/z/s' },
      'ok',
    ],
    ['FQDN address', { address: 'vm1.example.com' }, 'ok'],
    ['IPv6 address', { address: '2001:db8::5' }, 'ok'],
    ['empty address', { address: '' }, ['spec.address', 'address is required']],
    [
      'no address but network warns',
      { network: 'net1' },
      ['warn', 'spec.address', 'address is unset with network "net1"'],
    ],
    ['unix absolute path', { address: 'unix:///var/run/app.sock' }, 'ok'],
    ['unix abstract socket', { address: 'unix://@app' }, 'ok'],
    [
      'unix directory',
      { address: 'unix:///dir/' },
      ['spec.address', '/dir/ is not an absolute path to a file'],
    ],
    [
      'unix relative',
      { address: 'unix://relative' },
      ['spec.address', 'relative is not an absolute path to a file'],
    ],
    [
      'unix with ports',
      { address: 'unix://@foo', ports: { http: 80 } },
      ['spec.ports', 'must not include ports'],
    ],
    [
      'port out of range',
      { address: '1.1.1.1', ports: { http: 99999 } },
      ['spec.ports.http', 'port number 99999 must be in the range 1..65535'],
    ],
    [
      'bad port name',
      { address: '1.1.1.1', ports: { '@': 80 } },
      ['spec.ports["@"]', 'invalid port name: @'],
    ],
    ['bad address', { address: 'not an address' }, ['spec.address', 'is not a valid FQDN or an IP address']],
    ['bad label key', { address: '1.1.1.1', labels: { '.': 'x' } }, ['spec.labels["."]', 'invalid tag key']],
    ['unknown field', { address: '1.1.1.1', hostname: 'x' }, ['spec.hostname', 'unknown field "hostname"']],
  ]);
});

describe('WorkloadGroup validation (validated, not served)', () => {
  table('WorkloadGroup', [
    [
      'template',
      { template: { serviceAccount: 'sa', ports: { grpc: 3550 } }, metadata: { labels: { app: 'a' } } },
      'ok',
    ],
    [
      'http probe',
      {
        template: {},
        probe: {
          httpGet: {
            port: 8080,
            path: '/ready',
            scheme: 'HTTPS',
            httpHeaders: [{ name: 'x-a', value: 'b' }],
          },
        },
      },
      'ok',
    ],
    ['no template', { metadata: { labels: { app: 'a' } } }, ['spec.template', 'template is required']],
    [
      'bad metadata label',
      { template: {}, metadata: { labels: { '.': '~' } } },
      ['spec.metadata.labels["."]', 'invalid tag key'],
    ],
    [
      'tcp probe port',
      { template: {}, probe: { tcpSocket: { port: 65536 } } },
      ['spec.probe.tcpSocket.port', 'must be in the range 1..65535'],
    ],
    [
      'probe header name',
      { template: {}, probe: { httpGet: { port: 80, httpHeaders: [{ name: '**' }] } } },
      ['spec.probe.httpGet.httpHeaders[0].name', 'header name ** is not a valid header name'],
    ],
    [
      'probe bad scheme',
      { template: {}, probe: { httpGet: { port: 80, scheme: 'FTP' } } },
      ['spec.probe.httpGet.scheme', 'httpGet.scheme must be one of'],
    ],
    [
      'probe negative period',
      { template: {}, probe: { periodSeconds: -1, tcpSocket: { port: 80 } } },
      ['spec.probe.periodSeconds', 'periodSeconds must be non-negative'],
    ],
    [
      'exec probe needs a command',
      { template: {}, probe: { exec: {} } },
      ['spec.probe.exec.command', 'exec.command is required'],
    ],
    [
      'probe without method',
      { template: {}, probe: { periodSeconds: 1 } },
      ['spec.probe', 'unknown health check method'],
    ],
  ]);
});
