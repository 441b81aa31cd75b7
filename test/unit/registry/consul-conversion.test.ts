import { describe, expect, it } from 'vitest';
import {
  consulLabels,
  consulServiceNames,
  convertConsulService,
  DEFAULT_CONSUL_SETTINGS,
  instanceHealth,
  type ConsulHealthEntry,
} from '../../../src/registry/consul/conversion.js';
import { parseConsulAddress } from '../../../src/registry/consul/settings.js';

function entry(
  id: string,
  opts: {
    address?: string;
    nodeAddress?: string;
    port?: number;
    tags?: string[];
    meta?: Record<string, string>;
    checks?: string[];
    dc?: string;
    zone?: string;
    weights?: { Passing: number; Warning: number };
  } = {},
): ConsulHealthEntry {
  return {
    Node: {
      Node: `node-${id}`,
      Address: opts.nodeAddress ?? '127.0.0.99',
      Datacenter: opts.dc ?? 'dc1',
      Meta: opts.zone ? { zone: opts.zone } : {},
    },
    Service: {
      ID: id,
      Service: 'web',
      Tags: opts.tags ?? [],
      Address: opts.address ?? '',
      Port: opts.port ?? 8080,
      Meta: opts.meta ?? {},
      ...(opts.weights ? { Weights: opts.weights } : {}),
    },
    Checks: (opts.checks ?? ['passing']).map((Status) => ({ Status })),
  };
}

