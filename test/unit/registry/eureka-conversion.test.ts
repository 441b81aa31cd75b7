import { describe, expect, it } from 'vitest';
import {
  applyDelta,
  appsHashcode,
  convertEurekaInstances,
  DEFAULT_EUREKA_SETTINGS,
  indexInstances,
  parseApplications,
  type EurekaInstance,
} from '../../../src/registry/eureka/conversion.js';
import { parseEurekaUrl } from '../../../src/registry/eureka/settings.js';

function inst(id: string, o: Partial<EurekaInstance> & { p?: number } = {}): EurekaInstance {
  return {
    instanceId: id,
    app: 'REVIEWS',
    hostName: 'h',
    ipAddr: '127.0.0.1',
    status: 'UP',
    port: { $: o.p ?? 9080, '@enabled': 'true' },
    securePort: { $: 443, '@enabled': 'false' },
    vipAddress: 'reviews',
    secureVipAddress: 'reviews',
    metadata: {},
    ...o,
  };
}

describe('parseApplications', () => {
  it('reads arrays and collapsed single objects alike', () => {
    const arrays = parseApplications({
      applications: {
        apps__hashcode: 'UP_2_',
        application: [{ name: 'A', instance: [inst('1', { app: '' }), inst('2')] }],
      },
    })!;
    expect(arrays.hashcode).toBe('UP_2_');
    expect(arrays.instances.map((i) => i.app)).toEqual(['A', 'REVIEWS']);
    const single = parseApplications({
      applications: { apps__hashcode: 'UP_1_', application: { name: 'A', instance: inst('1') } },
    })!;
    expect(single.instances).toHaveLength(1);
    expect(parseApplications({ applications: { apps__hashcode: '', application: [] } })).toEqual({
      hashcode: '',
      instances: [],
    });
    expect(parseApplications({})).toBeUndefined();
    expect(parseApplications('x')).toBeUndefined();
  });
});

describe('delta reconciliation', () => {
  it('applies ADDED, MODIFIED and DELETED in order and recomputes the hashcode', () => {
    const state = indexInstances([inst('1'), inst('2')]);
    expect(appsHashcode(state.values())).toBe('UP_2_');
    const next = applyDelta(state, [
      { ...inst('3'), actionType: 'ADDED' },
      { ...inst('1', { status: 'DOWN' }), actionType: 'MODIFIED' },
      { ...inst('2'), actionType: 'DELETED' },
    ]);
    expect([...next.keys()].sort()).toEqual(['REVIEWS/1', 'REVIEWS/3']);
    expect(appsHashcode(next.values())).toBe('DOWN_1_UP_1_');
    expect(appsHashcode([])).toBe('');
    // the input map is untouched
    expect([...state.keys()].sort()).toEqual(['REVIEWS/1', 'REVIEWS/2']);
  });
});

describe('convertEurekaInstances', () => {
  it('one service per VIP, UP only serves, metadata as labels, zone as locality, ports on fixed service ports', () => {
    const out = convertEurekaInstances([
      inst('b', { ipAddr: '127.0.0.2', p: 9002, status: 'DOWN', metadata: { version: 'v2', '@class': 'x' } }),
      inst('a', {
        ipAddr: '127.0.0.1',
        p: 9001,
        metadata: { version: 'v1', zone: 'z1', region: 'r1', protocol: 'grpc' },
        securePort: { $: 9443, '@enabled': 'true' },
      }),
    ]);
    expect(out).toHaveLength(1);
    const { service, endpoints } = out[0]!;
    expect(service).toMatchObject({
      hostname: 'reviews.eureka',
      registry: 'eureka',
      namespace: 'default',
      ports: [
        { name: 'grpc', port: 80, protocol: 'GRPC' },
        { name: 'https', port: 443, protocol: 'HTTPS' },
      ],
    });
    expect(
      endpoints.map((e) => [e.address, e.port, e.servicePortName, e.healthy, e.labels, e.locality.zone]),
    ).toEqual([
      ['127.0.0.1', 9001, 'grpc', true, { protocol: 'grpc', region: 'r1', version: 'v1', zone: 'z1' }, 'z1'],
      ['127.0.0.1', 9443, 'https', true, { protocol: 'grpc', region: 'r1', version: 'v1', zone: 'z1' }, 'z1'],
    ]);
    // b names port "http" while a names it "grpc": the service port 80 keeps the first name (sorted),
    // so b's endpoint (another name on the same port) is not served under it.
    expect(endpoints.some((e) => e.address === '127.0.0.2')).toBe(false);
  });

  it('keeps non-UP instances listed as unhealthy', () => {
    const out = convertEurekaInstances([
      inst('a', { ipAddr: '127.0.0.1' }),
      inst('b', { ipAddr: '127.0.0.2', status: 'OUT_OF_SERVICE' }),
    ]);
    expect(out[0]!.endpoints.map((e) => [e.address, e.healthy])).toEqual([
      ['127.0.0.1', true],
      ['127.0.0.2', false],
    ]);
  });

  it('host from VIP lists (one service each), dotted VIPs as is, or from the app name', () => {
    const i = inst('a', { vipAddress: 'reviews, reviews.example.com', secureVipAddress: '' });
    expect(convertEurekaInstances([i]).map((c) => c.service.hostname)).toEqual([
      'reviews.eureka',
      'reviews.example.com',
    ]);
    expect(
      convertEurekaInstances([i], { ...DEFAULT_EUREKA_SETTINGS, hostFrom: 'app', suffix: '.apps.local' }).map(
        (c) => c.service.hostname,
      ),
    ).toEqual(['reviews.apps.local']);
    expect(convertEurekaInstances([inst('a', { vipAddress: '' })]).map((c) => c.service.hostname)).toEqual([
      'reviews.eureka',
    ]);
  });

  it('ignores disabled ports and instances without an address; never throws on junk', () => {
    expect(convertEurekaInstances([inst('a', { port: { $: 9080, '@enabled': 'false' } })])).toEqual([]);
    expect(convertEurekaInstances([inst('a', { ipAddr: '', hostName: '' })])).toEqual([]);
    expect(convertEurekaInstances([{} as EurekaInstance, { port: { $: 'x' } } as EurekaInstance])).toEqual(
      [],
    );
  });
});

describe('parseEurekaUrl', () => {
  it('takes settings from the query and has defaults', () => {
    expect(
      parseEurekaUrl('http://127.0.0.1:8761/eureka/?host=app&suffix=.x&interval=0.5&service-port=81'),
    ).toEqual({
      ok: true,
      value: {
        baseUrl: 'http://127.0.0.1:8761/eureka',
        intervalMs: 500,
        settings: {
          hostFrom: 'app',
          suffix: '.x',
          namespace: 'default',
          servicePort: 81,
          secureServicePort: 443,
        },
      },
    });
    const d = parseEurekaUrl('http://127.0.0.1:8761/eureka');
    expect(d.ok && d.value).toMatchObject({ intervalMs: 30_000, settings: DEFAULT_EUREKA_SETTINGS });
    expect(parseEurekaUrl('http://h/eureka?host=dns')).toMatchObject({ ok: false });
    expect(parseEurekaUrl('http://h/eureka?service-port=443')).toMatchObject({ ok: false });
    expect(parseEurekaUrl('http://h/eureka?x=1')).toMatchObject({ ok: false });
  });
});
