/**
 * The list+watch informer against a scripted fake API: relist on 410 Gone delivers only the
 * difference in one batch, failures keep the cache and retry with backoff, watches resume from the
 * last resourceVersion (bookmarks included).
 */
import { describe, expect, it } from 'vitest';
import {
  KubeStatusError,
  type KubeHttp,
  type KubeList,
  type KubeObject,
  type WatchEvent,
  type WatchHandle,
} from '../../../src/galley/sources/kube-http.js';
import { KubeInformer, type InformerBatch } from '../../../src/galley/sources/kube-informer.js';
import { silentLogger } from '../../../src/util/log.js';

const obj = (name: string, rv: string): KubeObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

type Step =
  | { list: KubeList<KubeObject> }
  | { listError: Error }
  | { watch: Array<WatchEvent<KubeObject>>; end?: Error }
  | { watchError: Error };

/** A fake API that answers list and watch calls from a script, recording the calls. */
class FakeApi {
  readonly calls: string[] = [];
  private waiters: Array<() => void> = [];
  constructor(private readonly steps: Step[]) {}

  async list(): Promise<KubeList<KubeObject>> {
    const step = await this.next('list');
    if ('listError' in step) throw step.listError;
    if (!('list' in step)) throw new Error(`unexpected list, script has ${JSON.stringify(step)}`);
    return step.list;
  }

  async watch(
    _path: string,
    params: Readonly<Record<string, string>>,
    onEvent: (e: WatchEvent<KubeObject>) => void,
  ): Promise<WatchHandle> {
    const step = await this.next(`watch@${params.resourceVersion}`);
    if ('watchError' in step) throw step.watchError;
    if (!('watch' in step)) throw new Error('unexpected watch');
    for (const e of step.watch) onEvent(e);
    return { done: Promise.resolve(step.end), abort: () => undefined };
  }

  /** Script exhausted: park the caller until the test stops the informer. */
  private async next(call: string): Promise<Step> {
    this.calls.push(call);
    this.waiters.forEach((w) => w());
    this.waiters = [];
    const step = this.steps.shift();
    if (step) return step;
    return new Promise<Step>(() => undefined);
  }

  async waitForCalls(n: number): Promise<void> {
    while (this.calls.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }
}

function makeInformer(api: FakeApi, batches: InformerBatch<KubeObject>[]): KubeInformer<KubeObject> {
  return new KubeInformer<KubeObject>({
    // The fake is not generic in the item type; the informer only passes its own T through.
    http: api as unknown as Pick<KubeHttp, 'list' | 'watch'>,
    path: '/apis/x/v1/things',
    logger: silentLogger(),
    onBatch: (b) => batches.push(b),
    initialBackoffMs: 1,
    maxBackoffMs: 4,
  });
}

describe('KubeInformer', () => {
  it('lists, watches from the list version, follows bookmarks, and relists on 410 with only the difference', async () => {
    const api = new FakeApi([
      { list: { items: [obj('a', '1'), obj('b', '2')], resourceVersion: '10' } },
      {
        watch: [
          { type: 'MODIFIED', object: obj('a', '11') },
          { type: 'BOOKMARK', object: { metadata: { name: '', resourceVersion: '15' } } },
        ],
      },
      { watch: [], end: new KubeStatusError(410, 'too old resource version') },
      // After the relist: a unchanged, b deleted, c added.
      { list: { items: [obj('a', '11'), obj('c', '20')], resourceVersion: '21' } },
    ]);
    const batches: InformerBatch<KubeObject>[] = [];
    const inf = makeInformer(api, batches);
    inf.start();
    await inf.synced();
    await api.waitForCalls(5);
    await inf.stop();
    expect(api.calls).toEqual(['list', 'watch@10', 'watch@15', 'list', 'watch@21']);
    const names = (b: InformerBatch<KubeObject>) => ({
      up: b.upserts.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`),
      del: b.deletes.map((o) => o.metadata.name),
      relist: b.relist,
    });
    expect(batches.map(names)).toEqual([
      { up: ['a@1', 'b@2'], del: [], relist: true },
      { up: ['a@11'], del: [], relist: false },
      { up: ['c@20'], del: ['b'], relist: true },
    ]);
    expect(
      inf
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'c']);
  });

  it('keeps the cache through failures and resumes the watch from the last version', async () => {
    const api = new FakeApi([
      { listError: new Error('connect ECONNREFUSED') },
      { list: { items: [obj('a', '1')], resourceVersion: '5' } },
      { watch: [{ type: 'DELETED', object: obj('a', '6') }], end: new Error('connection reset') },
      { watchError: new Error('connect ECONNREFUSED') },
      { watchError: new KubeStatusError(503, 'unavailable') },
    ]);
    const batches: InformerBatch<KubeObject>[] = [];
    const inf = makeInformer(api, batches);
    inf.start();
    await inf.synced();
    await api.waitForCalls(6);
    expect(inf.connected).toBe(false);
    await inf.stop();
    expect(api.calls).toEqual(['list', 'list', 'watch@5', 'watch@6', 'watch@6', 'watch@6']);
    expect(batches.map((b) => [b.upserts.length, b.deletes.length])).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(inf.hasSynced).toBe(true);
  });

  it('delivers an empty first batch so consumers know the collection is empty', async () => {
    const api = new FakeApi([{ list: { items: [], resourceVersion: '1' } }]);
    const batches: InformerBatch<KubeObject>[] = [];
    const inf = makeInformer(api, batches);
    inf.start();
    await inf.synced();
    await inf.stop();
    expect(batches).toEqual([{ upserts: [], deletes: [], relist: true }]);
  });
});
