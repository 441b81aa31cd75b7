import { describe, expect, it } from 'vitest';
import { shouldRespondDelta, shouldRespondSotw } from '../../../src/xds/should-respond.js';
import { newTypeState, type Subscription, type TypeState } from '../../../src/xds/type-state.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE } from '../../../src/xds/type-urls.js';

function sub(names: string[], wildcard = false): Subscription {
  return { wildcard, names: new Set(names) };
}

function state(typeUrl: string, s: Subscription, extra: Partial<TypeState> = {}): TypeState {
  return { ...newTypeState(typeUrl, s), ...extra };
}

const sorted = (s: ReadonlySet<string>) => [...s].sort();

describe('shouldRespondSotw', () => {
  const sentEds = state(ENDPOINT_TYPE, sub(['a']), {
    sentNonce: 'n1',
    sentVersion: 'v1',
    namesEverSent: true,
  });
  const cases: Array<{
    name: string;
    state: TypeState | undefined;
    req: Parameters<typeof shouldRespondSotw>[1];
    respond: boolean;
    kind: string;
    wildcard?: boolean;
    names?: string[];
  }> = [
    {
      name: 'first request of a type is answered',
      state: undefined,
      req: { type_url: ENDPOINT_TYPE, resource_names: ['a'] },
      respond: true,
      kind: 'initial',
      wildcard: false,
      names: ['a'],
    },
    {
      name: 'legacy wildcard: empty first CDS request',
      state: undefined,
      req: { type_url: CLUSTER_TYPE },
      respond: true,
      kind: 'initial',
      wildcard: true,
      names: [],
    },
    {
      name: 'empty first EDS request is not wildcard',
      state: undefined,
      req: { type_url: ENDPOINT_TYPE },
      respond: true,
      kind: 'initial',
      wildcard: false,
      names: [],
    },
    {
      name: 'explicit * with names',
      state: undefined,
      req: { type_url: LISTENER_TYPE, resource_names: ['*', 'l1'] },
      respond: true,
      kind: 'initial',
      wildcard: true,
      names: ['l1'],
    },
    {
      name: 'first request after reconnect carrying an old nonce is still initial',
      state: undefined,
      req: { type_url: ENDPOINT_TYPE, resource_names: ['a'], response_nonce: 'old', version_info: 'v0' },
      respond: true,
      kind: 'initial',
    },
    {
      name: 'ACK with same names: no response',
      state: sentEds,
      req: { type_url: ENDPOINT_TYPE, resource_names: ['a'], response_nonce: 'n1', version_info: 'v1' },
      respond: false,
      kind: 'ack',
    },
    {
      name: 'ACK adding a name: respond',
      state: sentEds,
      req: { type_url: ENDPOINT_TYPE, resource_names: ['a', 'b'], response_nonce: 'n1', version_info: 'v1' },
      respond: true,
      kind: 'subscription-change',
      names: ['a', 'b'],
    },
    {
      name: 'NACK: no response',
      state: sentEds,
      req: {
        type_url: ENDPOINT_TYPE,
        resource_names: ['a'],
        response_nonce: 'n1',
        version_info: 'v0',
        error_detail: { code: 3, message: 'bad' },
      },
      respond: false,
      kind: 'nack',
    },
    {
      name: 'NACK that also changes names: respond',
      state: sentEds,
      req: {
        type_url: ENDPOINT_TYPE,
        resource_names: ['b'],
        response_nonce: 'n1',
        error_detail: { message: 'bad' },
      },
      respond: true,
      kind: 'nack',
      names: ['b'],
    },
    {
      name: 'stale nonce ignored, subscription kept',
      state: sentEds,
      req: { type_url: ENDPOINT_TYPE, resource_names: ['a', 'z'], response_nonce: 'n0' },
      respond: false,
      kind: 'stale',
      names: ['a'],
    },
    {
      name: 'stale NACK ignored',
      state: sentEds,
      req: {
        type_url: ENDPOINT_TYPE,
        resource_names: ['a'],
        response_nonce: 'n0',
        error_detail: { message: 'x' },
      },
      respond: false,
      kind: 'stale',
    },
    {
      name: 'request without nonce growing names (before any response) is answered',
      state: state(CLUSTER_TYPE, sub(['v1']), { namesEverSent: true }),
      req: { type_url: CLUSTER_TYPE, resource_names: ['v1', 'v2'] },
      respond: true,
      kind: 'subscription-change',
      names: ['v1', 'v2'],
    },
    {
      name: 'repeated request without nonce and same names: no response',
      state: state(CLUSTER_TYPE, sub(['v1']), { namesEverSent: true }),
      req: { type_url: CLUSTER_TYPE, resource_names: ['v1'] },
      respond: false,
      kind: 'duplicate',
    },
    {
      name: 'legacy wildcard ACK with empty names stays wildcard',
      state: state(CLUSTER_TYPE, sub([], true), { sentNonce: 'n1' }),
      req: { type_url: CLUSTER_TYPE, response_nonce: 'n1', version_info: 'v' },
      respond: false,
      kind: 'ack',
      wildcard: true,
    },
    {
      name: 'once names were sent, empty list unsubscribes all',
      state: state(CLUSTER_TYPE, sub(['c1']), { sentNonce: 'n1', namesEverSent: true }),
      req: { type_url: CLUSTER_TYPE, response_nonce: 'n1', resource_names: [] },
      respond: true,
      kind: 'subscription-change',
      wildcard: false,
      names: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = shouldRespondSotw(c.state, c.req);
      expect(d.respond).toBe(c.respond);
      expect(d.kind).toBe(c.kind);
      if (c.wildcard !== undefined) expect(d.subscription.wildcard).toBe(c.wildcard);
      if (c.names) expect(sorted(d.subscription.names)).toEqual(c.names);
    });
  }

  it('reports ACK and NACK details', () => {
    const ack = shouldRespondSotw(sentEds, {
      type_url: ENDPOINT_TYPE,
      resource_names: ['a'],
      response_nonce: 'n1',
      version_info: 'v1',
    });
    expect(ack.ack).toEqual({ nonce: 'n1', version: 'v1' });
    const nack = shouldRespondSotw(sentEds, {
      type_url: ENDPOINT_TYPE,
      resource_names: ['a'],
      response_nonce: 'n1',
      version_info: 'v0',
      error_detail: { code: 13, message: 'boom' },
    });
    expect(nack.nack).toEqual({ nonce: 'n1', version: 'v0', code: 13, message: 'boom' });
    expect(nack.ack).toBeUndefined();
  });
});

