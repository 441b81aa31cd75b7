import { describe, expect, it } from 'vitest';
import { EndpointIndex } from '../../../src/model/endpoint-index.js';
import { EMPTY_LOCALITY, type Endpoint } from '../../../src/model/service.js';

function ep(address: string, port = 80, portName = 'grpc'): Endpoint {
  return {
    address,
    port,
    servicePortName: portName,
    labels: {},
    locality: EMPTY_LOCALITY,
    weight: 1,
    healthy: true,
  };
}

const svcA = { hostname: 'a.example.com', namespace: 'ns1' };
const svcA2 = { hostname: 'a.example.com', namespace: 'ns2' };
const svcB = { hostname: 'b.example.com', namespace: 'ns1' };

describe('EndpointIndex', () => {
  it('stores endpoints sorted, per port name', () => {
    const idx = new EndpointIndex();
    expect(idx.setServiceEndpoints(svcA, [ep('10.0.0.2'), ep('10.0.0.1'), ep('10.0.0.1', 81, 'admin')])).toBe(
      true,
    );
    expect(idx.endpoints(svcA).map((e) => e.address)).toEqual(['10.0.0.1', '10.0.0.1', '10.0.0.2']);
    expect(idx.endpoints(svcA, 'grpc').map((e) => e.address)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(idx.endpoints(svcA, 'admin')).toHaveLength(1);
    expect(idx.endpoints(svcB)).toEqual([]);
  });

  it('reports no change for equal content and keeps versions', () => {
    const idx = new EndpointIndex();
    idx.setServiceEndpoints(svcA, [ep('10.0.0.1'), ep('10.0.0.2')]);
    const v = idx.hostnameVersion('a.example.com');
    const rev = idx.revision;
    expect(idx.setServiceEndpoints(svcA, [ep('10.0.0.2'), ep('10.0.0.1')])).toBe(false);
    expect(idx.hostnameVersion('a.example.com')).toBe(v);
    expect(idx.revision).toBe(rev);
  });

  it('changes only the affected hostname version', () => {
    const idx = new EndpointIndex();
    idx.setServiceEndpoints(svcA, [ep('10.0.0.1')]);
    idx.setServiceEndpoints(svcB, [ep('10.0.1.1')]);
    const a = idx.hostnameVersion('a.example.com');
    const b = idx.hostnameVersion('b.example.com');
    const all = idx.version();
    idx.setServiceEndpoints(svcA2, [ep('10.0.2.1')]);
    expect(idx.hostnameVersion('a.example.com')).not.toBe(a);
    expect(idx.hostnameVersion('b.example.com')).toBe(b);
    expect(idx.version()).not.toBe(all);
    expect(idx.hostnameVersion('c.example.com')).toBe('');
  });

  it('is deterministic across instances', () => {
    const x = new EndpointIndex();
    const y = new EndpointIndex();
    x.setServiceEndpoints(svcA, [ep('10.0.0.1'), ep('10.0.0.2')]);
    x.setServiceEndpoints(svcB, [ep('10.0.1.1')]);
    y.setServiceEndpoints(svcB, [ep('10.0.1.1')]);
    y.setServiceEndpoints(svcA, [ep('10.0.0.2'), ep('10.0.0.1')]);
    expect(x.version()).toBe(y.version());
    expect(x.hostnameVersion('a.example.com')).toBe(y.hostnameVersion('a.example.com'));
  });

  it('replaceAll removes services not listed and returns changed hostnames', () => {
    const idx = new EndpointIndex();
    idx.setServiceEndpoints(svcA, [ep('10.0.0.1')]);
    idx.setServiceEndpoints(svcB, [ep('10.0.1.1')]);
    const changed = idx.replaceAll([{ service: svcA, endpoints: [ep('10.0.0.1')] }]);
    expect(changed).toEqual(['b.example.com']);
    expect(idx.endpoints(svcB)).toEqual([]);
    expect(idx.hostnames()).toEqual(['a.example.com']);
    expect(idx.deleteService(svcB)).toBe(false);
  });
});
