import { describe, expect, it } from 'vitest';
import { ResponseTally, type TallySink } from '../../../src/util/response-tally.js';

function recorder() {
  const calls: string[] = [];
  const sink: TallySink = {
    push: (type) => calls.push(`push ${type}`),
    pushTime: (type, s) => calls.push(`time ${type} ${s}`),
    convergence: (s) => calls.push(`conv ${s}`),
  };
  return { calls, sink };
}

describe('ResponseTally', () => {
  it('holds responses until flushed, then hands each over in order, skipping unmeasured times', () => {
    const { calls, sink } = recorder();
    const tally = new ResponseTally((t) => t.split('.').pop()!.toLowerCase(), sink);
    tally.add('x.Cluster', 0.5, Number.NaN);
    tally.add('x.ClusterLoadAssignment', Number.NaN, 0.25);
    expect(calls).toEqual([]);
    tally.flush();
    expect(calls).toEqual(['push cluster', 'time cluster 0.5', 'push clusterloadassignment', 'conv 0.25']);
    tally.flush();
    expect(calls).toHaveLength(4);
  });

  it('hands everything over when the buffer is full, so memory stays bounded without scrapes', () => {
    const { calls, sink } = recorder();
    const tally = new ResponseTally((t) => t, sink, { capacity: 3 });
    tally.add('a', 1, 1);
    tally.add('a', 2, 2);
    expect(calls).toEqual([]);
    tally.add('b', 3, 3);
    expect(calls.filter((c) => c.startsWith('push'))).toEqual(['push a', 'push a', 'push b']);
    tally.add('b', 4, 4);
    tally.flush();
    expect(calls.filter((c) => c.startsWith('push'))).toHaveLength(4);
  });

  it('asks once for a flush when half full, and still flushes itself when full before it came', () => {
    const { calls, sink } = recorder();
    let requests = 0;
    const tally = new ResponseTally((t) => t, sink, { capacity: 4, requestFlush: () => requests++ });
    tally.add('a', 1, 1);
    expect(requests).toBe(0);
    tally.add('a', 2, 2);
    expect(requests).toBe(1);
    expect(calls).toEqual([]);
    tally.flush();
    tally.add('a', 3, 3);
    tally.add('a', 4, 4);
    expect(requests).toBe(2);
    tally.add('a', 5, 5);
    tally.add('a', 6, 6);
    expect(requests).toBe(2);
    expect(calls.filter((c) => c.startsWith('push'))).toHaveLength(6);
  });
});
