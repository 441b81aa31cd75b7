import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Debouncer } from '../../../src/pilot/debounce.js';
import type { PushRequest } from '../../../src/model/push-request.js';

function cfg(name: string, start = Date.now()): PushRequest {
  return {
    full: true,
    configsUpdated: [{ kind: 'VirtualService', namespace: 'default', name }],
    endpointsUpdated: [],
    reasons: ['config'],
    start,
  };
}

function eds(host: string): PushRequest {
  return {
    full: false,
    configsUpdated: [],
    endpointsUpdated: [host],
    reasons: ['endpoint'],
    start: Date.now(),
  };
}

describe('Debouncer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('fires once after the quiet period with merged requests', () => {
    const pushes: PushRequest[] = [];
    const d = new Debouncer({ onPush: (r) => void pushes.push(r), quietMs: 100 });
    d.enqueue(cfg('a', 1_000_000));
    vi.advanceTimersByTime(50);
    d.enqueue(cfg('b', 1_000_050));
    vi.advanceTimersByTime(99);
    expect(pushes).toHaveLength(0); // 99 ms since the last event: still quiet-waiting
    vi.advanceTimersByTime(1);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.configsUpdated.map((c) => c.name).sort()).toEqual(['a', 'b']);
    expect(pushes[0]!.start).toBe(1_000_000);
    vi.advanceTimersByTime(1000);
    expect(pushes).toHaveLength(1);
  });

  it('fires at the max delay under a steady stream of events', () => {
    const pushes: PushRequest[] = [];
    const d = new Debouncer({ onPush: (r) => void pushes.push(r), quietMs: 100, maxDelayMs: 1000 });
    for (let t = 0; t < 950; t += 50) {
      d.enqueue(cfg(`c${t}`));
      vi.advanceTimersByTime(50);
    }
    expect(pushes).toHaveLength(0);
    d.enqueue(cfg('last'));
    vi.advanceTimersByTime(50);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.configsUpdated.length).toBe(20);
  });

  it('endpoint-only requests bypass the quiet period by default', () => {
    const pushes: PushRequest[] = [];
    const d = new Debouncer({ onPush: (r) => void pushes.push(r) });
    d.enqueue(eds('h1'));
    expect(pushes).toEqual([eds('h1')]);
  });

  it('endpoint-only requests are debounced when edsBypass is false', () => {
    const pushes: PushRequest[] = [];
    const d = new Debouncer({ onPush: (r) => void pushes.push(r), edsBypass: false, quietMs: 100 });
    d.enqueue(eds('h1'));
    d.enqueue(eds('h2'));
    expect(pushes).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.full).toBe(false);
    expect([...pushes[0]!.endpointsUpdated].sort()).toEqual(['h1', 'h2']);
  });

  it('holds events that arrive during an async push and fires them after it', async () => {
    const pushes: PushRequest[] = [];
    let release: () => void = () => undefined;
    const d = new Debouncer({
      quietMs: 100,
      onPush: (r) => {
        pushes.push(r);
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    d.enqueue(cfg('a'));
    vi.advanceTimersByTime(100);
    expect(pushes).toHaveLength(1);
    d.enqueue(cfg('b'));
    vi.advanceTimersByTime(500);
    expect(pushes).toHaveLength(1); // the first push still runs
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(pushes).toHaveLength(2);
    expect(pushes[1]!.configsUpdated.map((c) => c.name)).toEqual(['b']);
  });

  it('accepts an injected clock and timer', () => {
    let now = 0;
    const queue: Array<{ at: number; fn: () => void }> = [];
    const pushes: PushRequest[] = [];
    const d = new Debouncer({
      onPush: (r) => void pushes.push(r),
      quietMs: 10,
      timers: {
        now: () => now,
        setTimeout: (fn, ms) => queue.push({ at: now + ms, fn }),
        clearTimeout: () => undefined,
      },
    });
    d.enqueue(cfg('x'));
    expect(queue).toHaveLength(1);
    now = 10;
    queue.shift()!.fn();
    expect(pushes).toHaveLength(1);
  });

  it('flush fires immediately and stop drops pending events', async () => {
    const pushes: PushRequest[] = [];
    const d = new Debouncer({ onPush: (r) => void pushes.push(r) });
    d.enqueue(cfg('a'));
    await d.flush();
    expect(pushes).toHaveLength(1);
    d.enqueue(cfg('b'));
    d.stop();
    vi.advanceTimersByTime(20_000);
    expect(pushes).toHaveLength(1);
    expect(d.hasPending()).toBe(false);
  });
});
