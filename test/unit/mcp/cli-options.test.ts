import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/options.js';

describe('meshplane galley / pilot flags (issue 5)', () => {
  it('parses galley with its MCP default (0.0.0.0:9901)', () => {
    const r = parseArgs(['galley', '--config-dir', 'cfg']);
    expect(r.ok && r.options).toMatchObject({
      command: 'galley',
      configDir: 'cfg',
      mcpAddress: '0.0.0.0:9901',
      httpAddress: '0.0.0.0:15014',
    });
    const k = parseArgs(['galley', '--kubeconfig', 'kc', '--mcp-address', '127.0.0.1:7000']);
    expect(k.ok && k.options).toMatchObject({ kubeconfig: 'kc', mcpAddress: '127.0.0.1:7000' });
  });

  it('parses pilot, which needs --mcp-server', () => {
    const r = parseArgs([
      'pilot',
      '--mcp-server',
      'galley.istio-system:9901',
      '--registries',
      'kubernetes',
      '--xds-address',
      '127.0.0.1:15010',
    ]);
    expect(r.ok && r.options).toMatchObject({
      command: 'pilot',
      mcpServer: 'galley.istio-system:9901',
      registries: ['kubernetes'],
      xdsAddress: '127.0.0.1:15010',
      httpAddress: '0.0.0.0:15014',
    });
    const missing = parseArgs(['pilot']);
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.error).toMatch(/mcpServer/);
  });

  it('rejects a flag that belongs to another command instead of dropping it', () => {
    const r = parseArgs(['pilot', '--mcp-server', 'g:9901', '--config-dir', 'cfg']);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/pilot does not take --config-dir/);
    expect(parseArgs(['galley', '--xds-address', '1.2.3.4:1']).ok).toBe(false);
  });

  it('lets discovery also expose its Galley over MCP', () => {
    const r = parseArgs(['discovery', '--config-dir', 'cfg', '--mcp-address', '0.0.0.0:9901']);
    expect(r.ok && r.options).toMatchObject({ command: 'discovery', mcpAddress: '0.0.0.0:9901' });
    const d = parseArgs(['discovery']);
    expect(d.ok && d.options.command === 'discovery' && d.options.mcpAddress).toBeUndefined();
  });
});
