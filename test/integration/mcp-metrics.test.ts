/**
 * `/metrics` of a real `meshplane discovery` (Galley and Pilot in one process, over loopback
 * MCP): meshplane's own MCP series (issue 8) move with a config change — the Pilot connected to
 * Galley, the resources it holds per collection, responses pushed by Galley and applied by Pilot.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshplaneProcess, waitFor } from './support/harness.js';

const SE = 'networking.istio.io/v1alpha3/ServiceEntry';

const serviceEntry = (name: string): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: default }
spec:
  hosts: [${name}.example.com]
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  endpoints: [{ address: 10.1.1.1 }]
`;

let dir: string;
let meshplane: MeshplaneProcess;

async function series(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${meshplane.httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshplane-mcp-metrics-'));
  writeFileSync(path.join(dir, 'a.yaml'), serviceEntry('a'));
  meshplane = await MeshplaneProcess.start(dir);
}, 30_000);

afterAll(async () => {
  await meshplane?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('MCP metrics', () => {
  it('show the Pilot connected to Galley and follow a config change', async () => {
    expect(await series('meshplane_mcp_clients')).toBe(1);
    expect(await series('meshplane_mcp_connected')).toBe(1);
    expect(await series(`meshplane_mcp_resources{collection="${SE}"}`)).toBe(1);
    const pushed = await series(`meshplane_mcp_pushes_total{collection="${SE}"}`);
    const applied = await series(`meshplane_mcp_applied_total{collection="${SE}"}`);
    expect(pushed).toBeGreaterThanOrEqual(1);
    expect(applied).toBeGreaterThanOrEqual(1);

    writeFileSync(path.join(dir, 'b.yaml'), serviceEntry('b'));
    await waitFor(
      'the Pilot to hold two ServiceEntries',
      async () => (await series(`meshplane_mcp_resources{collection="${SE}"}`)) === 2,
    );
    expect(await series(`meshplane_mcp_pushes_total{collection="${SE}"}`)).toBeGreaterThan(pushed);
    expect(await series(`meshplane_mcp_applied_total{collection="${SE}"}`)).toBeGreaterThan(applied);
    expect(await series(`meshplane_mcp_nacks_total{collection="${SE}"}`)).toBeNaN();
  });
});
