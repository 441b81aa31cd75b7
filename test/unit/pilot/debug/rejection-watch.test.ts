import { afterEach, describe, expect, it } from 'vitest';
import type { RejectedConfig } from '../../../../src/pilot/debug/rejected-configs.js';
import { RejectionWatch } from '../../../../src/pilot/debug/rejection-watch.js';
import { silentLogger } from '../../../../src/util/log.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const config = (proxies: string[]): RejectedConfig => ({
  kind: 'VirtualService',
  namespace: 'default',
  name: 'reviews',
  proxies: proxies.map((proxy) => ({ proxy, type: 'RDS', resources: ['9080'], error: 'bad' })),
});

let watch: RejectionWatch | undefined;
afterEach(() => watch?.stop());

describe('RejectionWatch', () => {
  it('recomputes once per window however many triggers, and reports only changes', async () => {
    let list: RejectedConfig[] = [config(['a'])];
    let computes = 0;
    const reports: (readonly RejectedConfig[])[] = [];
    watch = new RejectionWatch({
      compute: () => {
        computes++;
        return list;
      },
      onChange: (l) => reports.push(l),
      delayMs: 30,
      logger: silentLogger(),
    });
    for (let i = 0; i < 2000; i++) watch.trigger(); // a NACK storm
    expect(computes).toBe(0);
    await sleep(80);
    expect(computes).toBe(1);
    expect(reports).toEqual([[config(['a'])]]);
    expect(watch.current()).toEqual([config(['a'])]);

    watch.trigger(); // nothing changed: recomputed, not reported
    await sleep(80);
    expect(computes).toBe(2);
    expect(reports).toHaveLength(1);

    list = [];
    watch.trigger();
    await sleep(80);
    expect(reports).toEqual([[config(['a'])], []]);
  });

  it('survives a failing computation and stops cleanly', async () => {
    let fail = true;
    const reports: (readonly RejectedConfig[])[] = [];
    watch = new RejectionWatch({
      compute: () => {
        if (fail) throw new Error('boom');
        return [config(['b'])];
      },
      onChange: (l) => reports.push(l),
      delayMs: 10,
      logger: silentLogger(),
    });
    watch.trigger();
    await sleep(40);
    expect(reports).toEqual([]);
    fail = false;
    watch.trigger();
    await sleep(40);
    expect(reports).toHaveLength(1);
    watch.stop();
    watch.trigger();
    await sleep(40);
    expect(reports).toHaveLength(1);
  });

  it('after start(settleMs) reports nothing until the proxies had time to reconnect, then once even if empty', async () => {
    let list: RejectedConfig[] = [];
    const reports: (readonly RejectedConfig[])[] = [];
    watch = new RejectionWatch({
      compute: () => list,
      onChange: (l) => reports.push(l),
      delayMs: 5,
      logger: silentLogger(),
    });
    watch.start(80);
    list = [config(['a'])];
    watch.trigger(); // a NACK during the settle period
    await sleep(40);
    expect(reports).toEqual([]);
    await sleep(90);
    expect(reports).toEqual([[config(['a'])]]);

    const quiet = new RejectionWatch({
      compute: () => [],
      onChange: (l) => reports.push(l),
      logger: silentLogger(),
    });
    quiet.start(10);
    await sleep(50);
    quiet.stop();
    expect(reports).toEqual([[config(['a'])], []]);
  });
});