describe('shouldRespondDelta', () => {
  it('first request: legacy wildcard for CDS, forced names, initial versions', () => {
    const d = shouldRespondDelta(undefined, { type_url: CLUSTER_TYPE });
    expect(d).toMatchObject({ respond: true, kind: 'initial', forceAll: false });
    expect(d.forceNames.size).toBe(0);
    expect(d.subscription.wildcard).toBe(true);

    const e = shouldRespondDelta(undefined, {
      type_url: ENDPOINT_TYPE,
      resource_names_subscribe: ['a', 'b', 'c'],
      initial_resource_versions: { a: '1', gone: '2' },
    });
    expect(e.subscription.wildcard).toBe(false);
    expect([...e.forceNames].sort()).toEqual(['b', 'c']);
    expect([...e.initialVersions!]).toEqual([
      ['a', '1'],
      ['gone', '2'],
    ]);
  });

  it('first EDS request without names is not wildcard', () => {
    const d = shouldRespondDelta(undefined, { type_url: ENDPOINT_TYPE });
    expect(d.subscription.wildcard).toBe(false);
  });

  it('subscribe forces the names even with a stale nonce', () => {
    const s = state(ENDPOINT_TYPE, sub(['a']), { sentNonce: 'n2', namesEverSent: true });
    const d = shouldRespondDelta(s, {
      type_url: ENDPOINT_TYPE,
      resource_names_subscribe: ['a', 'b'],
      response_nonce: 'n1',
    });
    expect(d.respond).toBe(true);
    expect(d.kind).toBe('subscription-change');
    expect([...d.forceNames].sort()).toEqual(['a', 'b']);
    expect(sorted(d.subscription.names)).toEqual(['a', 'b']);
    expect(d.ack).toBeUndefined();
  });

  it('unsubscribe without wildcard: no response, forget', () => {
    const s = state(ENDPOINT_TYPE, sub(['a', 'b']), { sentNonce: 'n1', namesEverSent: true });
    const d = shouldRespondDelta(s, { type_url: ENDPOINT_TYPE, resource_names_unsubscribe: ['b'] });
    expect(d.respond).toBe(false);
    expect(d.forget).toEqual(['b']);
    expect(sorted(d.subscription.names)).toEqual(['a']);
  });

  it('unsubscribe of a name also covered by wildcard must be answered', () => {
    const s = state(CLUSTER_TYPE, sub(['c1'], true), { sentNonce: 'n1', namesEverSent: true });
    const d = shouldRespondDelta(s, { type_url: CLUSTER_TYPE, resource_names_unsubscribe: ['c1'] });
    expect(d.respond).toBe(true);
    expect([...d.forceNames]).toEqual(['c1']);
    expect(d.forget).toEqual([]);
  });

  it('legacy wildcard ends when names are subscribed without *', () => {
    const s = state(CLUSTER_TYPE, sub([], true), { sentNonce: 'n1' });
    const d = shouldRespondDelta(s, { type_url: CLUSTER_TYPE, resource_names_subscribe: ['c1'] });
    expect(d.subscription.wildcard).toBe(false);
    expect(d.forgetUnlisted).toBe(true);
    const keep = shouldRespondDelta(s, { type_url: CLUSTER_TYPE, resource_names_subscribe: ['*', 'c1'] });
    expect(keep.subscription.wildcard).toBe(true);
    expect(keep.forceAll).toBe(false);
  });

  it('subscribing * forces all; unsubscribing * forgets unlisted', () => {
    const s = state(CLUSTER_TYPE, sub(['c1']), { sentNonce: 'n1', namesEverSent: true });
    const d = shouldRespondDelta(s, { type_url: CLUSTER_TYPE, resource_names_subscribe: ['*'] });
    expect(d).toMatchObject({ respond: true, forceAll: true });
    const w = state(CLUSTER_TYPE, sub(['c1'], true), { sentNonce: 'n1', namesEverSent: true });
    const u = shouldRespondDelta(w, { type_url: CLUSTER_TYPE, resource_names_unsubscribe: ['*'] });
    expect(u).toMatchObject({ respond: false, forgetUnlisted: true });
    expect(u.subscription.wildcard).toBe(false);
  });

  it('ACK, NACK and stale nonces', () => {
    const s = state(ENDPOINT_TYPE, sub(['a']), { sentNonce: 'n2', sentVersion: 'p2', ackedVersion: 'p1' });
    const ack = shouldRespondDelta(s, { type_url: ENDPOINT_TYPE, response_nonce: 'n2' });
    expect(ack).toMatchObject({ respond: false, kind: 'ack', ack: { nonce: 'n2', version: 'p2' } });
    const nack = shouldRespondDelta(s, {
      type_url: ENDPOINT_TYPE,
      response_nonce: 'n2',
      error_detail: { message: 'no' },
    });
    expect(nack).toMatchObject({
      respond: false,
      kind: 'nack',
      nack: { nonce: 'n2', message: 'no', version: 'p1' },
    });
    const stale = shouldRespondDelta(s, { type_url: ENDPOINT_TYPE, response_nonce: 'n1' });
    expect(stale).toMatchObject({ respond: false, kind: 'stale' });
  });
});
