import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/options.js';

describe('parseArgs', () => {
  it('gives istiod defaults for discovery', () => {
    const r = parseArgs(['discovery', '--config-dir', 'cfg']);
    expect(r).toMatchObject({
      ok: true,
      options: {
        command: 'discovery',
        configDir: 'cfg',
        xdsAddress: '0.0.0.0:15010',
        httpAddress: '0.0.0.0:15014',
        webhookAddress: '0.0.0.0:15017',
        debounceAfterMs: 100,
        debounceMaxMs: 10_000,
      },
    });
  });

  it('accepts --flag=value and numeric options', () => {
    const r = parseArgs([
      'discovery',
      '--xds-address=127.0.0.1:0',
      '--debounce-after',
      '5',
      '--registries',
      'consul,eureka',
    ]);
    expect(r).toMatchObject({
      ok: true,
      options: { xdsAddress: '127.0.0.1:0', debounceAfterMs: 5, registries: ['consul', 'eureka'] },
    });
  });

  it('parses a namespace selector', () => {
    expect(parseArgs(['discovery', '--namespace-selector', 'istio-discovery=enabled,team=a'])).toMatchObject({
      ok: true,
      options: { namespaceSelector: { 'istio-discovery': 'enabled', team: 'a' } },
    });
    expect(parseArgs(['discovery', '--namespace-selector', 'nokey'])).toMatchObject({ ok: false });
  });

  it('names the bad flag', () => {
    expect(parseArgs(['discovery', '--nope', 'x'])).toMatchObject({
      ok: false,
      error: expect.stringContaining('--nope'),
    });
    expect(parseArgs(['discovery', '--xds-address', 'nocolon'])).toMatchObject({
      ok: false,
      error: expect.stringContaining('xdsAddress'),
    });
    expect(parseArgs(['discovery', '--registries', 'zookeeper'])).toMatchObject({ ok: false });
  });

  it('collects -f files for validate and requires one', () => {
    expect(parseArgs(['validate', '-f', 'a.yaml', '-f', 'b.yaml'])).toMatchObject({
      ok: true,
      options: { command: 'validate', files: ['a.yaml', 'b.yaml'] },
    });
    expect(parseArgs(['validate'])).toMatchObject({ ok: false });
  });

  it('rejects an unknown command', () => {
    expect(parseArgs(['frobnicate'])).toMatchObject({ ok: false });
    expect(parseArgs([])).toMatchObject({ ok: false });
  });
});
