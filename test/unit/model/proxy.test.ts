import { describe, expect, it } from 'vitest';
import { isProxyless, parseProxy } from '../../../src/model/proxy.js';

describe('parseProxy', () => {
  it('parses Istio node ids', () => {
    const r = parseProxy({
      id: 'sidecar~10.1.2.3~reviews-v1-abc.bookinfo~bookinfo.svc.cluster.local',
      metadata: { LABELS: { app: 'reviews', version: 'v1' } },
      locality: { region: 'r', zone: 'z', sub_zone: 's' },
    });
    expect(r).toMatchObject({
      ok: true,
      proxy: {
        type: 'sidecar',
        ipAddresses: ['10.1.2.3'],
        podName: 'reviews-v1-abc',
        namespace: 'bookinfo',
        dnsDomain: 'bookinfo.svc.cluster.local',
        labels: { app: 'reviews', version: 'v1' },
        locality: { region: 'r', zone: 'z', subzone: 's' },
      },
    });
  });

  it('prefers metadata NAMESPACE and recognises proxyless clients', () => {
    const r = parseProxy({ id: 'free-form-id', metadata: { GENERATOR: 'grpc', NAMESPACE: 'ns1' } });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.proxy.namespace).toBe('ns1');
      expect(isProxyless(r.proxy)).toBe(true);
    }
  });

  it('rejects missing or malformed ids with a clear error', () => {
    expect(parseProxy({})).toMatchObject({ ok: false, error: expect.stringContaining('node.id') });
    expect(parseProxy({ id: 'bogus' })).toMatchObject({
      ok: false,
      error: expect.stringContaining('TYPE~IP'),
    });
    expect(parseProxy({ id: 'gateway~1.2.3.4~p.ns~ns.svc.cluster.local' })).toMatchObject({ ok: false });
  });

  it('defaults the namespace to default', () => {
    const r = parseProxy({ id: 'x', metadata: { GENERATOR: 'grpc' } });
    expect(r.ok && r.proxy.namespace).toBe('default');
  });
});
