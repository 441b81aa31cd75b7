import { describe, expect, it } from 'vitest';
import { convertServiceEntry } from '../../../src/registry/serviceentry/conversion.js';
import { serviceEntry, workloadEntry } from './se-fixtures.js';

const SUFFIX = 'cluster.local';

describe('convertServiceEntry', () => {
  it('converts a STATIC MESH_INTERNAL entry: one service per host, ports, endpoints', () => {
    const out = convertServiceEntry(
      serviceEntry(
        'hello',
        {
          hosts: ['b.example.com', 'a.example.com'],
          addresses: ['10.0.0.2', '10.0.0.1'],
          ports: [
            { number: 9080, name: 'http-web' },
            { number: 50051, name: 'grpc', protocol: 'GRPC', targetPort: 8080 },
          ],
          location: 'MESH_INTERNAL',
          resolution: 'STATIC',
          exportTo: ['.', '*'],
          endpoints: [
            {
              address: '10.1.0.2',
              ports: { grpc: 9000 },
              labels: { version: 'v2' },
              locality: 'us-east/zone-a/sub',
              weight: 3,
              network: 'net1',
            },
            { address: '10.1.0.1', labels: { version: 'v1' } },
          ],
        },
        { namespace: 'apps', labels: { team: 'x' }, created: '2024-01-01T00:00:00Z' },
      ),
      [],
      SUFFIX,
    );
    expect(out.map((c) => c.service.hostname)).toEqual(['a.example.com', 'b.example.com']);
    const { service, endpoints } = out[0]!;
    expect(service).toEqual({
      hostname: 'a.example.com',
      namespace: 'apps',
      registry: 'serviceentry',
      ports: [
        { name: 'http-web', port: 9080, protocol: 'HTTP' },
        { name: 'grpc', port: 50051, protocol: 'GRPC', targetPort: 8080 },
      ],
      addresses: ['10.0.0.1', '10.0.0.2'],
      resolution: 'STATIC',
      meshExternal: false,
      exportTo: ['*', 'apps'],
      labels: { team: 'x' },
      sourceKey: 'ServiceEntry/apps/hello',
      creationTimestamp: '2024-01-01T00:00:00Z',
    });
    expect(endpoints.map((e) => `${e.address}:${e.port}/${e.servicePortName}`)).toEqual([
      '10.1.0.1:8080/grpc', // targetPort fallback
      '10.1.0.1:9080/http-web', // number fallback
      '10.1.0.2:9000/grpc', // per-port override
      '10.1.0.2:9080/http-web',
    ]);
    const e2 = endpoints[2]!;
    expect(e2.labels).toEqual({ version: 'v2' });
    expect(e2.locality).toEqual({ region: 'us-east', zone: 'zone-a', subzone: 'sub' });
    expect(e2.weight).toBe(3);
    expect(e2.network).toBe('net1');
    expect(e2.healthy).toBe(true);
    expect(endpoints[0]!.weight).toBe(1);
    expect(endpoints[0]!.locality).toEqual({ region: '', zone: '', subzone: '' });
    expect(endpoints[0]!.network).toBeUndefined();
    // both hosts share the endpoints
    expect(out[1]!.endpoints).toEqual(endpoints);
  });

  it('defaults: location MESH_EXTERNAL, resolution NONE, exportTo *, protocol from the port name', () => {
    const [c] = convertServiceEntry(
      serviceEntry('ext', { hosts: ['api.example.com'], ports: [{ number: 443, name: 'tls' }] }),
      [],
      SUFFIX,
    );
    expect(c!.service.meshExternal).toBe(true);
    expect(c!.service.resolution).toBe('NONE');
    expect(c!.service.exportTo).toEqual(['*']);
    expect(c!.service.ports[0]!.protocol).toBe('TLS');
    expect(c!.endpoints).toEqual([]);
  });

  it('explicit protocol wins over the port name', () => {
    const [c] = convertServiceEntry(
      serviceEntry('p', {
        hosts: ['p.example.com'],
        ports: [{ number: 80, name: 'http', protocol: 'TCP' }],
        resolution: 'DNS',
      }),
      [],
      SUFFIX,
    );
    expect(c!.service.ports[0]!.protocol).toBe('TCP');
  });

  it('DNS: hostname endpoints stay names; no endpoints → the host itself', () => {
    const withNames = convertServiceEntry(
      serviceEntry('dns', {
        hosts: ['db.example.com'],
        ports: [{ number: 5432, name: 'tcp', targetPort: 15432 }],
        resolution: 'DNS',
        endpoints: [{ address: 'db-1.internal' }, { address: 'db-2.internal', ports: { tcp: 6432 } }],
      }),
      [],
      SUFFIX,
    );
    expect(withNames[0]!.service.resolution).toBe('DNS');
    expect(withNames[0]!.endpoints.map((e) => `${e.address}:${e.port}`)).toEqual([
      'db-1.internal:15432',
      'db-2.internal:6432',
    ]);

    const bare = convertServiceEntry(
      serviceEntry('dns2', {
        hosts: ['x.example.com', 'y.example.com'],
        ports: [
          { number: 80, name: 'http' },
          { number: 443, name: 'https' },
        ],
        resolution: 'DNS_ROUND_ROBIN',
      }),
      [],
      SUFFIX,
    );
    expect(bare.map((c) => c.endpoints.map((e) => `${e.address}:${e.port}/${e.servicePortName}`))).toEqual([
      ['x.example.com:80/http', 'x.example.com:443/https'],
      ['y.example.com:80/http', 'y.example.com:443/https'],
    ]);
  });

  it('STATIC with no endpoints has none (no host fallback)', () => {
    const [c] = convertServiceEntry(
      serviceEntry('s', {
        hosts: ['s.example.com'],
        ports: [{ number: 80, name: 'http' }],
        resolution: 'STATIC',
      }),
      [],
      SUFFIX,
    );
    expect(c!.endpoints).toEqual([]);
  });

  it('workloadSelector: WorkloadEntries of the same namespace whose labels match', () => {
    const wes = [
      workloadEntry('vm-1', {
        address: '10.2.0.1',
        labels: { app: 'vm', version: 'v1' },
        ports: { http: 8081 },
        locality: 'eu/z1',
        weight: 5,
        serviceAccount: 'sa',
      }),
      workloadEntry('vm-2', { address: '10.2.0.2', labels: { app: 'vm', version: 'v2' } }),
      workloadEntry('other', { address: '10.2.0.3', labels: { app: 'other' } }),
      workloadEntry('elsewhere', { address: '10.2.0.4', labels: { app: 'vm' } }, { namespace: 'ns2' }),
      workloadEntry('network-only', { network: 'remote', labels: { app: 'vm' } }),
    ];
    const [c] = convertServiceEntry(
      serviceEntry('vm', {
        hosts: ['vm.example.com'],
        ports: [{ number: 80, name: 'http', targetPort: 8080 }],
        resolution: 'STATIC',
        location: 'MESH_INTERNAL',
        workloadSelector: { labels: { app: 'vm' } },
      }),
      wes,
      SUFFIX,
    );
    expect(c!.endpoints.map((e) => `${e.address}:${e.port}`)).toEqual(['10.2.0.1:8081', '10.2.0.2:8080']);
    const e1 = c!.endpoints[0]!;
    expect(e1.labels).toEqual({ app: 'vm', version: 'v1' });
    expect(e1.locality).toEqual({ region: 'eu', zone: 'z1', subzone: '' });
    expect(e1.weight).toBe(5);
    expect(e1.serviceAccount).toBe('sa');

    // an empty selector selects every WorkloadEntry of the namespace
    const [all] = convertServiceEntry(
      serviceEntry('all', {
        hosts: ['all.example.com'],
        ports: [{ number: 80, name: 'http' }],
        resolution: 'STATIC',
        workloadSelector: {},
      }),
      wes,
      SUFFIX,
    );
    expect(all!.endpoints.map((e) => e.address)).toEqual(['10.2.0.1', '10.2.0.2', '10.2.0.3']);
  });

  it('is deterministic and does not expand hosts', () => {
    const se = serviceEntry('d', {
      hosts: ['short', 'z.example.com'],
      ports: [{ number: 80, name: 'http' }],
      resolution: 'STATIC',
      endpoints: [{ address: '10.0.0.9' }, { address: '10.0.0.1' }, { address: '10.0.0.1' }],
    });
    const a = convertServiceEntry(se, [], SUFFIX);
    expect(a).toEqual(convertServiceEntry(se, [], SUFFIX));
    expect(a.map((c) => c.service.hostname)).toEqual(['short', 'z.example.com']);
    expect(a[0]!.endpoints.map((e) => e.address)).toEqual(['10.0.0.1', '10.0.0.9']);
  });
});
