import { describe, expect, it } from 'vitest';
import { buildDeltaContent, buildSotwContent, versionOf } from '../../../src/xds/build-response.js';
import type { EncodedResource } from '../../../src/xds/source.js';
import { structToJson } from '../../../src/xds/struct.js';

const T = 'type.googleapis.com/x';
const r = (name: string, version: string): EncodedResource => ({
  name,
  version,
  typeUrl: T,
  value: new Uint8Array([1]),
});

describe('buildSotwContent', () => {
  it('keeps subscribed names only, sorted, unique, with a content-hash version', () => {
    const c = buildSotwContent([r('b', '1'), r('a', '1'), r('b', '2'), r('x', '1')], {
      wildcard: false,
      names: new Set(['a', 'b', 'missing']),
    });
    expect(c.resources.map((x) => `${x.name}@${x.version}`)).toEqual(['a@1', 'b@1']);
    expect(c.version).toBe(versionOf([r('a', '1'), r('b', '1')]));
    expect(c.version).not.toBe(versionOf([r('a', '1'), r('b', '2')]));
    const all = buildSotwContent([r('b', '1'), r('a', '1')], { wildcard: true, names: new Set() });
    expect(all.resources.map((x) => x.name)).toEqual(['a', 'b']);
    expect(all.version).toBe(c.version);
  });
});

describe('buildDeltaContent', () => {
  it('sends changed and forced resources, removes held names that are gone and forced names that do not exist', () => {
    const held = new Map([
      ['a', '1'],
      ['b', '1'],
      ['gone', '1'],
    ]);
    const c = buildDeltaContent(
      [r('a', '1'), r('b', '2'), r('c', '1')],
      { wildcard: true, names: new Set() },
      held,
      { names: new Set(['nope']), all: false },
    );
    expect(c.resources.map((x) => x.name)).toEqual(['b', 'c']);
    expect(c.removed).toEqual(['gone', 'nope']);
    const forced = buildDeltaContent([r('a', '1')], { wildcard: false, names: new Set(['a']) }, held, {
      names: new Set(['a']),
      all: false,
    });
    expect(forced.resources.map((x) => x.name)).toEqual(['a']);
  });
});

describe('structToJson', () => {
  it('converts decoded Struct values of both spellings', () => {
    expect(
      structToJson({
        fields: {
          GENERATOR: { stringValue: 'grpc', kind: 'stringValue' },
          LABELS: { structValue: { fields: { app: { string_value: 'a' } } } },
          N: { numberValue: 2 },
          B: { boolValue: false },
          L: { listValue: { values: [{ stringValue: 'x' }] } },
          Z: { nullValue: 'NULL_VALUE' },
        },
      }),
    ).toEqual({ GENERATOR: 'grpc', LABELS: { app: 'a' }, N: 2, B: false, L: ['x'], Z: null });
  });
});
