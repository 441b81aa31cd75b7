import { describe, expect, it } from 'vitest';
import { doc, errorsOf, table } from './cases.js';

const server = (extra: Record<string, unknown> = {}) => ({
  port: { number: 80, name: 'http', protocol: 'HTTP' },
  hosts: ['*'],
  ...extra,
});
const gw = (servers: unknown[]) => ({ selector: { istio: 'ingressgateway' }, servers });

describe('Gateway validation', () => {
  table('Gateway', [
    ['HTTP server', gw([server()]), 'ok'],
    [
      'no servers',
      { selector: { istio: 'ingressgateway' } },
      ['spec.servers', 'gateway must have at least one server'],
    ],
    [
      'HTTPS with SIMPLE TLS',
      gw([
        server({
          port: { number: 443, name: 'https', protocol: 'HTTPS' },
          tls: { mode: 'SIMPLE', serverCertificate: '/c', privateKey: '/k' },
        }),
      ]),
      'ok',
    ],
    [
      'HTTPS with credentialName',
      gw([
        server({
          port: { number: 443, name: 'https', protocol: 'HTTPS' },
          tls: { mode: 'SIMPLE', credentialName: 'cert' },
        }),
      ]),
      'ok',
    ],
    [
      'HTTPS without TLS',
      gw([server({ port: { number: 443, name: 'https', protocol: 'HTTPS' } })]),
      ['spec.servers[0].tls', 'server must have TLS settings for HTTPS/TLS protocols'],
    ],
    [
      'SIMPLE without certificate',
      gw([server({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, tls: { mode: 'SIMPLE' } })]),
      ['spec.servers[0].tls.serverCertificate', 'SIMPLE TLS requires a server certificate'],
    ],
    [
      'MUTUAL without CA',
      gw([
        server({
          port: { number: 443, name: 'https', protocol: 'HTTPS' },
          tls: { mode: 'MUTUAL', serverCertificate: '/c', privateKey: '/k' },
        }),
      ]),
      ['spec.servers[0].tls.caCertificates', 'MUTUAL TLS requires a client CA bundle'],
    ],
    [
      'ISTIO_MUTUAL with certificate',
      gw([
        server({
          port: { number: 443, name: 'tls', protocol: 'TLS' },
          tls: { mode: 'ISTIO_MUTUAL', serverCertificate: '/c' },
        }),
      ]),
      ['spec.servers[0].tls.serverCertificate', 'ISTIO_MUTUAL TLS cannot have associated server certificate'],
    ],
    [
      'two certificate sources',
      gw([
        server({
          port: { number: 443, name: 'https', protocol: 'HTTPS' },
          tls: { mode: 'SIMPLE', credentialName: 'a', serverCertificate: '/c', privateKey: '/k' },
        }),
      ]),
      ['spec.servers[0].tls', 'only one of credential_name'],
    ],
    [
      'httpsRedirect on plain HTTP (PASSTHROUGH zero value)',
      gw([server({ tls: { httpsRedirect: true } })]),
      'ok',
    ],
    [
      'TLS certificates on plain HTTP',
      gw([server({ tls: { mode: 'SIMPLE', serverCertificate: '/c', privateKey: '/k' } })]),
      ['spec.servers[0].tls', 'server cannot have TLS settings for plain text HTTP ports'],
    ],
    [
      'TLS on TCP port',
      gw([server({ port: { number: 31400, name: 'tcp', protocol: 'TCP' }, tls: { mode: 'PASSTHROUGH' } })]),
      ['spec.servers[0].tls', 'server cannot have TLS settings for non HTTPS/TLS ports'],
    ],
    [
      'no hosts',
      gw([server({ hosts: [] })]),
      ['spec.servers[0].hosts', 'server config must contain at least one host'],
    ],
    [
      'namespace/host',
      gw([server({ hosts: ['prod/*.example.com', './a.example.com', '*/b.example.com'] })]),
      'ok',
    ],
    [
      'bad namespace in host',
      gw([server({ hosts: ['Prod_1/a.example.com'] })]),
      ['spec.servers[0].hosts[0]', 'invalid namespace value "Prod_1" in gateway'],
    ],
    [
      'short host name',
      gw([server({ hosts: ['ns/reviews'] })]),
      ['spec.servers[0].hosts[0]', 'short names (non FQDN) are not allowed'],
    ],
    [
      'partial wildcard host',
      gw([server({ hosts: ['*foo.example.com'] })]),
      ['spec.servers[0].hosts[0]', 'partial wildcard'],
    ],
    ['IP as host', gw([server({ hosts: ['10.0.0.1'] })]), 'ok'],
    [
      'port name required',
      gw([server({ port: { number: 80, protocol: 'HTTP' } })]),
      ['spec.servers[0].port.name', 'port name must be set'],
    ],
    [
      'bad protocol',
      gw([server({ port: { number: 80, name: 'x', protocol: 'FTP' } })]),
      ['spec.servers[0].port.protocol', 'invalid protocol "FTP"'],
    ],
    [
      'port out of range',
      gw([server({ port: { number: 0, name: 'x', protocol: 'HTTP' } })]),
      ['spec.servers[0].port.number', 'port number 0'],
    ],
    [
      'targetPort has no effect',
      gw([server({ port: { number: 80, name: 'x', protocol: 'HTTP', targetPort: 8080 } })]),
      ['spec.servers[0].port.targetPort', 'targetPort has no impact on Gateways'],
    ],
    [
      'unix bind with port 0',
      gw([server({ port: { number: 0, name: 'x', protocol: 'HTTP' }, bind: 'unix:///var/run/gw.sock' })]),
      'ok',
    ],
    [
      'bad bind address',
      gw([server({ bind: 'not-an-ip' })]),
      ['spec.servers[0].bind', 'not-an-ip is not a valid IP'],
    ],
    [
      'duplicate port names',
      gw([server(), server({ port: { number: 81, name: 'http', protocol: 'HTTP' } })]),
      ['spec.servers[1]', 'port names in servers must be unique'],
    ],
    [
      'httpsRedirect on TCP warns',
      gw([
        server({
          port: { number: 31400, name: 'tls', protocol: 'TLS' },
          tls: { mode: 'PASSTHROUGH', httpsRedirect: true },
        }),
      ]),
      ['warn', 'spec.servers[0]', 'tls.httpsRedirect should only be used with http servers'],
    ],
    [
      'unknown TLS mode',
      gw([server({ tls: { mode: 'STRICT' } })]),
      ['spec.servers[0].tls.mode', 'Invalid option'],
    ],
  ]);

  it('requires a DNS-label gateway name (no dots)', () => {
    const errs = errorsOf(doc('Gateway', gw([server()]), { name: 'my.gateway' }));
    expect(errs.map((e) => `${e.path}: ${e.message}`)).toContain(
      'metadata.name: invalid gateway name: "my.gateway"',
    );
  });
});
