/**
 * The status writer's second condition (issue 8): proxies rejecting an object's generated
 * resources become `Reconciled=False`, merged with the `Valid` condition in one write per object,
 * coalesced across a NACK storm, and only for objects read from Kubernetes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../src/galley/sources/kube-http.js';
import type { ObjectRejections, ProxyRejection } from '../../../../src/galley/status/reconciled-status.js';
import { StatusWriter } from '../../../../src/galley/status/status-writer.js';
import type { ConfigError } from '../../../../src/galley/validation/result.js';
import { silentLogger } from '../../../../src/util/log.js';
import { FakeApi } from './fake-status-api.js';
import { sleep, until, WEIGHT } from './status-test-helpers.js';

const proxyId = (i: number): string =>
  `sidecar~10.1.${i >> 8}.${i & 255}~p${i}.default~default.svc.cluster.local`;
const nack = (i: number): ProxyRejection => ({
  proxy: proxyId(i),
  type: 'RDS',
  resources: ['9080'],
  error: 'route config 9080: invalid regex',
});
const rejected = (name: string, proxies: ProxyRejection[]): ObjectRejections => ({
  kind: 'VirtualService',
  namespace: 'default',
  name,
  source: 'mcp',
  proxies,
});

let writer: StatusWriter | undefined;
afterEach(() => writer?.stop());

function start(api: FakeApi): StatusWriter {
  writer = new StatusWriter({
    client: api,
    logger: silentLogger(),
    coalesceMs: 10,
    reconcileCoalesceMs: 60,
    initialBackoffMs: 20,
    maxBackoffMs: 100,
  });
  return writer;
}

function observe(w: StatusWriter, obj: KubeObject, errors: ConfigError[] = []): void {
  w.observe({ kind: 'VirtualService', namespace: 'default', name: obj.metadata.name!, object: obj, errors });
}

const types = (api: FakeApi, name: string): string[][] =>
  (
    (
      api.objects.get(name)?.['status'] as
        { conditions?: Array<{ type: string; status: string }> } | undefined
    )?.conditions ?? []
  ).map((c) => [c.type, c.status]);

describe('StatusWriter: Reconciled', () => {
  it('writes Reconciled=False for a rejected object, then True once no proxy rejects it', async () => {
    const api = new FakeApi();
    const w = start(api);
    const obj = api.put('reviews', undefined, 4);
    observe(w, obj);
    await sleep(30);
    expect(api.patches).toHaveLength(0); // healthy: no write

    w.observeRejections([rejected('reviews', [nack(1)])]);
    await until('the rejection write', () => api.patches.length === 1 && w.pending() === 0);
    expect(api.conditionOf('reviews', 'Reconciled')).toMatchObject({
      status: 'False',
      reason: 'RejectedByProxy',
      observedGeneration: 4,
    });
    expect(api.conditionOf('reviews', 'Reconciled')!['message']).toContain(proxyId(1));
    expect(api.conditionOf('reviews', 'Reconciled')!['message']).toContain('invalid regex');

    // Our write comes back as a watch event: nothing more to write.
    observe(w, api.objects.get('reviews')!);
    // The same list again (Pilot recomputed): nothing either.
    w.observeRejections([rejected('reviews', [nack(1)])]);
    await sleep(120);
    expect(api.patches).toHaveLength(1);

    w.observeRejections([]);
    await until('the recovery write', () => api.patches.length === 2 && w.pending() === 0);
    expect(api.conditionOf('reviews', 'Reconciled')).toMatchObject({ status: 'True', reason: 'Accepted' });
  });

  it('merges Valid and Reconciled into one write, and keeps Valid when Reconciled flips', async () => {
    const api = new FakeApi();
    const w = start(api);
    const obj = api.put('reviews', undefined, 2);
    w.observeRejections([rejected('reviews', [nack(1)])]); // before the object is known: nothing yet
    observe(w, obj, [WEIGHT]);
    await until('one write', () => api.patches.length === 1 && w.pending() === 0);
    expect(types(api, 'reviews')).toEqual([
      ['Valid', 'False'],
      ['Reconciled', 'False'],
    ]);
    w.observeRejections([]);
    await until('the second write', () => api.patches.length === 2 && w.pending() === 0);
    expect(types(api, 'reviews')).toEqual([
      ['Valid', 'False'],
      ['Reconciled', 'True'],
    ]);
    expect(api.conditionOf('reviews')).toMatchObject({
      status: 'False',
      message: expect.stringContaining('bad weight'),
    });
    // A later validation verdict keeps the Reconciled condition.
    observe(w, api.objects.get('reviews')!, []);
    await until('the third write', () => api.patches.length === 3 && w.pending() === 0);
    expect(types(api, 'reviews')).toEqual([
      ['Valid', 'True'],
      ['Reconciled', 'True'],
    ]);
  });

  it('a NACK storm from 2,000 proxies costs one write per object', async () => {
    const api = new FakeApi();
    const w = start(api);
    for (const name of ['a', 'b', 'c']) observe(w, api.put(name));
    // Pilot reports a growing list as NACKs arrive, faster than the coalescing window.
    for (let n = 100; n <= 2000; n += 100) {
      const proxies = Array.from({ length: n }, (_, i) => nack(i));
      w.observeRejections(['a', 'b', 'c'].map((name) => rejected(name, proxies)));
    }
    await until('the writes', () => api.patches.length === 3 && w.pending() === 0);
    await sleep(150);
    expect(api.patches.map((p) => p.name).sort()).toEqual(['a', 'b', 'c']);
    const message = api.conditionOf('a', 'Reconciled')!['message'] as string;
    expect(message).toMatch(/^rejected by 2000 proxies: .* and 1995 more: route config 9080: invalid regex$/);
  });

  it('ignores configs not read from Kubernetes (a config directory has no status)', async () => {
    const api = new FakeApi();
    const w = start(api);
    w.observeRejections([rejected('from-file', [nack(1)])]);
    w.observeRejections([{ ...rejected('x', [nack(1)]), kind: 'NotAnIstioKind' }]);
    await sleep(120);
    expect(api.patches).toHaveLength(0);
    expect(api.gets).toBe(0);
    expect(w.pending()).toBe(0);
  });

  it('a rejection arriving during a write is written right after it', async () => {
    const api = new FakeApi();
    const w = start(api);
    observe(w, api.put('reviews'), [WEIGHT]);
    await until('the validation write', () => api.patches.length === 1);
    w.observeRejections([rejected('reviews', [nack(7)])]);
    await until('the second write', () => api.patches.length === 2 && w.pending() === 0);
    expect(types(api, 'reviews')).toEqual([
      ['Valid', 'False'],
      ['Reconciled', 'False'],
    ]);
  });

  it('forgets a deleted object', async () => {
    const api = new FakeApi();
    const w = start(api);
    const obj = api.put('reviews');
    observe(w, obj);
    w.observe({
      kind: 'VirtualService',
      namespace: 'default',
      name: 'reviews',
      object: undefined,
      errors: [],
    });
    w.observeRejections([rejected('reviews', [nack(1)])]);
    await sleep(120);
    expect(api.patches).toHaveLength(0);
  });

  it('leaves Reconciled as found until Pilot first reports, then settles a stale one', async () => {
    const api = new FakeApi();
    const w = start(api);
    // A previous run left Reconciled=False; this run has not heard from Pilot yet.
    const stale = {
      conditions: [
        {
          type: 'Reconciled',
          status: 'False',
          reason: 'RejectedByProxy',
          message: 'old',
          lastTransitionTime: 'x',
          observedGeneration: 1,
        },
      ],
      observedGeneration: 1,
    };
    observe(w, api.put('old', stale));
    observe(w, api.put('invalid', stale), [WEIGHT]);
    await until('the validation write', () => api.patches.length === 1 && w.pending() === 0);
    expect(types(api, 'invalid')).toEqual([
      ['Reconciled', 'False'],
      ['Valid', 'False'],
    ]);
    expect(api.patches.map((p) => p.name)).toEqual(['invalid']);

    w.observeRejections([]); // Pilot's first report: nothing is rejected any more
    await until('the settling writes', () => api.patches.length === 3 && w.pending() === 0);
    expect(types(api, 'old')).toEqual([['Reconciled', 'True']]);
    expect(types(api, 'invalid')).toEqual([
      ['Reconciled', 'True'],
      ['Valid', 'False'],
    ]);
  });
});
