import { describe, expect, it } from 'vitest';
import { fullPush } from '../../../src/model/push-request.js';
import type { TypeContent } from '../../../src/xds/content.js';
import { DeltaPrepared } from '../../../src/xds/prepared-response.js';
import { PushOutcomes } from '../../../src/xds/push-outcomes.js';
import { ENDPOINT_TYPE } from '../../../src/xds/type-urls.js';

function content(version: string): TypeContent {
  return { typeUrl: ENDPOINT_TYPE, resources: [], byName: new Map(), version, pushVersion: version };
}

describe('PushOutcomes', () => {
  const names = new Set(['a']);
  const sub = { wildcard: false, names };

  it('answers for the same push, held content and subscription only', () => {
    const outcomes = new PushOutcomes<DeltaPrepared>();
    const push = fullPush('config', 1);
    const held = content('1');
    const next = content('2');
    const prepared = new DeltaPrepared(ENDPOINT_TYPE, '2', [], ['gone']);
    outcomes.record(push, held, sub, next, { prepared });
    expect(outcomes.find(push, held, sub)).toMatchObject({ content: next, prepared });
    // Another content held, another subscription (even with equal names), another push: no answer.
    expect(outcomes.find(push, content('1'), sub)).toBeUndefined();
    expect(outcomes.find(push, held, { wildcard: false, names: new Set(['a']) })).toBeUndefined();
    expect(outcomes.find(push, held, { wildcard: true, names })).toBeUndefined();
    expect(outcomes.find(fullPush('config', 2), held, sub)).toBeUndefined();
  });

  it('forgets the previous push once another is recorded', () => {
    const outcomes = new PushOutcomes<DeltaPrepared>();
    const first = fullPush('config', 1);
    const held = content('1');
    outcomes.record(first, held, sub, content('2'));
    expect(outcomes.find(first, held, sub)?.prepared).toBeUndefined();
    outcomes.record(fullPush('config', 2), content('2'), sub, content('3'));
    expect(outcomes.find(first, held, sub)).toBeUndefined();
  });
});
