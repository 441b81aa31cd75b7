/**
 * meshplane against a real Consul agent (`consul agent -dev` on 127.0.0.1, built by
 * test/e2e/peers/build-consul.sh): instances registered in Consul, pointing at real gRPC backends
 * on 127.0.0.1, receive traffic from a real proxyless gRPC client (@grpc/grpc-js-xds) routed by
 * meshplane (`--registries consul --consul-address ...`); Istio's DestinationRule subsets (by Consul
 * tag) and VirtualService weights apply to them; a deregistered or failing instance stops
 * receiving traffic; killing Consul keeps traffic on the last known endpoints and its return
 * resyncs. Run `npm run build` and `test/e2e/peers/build-consul.sh` first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../examples/echo-service.js';
import { freePort, MeshplaneProcess, waitFor, XdsClientProcess } from '../integration/support/harness.js';
import { GateProxy } from './support/gate-proxy.js';
import { ConsulAgent } from './support/registry-peers.js';
import {
  convergeTo,
  destinationRule,
  metric,
  share,
  weightedRoute,
  writeConfig,
} from './support/registry-traffic.js';

const HOST = 'echo.service.consul';
const TARGET = `xds:///${HOST}:80`;
const BACKENDS = { 'v1-a': 'v1', 'v1-b': 'v1', 'v2-a': 'v2' } as const;
type Name = keyof typeof BACKENDS;

let dir: string;
let consul: ConsulAgent;
let gate: GateProxy;
let meshplane: MeshplaneProcess;
let client: XdsClientProcess;
const servers: grpc.Server[] = [];
const ports = {} as Record<Name, number>;

function register(name: Name): Promise<void> {
  return consul.register({
    id: name,
    name: 'echo',
    port: ports[name],
    tags: [`version=${BACKENDS[name]}`],
    meta: { protocol: 'grpc', backend: name },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshplane-consul-'));
  consul = await ConsulAgent.start();
  for (const name of Object.keys(BACKENDS) as Name[]) {
    ports[name] = await freePort();
    servers.push(await startBackend(name, ports[name]));
    await register(name);
  }
  writeConfig(dir, 'dr.yaml', destinationRule(HOST, { v1: { version: 'v1' }, v2: { version: 'v2' } }));
  // meshplane reaches Consul through a gate the test controls (support/gate-proxy.ts).
  gate = await GateProxy.start(consul.httpPort);
  meshplane = await MeshplaneProcess.startDiscovery([
    '--config-dir',
    dir,
    '--registries',
    'consul',
    '--consul-address',
    `http://127.0.0.1:${gate.port}?wait=30`,
  ]);
  client = await XdsClientProcess.start(meshplane.xdsPort);
}, 180_000);

afterAll(async () => {
  await client?.stop();
  await meshplane?.stop();
  await consul?.kill();
  await gate?.shut();
  for (const s of servers) s.forceShutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('meshplane with a real Consul agent', () => {
  it('routes a proxyless gRPC client to every passing instance registered in Consul', async () => {
    const counts = await convergeTo(client, TARGET, ['v1-a', 'v1-b', 'v2-a'], 60);
    expect(counts['v1-a']).toBeGreaterThan(0);
  });

  it('applies a DestinationRule subset by tag and a VirtualService weight split', async () => {
    writeConfig(dir, 'vs.yaml', weightedRoute(HOST, { v2: 100 }));
    await convergeTo(client, TARGET, ['v2-a']);
    writeConfig(dir, 'vs.yaml', weightedRoute(HOST, { v1: 75, v2: 25 }));
    await convergeTo(client, TARGET, ['v1-a', 'v1-b', 'v2-a'], 40);
    const counts = await client.call(TARGET, 400);
    expect(share(counts, 'v1-')).toBeGreaterThan(0.62);
    expect(share(counts, 'v1-')).toBeLessThan(0.88);
    expect(share(counts, 'v2-')).toBeGreaterThan(0.12);
    expect(share(counts, 'error')).toBe(0);
  });

  it('stops sending traffic to a deregistered instance', async () => {
    writeConfig(dir, 'vs.yaml', weightedRoute(HOST, { v1: 100 }));
    await convergeTo(client, TARGET, ['v1-a', 'v1-b']);
    await consul.deregister('v1-b');
    await convergeTo(client, TARGET, ['v1-a']);
    await register('v1-b');
    await convergeTo(client, TARGET, ['v1-a', 'v1-b']);
  });

  it('stops sending traffic to a failing instance and resumes when it passes', async () => {
    await consul.setCheck('v1-a', 'fail');
    await convergeTo(client, TARGET, ['v1-b']);
    // warning does not serve by default either
    await consul.setCheck('v1-a', 'warn');
    await new Promise((r) => setTimeout(r, 1500));
    const counts = await client.call(TARGET, 40);
    expect(Object.keys(counts)).toEqual(['v1-b']);
    await consul.setCheck('v1-a', 'pass');
    await convergeTo(client, TARGET, ['v1-a', 'v1-b']);
  });

  it('keeps traffic on the last known endpoints while Consul is down, and resyncs when it returns', async () => {
    expect(await metric(meshplane.httpPort, 'meshplane_registry_stale{provider="consul"}')).toBe(0);
    await consul.kill();
    await waitFor(
      'stale metric',
      async () => (await metric(meshplane.httpPort, 'meshplane_registry_stale{provider="consul"}')) === 1,
      20_000,
      200,
    );
    expect(meshplane.logs.some((l) => /consul registry unreachable/.test(l.msg))).toBe(true);
    // Traffic keeps flowing to the last known instances for as long as Consul is away.
    for (let i = 0; i < 3; i++) {
      const counts = await client.call(TARGET, 40);
      expect(Object.keys(counts).sort()).toEqual(['v1-a', 'v1-b']);
      await new Promise((r) => setTimeout(r, 1000));
    }
    // Back, empty (dev mode keeps nothing): the instances register again, v1-b without v1-a;
    // meshplane sees the agent once they have.
    await gate.shut();
    await consul.restart();
    await register('v2-a');
    await register('v1-b');
    await gate.open();
    await convergeTo(client, TARGET, ['v1-b']);
    await waitFor(
      'not stale',
      async () => (await metric(meshplane.httpPort, 'meshplane_registry_stale{provider="consul"}')) === 0,
      20_000,
      200,
    );
    expect(meshplane.logs.some((l) => /consul registry reachable again/.test(l.msg))).toBe(true);
    await register('v1-a');
    await convergeTo(client, TARGET, ['v1-a', 'v1-b']);
  });
});