describe('convertConsulService', () => {
  it('maps the name to NAME.service.consul, datacenter to region, tags and meta to labels', () => {
    const out = convertConsulService('Web', [
      entry('b', {
        address: '127.0.0.2',
        port: 9002,
        tags: ['version=v2', 'canary'],
        meta: { protocol: 'grpc', team: 'x' },
        dc: 'dc2',
        zone: 'z1',
      }),
      entry('a', { address: '127.0.0.1', port: 9001, tags: ['version|v1'], meta: { protocol: 'grpc' } }),
    ])!;
    expect(out.service).toMatchObject({
      hostname: 'web.service.consul',
      namespace: 'default',
      registry: 'consul',
      ports: [{ name: 'grpc', port: 80, protocol: 'GRPC' }],
      resolution: 'STATIC',
      exportTo: ['*'],
    });
    expect(out.endpoints.map((e) => [e.address, e.port, e.servicePortName, e.labels, e.locality])).toEqual([
      [
        '127.0.0.1',
        9001,
        'grpc',
        { protocol: 'grpc', version: 'v1' },
        { region: 'dc1', zone: '', subzone: '' },
      ],
      [
        '127.0.0.2',
        9002,
        'grpc',
        { canary: 'true', protocol: 'grpc', team: 'x', version: 'v2' },
        { region: 'dc2', zone: 'z1', subzone: '' },
      ],
    ]);
  });

  it('falls back to the node address and to a tcp port without protocol meta', () => {
    const out = convertConsulService('db', [entry('a', { nodeAddress: '127.0.0.5', port: 5432 })])!;
    expect(out.service.ports).toEqual([{ name: 'tcp', port: 80, protocol: 'TCP' }]);
    expect(out.endpoints[0]).toMatchObject({ address: '127.0.0.5', port: 5432 });
  });

  it('serves passing instances only, warning when configured, never critical or maintenance', () => {
    const entries = [
      entry('p', { address: '127.0.0.1', checks: ['passing', 'passing'] }),
      entry('w', {
        address: '127.0.0.2',
        checks: ['passing', 'warning'],
        weights: { Passing: 10, Warning: 3 },
      }),
      entry('c', { address: '127.0.0.3', checks: ['warning', 'critical'] }),
      entry('m', { address: '127.0.0.4', checks: ['maintenance'] }),
    ];
    const strict = convertConsulService('web', entries)!;
    expect(strict.endpoints.map((e) => [e.address, e.healthy])).toEqual([
      ['127.0.0.1', true],
      ['127.0.0.2', false],
      ['127.0.0.3', false],
      ['127.0.0.4', false],
    ]);
    const lenient = convertConsulService('web', entries, { ...DEFAULT_CONSUL_SETTINGS, serveWarning: true })!;
    expect(lenient.endpoints.map((e) => [e.address, e.healthy, e.weight])).toEqual([
      ['127.0.0.1', true, 1],
      ['127.0.0.2', true, 3],
      ['127.0.0.3', false, 1],
      ['127.0.0.4', false, 1],
    ]);
    expect(instanceHealth(entries[2]!)).toBe('critical');
  });

  it('reads named ports from port-NAME meta; the service port is the smallest instance port', () => {
    const out = convertConsulService('api', [
      entry('a', { address: '127.0.0.1', meta: { 'port-grpc': '9090', 'port-http': '8080' } }),
      entry('b', {
        address: '127.0.0.2',
        meta: { 'port-grpc': '9091', 'port-http': '8080', 'port-bad': 'x' },
      }),
    ])!;
    expect(out.service.ports).toEqual([
      { name: 'http', port: 8080, protocol: 'HTTP' },
      { name: 'grpc', port: 9090, protocol: 'GRPC' },
    ]);
    expect(out.endpoints.map((e) => `${e.address}:${e.port}/${e.servicePortName}`)).toEqual([
      '127.0.0.1:8080/http',
      '127.0.0.1:9090/grpc',
      '127.0.0.2:8080/http',
      '127.0.0.2:9091/grpc',
    ]);
    expect(out.endpoints[0]!.labels).toEqual({});
  });

  it('applies the host template, namespace and service port of the settings', () => {
    const out = convertConsulService('web', [entry('a', { address: '127.0.0.1' })], {
      ...DEFAULT_CONSUL_SETTINGS,
      hostTemplate: '{name}.mesh.internal',
      namespace: 'consul',
      defaultServicePort: 7000,
    })!;
    expect(out.service).toMatchObject({
      hostname: 'web.mesh.internal',
      namespace: 'consul',
      ports: [{ port: 7000 }],
    });
  });

  it('gives no service when no instance has an address and a port, and never throws on junk', () => {
    expect(convertConsulService('x', [])).toBeUndefined();
    expect(convertConsulService('x', [{ Service: null, Node: null, Checks: null }])).toBeUndefined();
    expect(convertConsulService('x', [entry('a', { address: '127.0.0.1', port: 0 })])).toBeUndefined();
  });

  it('reads the catalog, leaving Consul itself out', () => {
    expect(consulServiceNames({ web: ['v1'], consul: [], api: [] })).toEqual(['api', 'web']);
    expect(consulServiceNames({})).toEqual([]);
    expect(consulServiceNames([])).toBeUndefined();
    expect(consulServiceNames(null)).toBeUndefined();
  });

  it('labels: meta wins over a tag with the same key', () => {
    expect(consulLabels(['version=v1', 'b'], { version: 'v9' })).toEqual({ b: 'true', version: 'v9' });
  });
});

describe('parseConsulAddress', () => {
  it('takes the settings from the query', () => {
    const r = parseConsulAddress(
      'http://127.0.0.1:8500/?dc=dc2&token=s3cret&warning=serve&host={name}.consul&namespace=ns&service-port=7000&wait=5s',
    );
    expect(r).toEqual({
      ok: true,
      value: {
        baseUrl: 'http://127.0.0.1:8500',
        datacenter: 'dc2',
        token: 's3cret',
        waitSeconds: 5,
        settings: {
          hostTemplate: '{name}.consul',
          namespace: 'ns',
          serveWarning: true,
          defaultServicePort: 7000,
        },
      },
    });
  });

  it('has defaults and rejects bad values', () => {
    const r = parseConsulAddress('http://127.0.0.1:8500');
    expect(r.ok && r.value).toMatchObject({ waitSeconds: 30, settings: DEFAULT_CONSUL_SETTINGS });
    expect(parseConsulAddress('http://h:1?nope=1')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unknown parameter nope/),
    });
    expect(parseConsulAddress('http://h:1?host=x')).toMatchObject({ ok: false });
    expect(parseConsulAddress('http://h:1?wait=601')).toMatchObject({ ok: false });
    expect(parseConsulAddress('ftp://h:1')).toMatchObject({ ok: false });
    expect(parseConsulAddress('not a url')).toMatchObject({ ok: false });
  });
});
