import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../src/galley/sources/kube-http.js';
import { StatusWriter, type StatusWriterOptions } from '../../../../src/galley/status/status-writer.js';
import type { ObjectVerdict } from '../../../../src/galley/status/validation-status.js';
import type { ConfigError } from '../../../../src/galley/validation/result.js';
import { silentLogger } from '../../../../src/util/log.js';
import { FakeApi } from './fake-status-api.js';
import { sleep, until, WEIGHT } from './status-test-helpers.js';

const HOSTS: ConfigError = { source: 'kubernetes', path: 'spec.hosts', message: 'no hosts' };

const verdict = (
  object: KubeObject | undefined,
  errors: ConfigError[],
  name = object?.metadata.name ?? 'x',
): ObjectVerdict => ({
  kind: 'VirtualService',
  namespace: 'default',
  name,
  object,
  errors,
});

let writer: StatusWriter | undefined;
afterEach(() => writer?.stop());

function start(api: FakeApi, opts: Partial<StatusWriterOptions> = {}): StatusWriter {
  writer = new StatusWriter({
    client: api,
    logger: silentLogger(),
    coalesceMs: 10,
    initialBackoffMs: 20,
    maxBackoffMs: 100,
    ...opts,
  });
  return writer;
}

describe('StatusWriter', () => {
  it('writes Valid=False once, and nothing when its own write comes back', async () => {
    const api = new FakeApi();
    const w = start(api);
    const obj = api.put('reviews', undefined, 2);
    w.observe(verdict(obj, [WEIGHT]));
    await until('the write', () => api.patches.length === 1 && w.pending() === 0);
    expect(api.patches[0]!.rv).toBe(obj.metadata.resourceVersion);
    expect(api.conditionOf('reviews')).toMatchObject({
      status: 'False',
      reason: 'ValidationFailed',
      message: 'spec.http[0].route[0].weight: bad weight',
      observedGeneration: 2,
    });
    // The watch delivers the object with our status: nothing more to write.
    w.observe(verdict(api.objects.get('reviews'), [WEIGHT]));
    await sleep(50);
    expect(api.patches).toHaveLength(1);
    expect(w.pending()).toBe(0);
  });

  it('coalesces an event storm into one write of the latest verdict', async () => {
    const api = new FakeApi();
    const w = start(api, { coalesceMs: 40 });
    const obj = api.put('storm');
    for (let i = 0; i < 50; i++) w.observe(verdict(obj, i % 2 ? [WEIGHT] : [HOSTS]));
    w.observe(verdict(obj, [WEIGHT, HOSTS]));
    await until('the write', () => api.patches.length >= 1 && w.pending() === 0);
    await sleep(50);
    expect(api.patches).toHaveLength(1);
    expect(api.conditionOf('storm')?.['message']).toBe(
      'spec.http[0].route[0].weight: bad weight; spec.hosts: no hosts',
    );
  });

  it('flips the condition to True when a later version is valid', async () => {
    const api = new FakeApi();
    const w = start(api);
    w.observe(verdict(api.put('flip'), [WEIGHT]));
    await until('False', () => api.conditionOf('flip')?.['status'] === 'False');
    const failedAt = api.conditionOf('flip')?.['lastTransitionTime'];
    const fixed = api.objects.get('flip')!;
    const edited = { ...fixed, metadata: { ...fixed.metadata, generation: 2 } };
    api.objects.set('flip', edited);
    w.observe(verdict(edited, []));
    await until('True', () => api.conditionOf('flip')?.['status'] === 'True');
    expect(api.conditionOf('flip')).toMatchObject({ reason: 'ValidationPassed', observedGeneration: 2 });
    expect(typeof failedAt).toBe('string');
  });

  it('does not write for valid objects that never failed, nor for deleted ones', async () => {
    const api = new FakeApi();
    const w = start(api);
    w.observe(verdict(api.put('fine'), []));
    const gone = api.put('gone');
    w.observe(verdict(gone, [WEIGHT]));
    w.observe(verdict(undefined, [], 'gone'));
    await sleep(60);
    expect(api.patches).toHaveLength(0);
    expect(w.pending()).toBe(0);
  });

  it('on a conflict re-reads the object and keeps the conditions another writer added', async () => {
    const api = new FakeApi();
    const w = start(api);
    const stale = api.put('busy');
    // Someone else wrote status since the verdict was taken.
    api.put('busy', {
      conditions: [{ type: 'Reconciled', status: 'True', message: '1/1 proxies up to date.' }],
    });
    w.observe(verdict(stale, [WEIGHT]));
    await until('the write', () => api.conditionOf('busy') !== undefined && w.pending() === 0);
    expect(w.stats.conflicts).toBe(1);
    expect(api.gets).toBe(1);
    const conditions = (api.objects.get('busy')!['status'] as { conditions: Array<{ type: string }> })
      .conditions;
    expect(conditions.map((c) => c.type)).toEqual(['Reconciled', 'Valid']);
  });

  it('retries an outage with backoff, then writes', async () => {
    const api = new FakeApi();
    api.failures = [503, 0];
    const w = start(api);
    w.observe(verdict(api.put('outage'), [WEIGHT]));
    await until('the write', () => api.conditionOf('outage') !== undefined, 5000);
    expect(api.patches).toHaveLength(3);
    expect(w.stats).toMatchObject({ writes: 1, failures: 2 });
  });

  it('drops an object on 404 and a refused write (403) without retrying', async () => {
    const api = new FakeApi();
    api.failures = [403];
    const w = start(api);
    w.observe(verdict(api.put('forbidden'), [WEIGHT]));
    const ghost = api.put('ghost');
    api.objects.delete('ghost');
    w.observe(verdict(ghost, [WEIGHT]));
    await until('both tried', () => api.patches.length === 2);
    await sleep(80);
    expect(api.patches).toHaveLength(2);
    expect(w.pending()).toBe(0);
  });

  it('rate-limits writes across objects', async () => {
    const api = new FakeApi();
    const w = start(api, { qps: 20, burst: 2, coalesceMs: 0 });
    for (let i = 0; i < 6; i++) w.observe(verdict(api.put(`o${i}`), [WEIGHT]));
    await sleep(25);
    expect(api.patches.length).toBe(2);
    await until('all six', () => api.patches.length === 6, 2000);
  });

  it('never blocks the caller, even when the API server hangs', async () => {
    const api = new FakeApi();
    api.hang = true;
    const w = start(api, { concurrency: 2, coalesceMs: 0 });
    const t0 = Date.now();
    for (let i = 0; i < 200; i++) w.observe(verdict(api.put(`h${i}`), [WEIGHT]));
    expect(Date.now() - t0).toBeLessThan(500);
    await sleep(30);
    // At most `concurrency` writes in flight; the rest wait, each as one pending entry.
    expect(api.patches).toHaveLength(2);
    expect(w.pending()).toBe(200);
  });
});
