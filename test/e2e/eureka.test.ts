/**
 * meshplane against a real Eureka server (Spring Cloud Netflix Eureka Server on 127.0.0.1, built by
 * test/e2e/peers/build-eureka.sh): instances registered in Eureka (VIP `echo`, so host
 * `echo.eureka`), pointing at real gRPC backends on 127.0.0.1, receive traffic from a real
 * proxyless gRPC client (@grpc/grpc-js-xds) routed by meshplane (`--registries eureka --eureka-url
 * ...`, full fetch then delta polling); DestinationRule subsets (by instance metadata) and
 * VirtualService weights apply to them; a deregistered or OUT_OF_SERVICE instance stops receiving
 * traffic; killing Eureka keeps traffic on the last known endpoints and its return resyncs.
 * Run `npm run build` and `test/e2e/peers/build-eureka.sh` first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../../examples/echo-service.js';
import { freePort, MeshplaneProcess, waitFor, XdsClientProcess } from '../integration/support/harness.js';
import { GateProxy } from './support/gate-proxy.js';
import { EurekaClient, EurekaServer } from './support/registry-peers.js';
import {
  convergeTo,
  destinationRule,
  metric,
  share,
  weightedRoute,
  writeConfig,
} from './support/registry-traffic.js';

const HOST = 'echo.eureka';
const TARGET = `xds:///${HOST}:80`;
const BACKENDS = { 'v1-a': 'v1', 'v1-b': 'v1', 'v2-a': 'v2' } as const;
type Name = keyof typeof BACKENDS;
const STALE = 'meshplane_registry_stale{provider="eureka"}';

let dir: string;
let eureka: EurekaServer;
let gate: GateProxy;
let instances: EurekaClient;
let meshplane: MeshplaneProcess;
let client: XdsClientProcess;
const servers: grpc.Server[] = [];
const ports = {} as Record<Name, number>;

function register(name: Name): Promise<void> {
  return instances.register({
    app: 'ECHO',
    id: name,
    port: ports[name],
    vip: 'echo',
    metadata: { version: BACKENDS[name], protocol: 'grpc' },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshplane-eureka-'));
  eureka = await EurekaServer.start();
  instances = new EurekaClient(eureka);
  for (const name of Object.keys(BACKENDS) as Name[]) {
    ports[name] = await freePort();
    servers.push(await startBackend(name, ports[name]));
    await register(name);
  }
  writeConfig(dir, 'dr.yaml', destinationRule(HOST, { v1: { version: 'v1' }, v2: { version: 'v2' } }));
  // meshplane reaches Eureka through a gate the test controls (support/gate-proxy.ts).
  gate = await GateProxy.start(eureka.port);
  meshplane = await MeshplaneProcess.startDiscovery([
    '--config-dir',
    dir,
    '--registries',
    'eureka',
    '--eureka-url',
    `http://127.0.0.1:${gate.port}/eureka?interval=1`,
  ]);
  client = await XdsClientProcess.start(meshplane.xdsPort);
}, 240_000);

afterAll(async () => {
  instances?.stop();
  await client?.stop();
  await meshplane?.stop();
  await eureka?.kill();
  await gate?.shut();
  for (const s of servers) s.forceShutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('meshplane with a real Eureka server', () => {
  it('routes a proxyless gRPC client to every UP instance registered in Eureka', async () => {
    await convergeTo(client, TARGET, ['v1-a', 'v1-b', 'v2-a'], 60);
  });

  it('applies a DestinationRule subset by metadata and a VirtualService weight split', async () => {
    writeConfig(dir, 'vs.yaml', weightedRoute(HOST, { v2: 100 }));
    await convergeTo(client, TARGET, ['v2-a']);
    writeConfig(dir, 'vs.yaml', weightedRoute(HOST, { v1: 25, v2: 75 }));
    await convergeTo(client, TARGET, ['v1-a', 'v1-b', 'v2-a'], 40);
    const counts = await client.call(TARGET, 400);
    expect(share(counts, 'v2-')).toBeGreaterThan(0.62);
    expect(share(counts, 'v2-')).toBeLessThan(0.88);
    expect(share(counts, 'v1-')).toBeGreaterThan(0.12);
    expect(share(counts, 'error')).toBe(0);
  });

  it('stops sending traffic to a deregistered instance', async () => {
    writeConfig(dir, 'vs.yaml', weightedRoute(HOST, { v1: 100 }));
    await convergeTo(client, TARGET, ['v1-a', 'v1-b']);
    await instances.deregister('v1-b');
    await convergeTo(client, TARGET, ['v1-a']);
    await register('v1-b');
    await convergeTo(client, TARGET, ['v1-a', 'v1-b']);
  });

  it('stops sending traffic to an instance taken OUT_OF_SERVICE and resumes when it is UP', async () => {
    await instances.setStatus('v1-a', 'OUT_OF_SERVICE');
    await convergeTo(client, TARGET, ['v1-b']);
    await instances.setStatus('v1-a', 'UP');
    await convergeTo(client, TARGET, ['v1-a', 'v1-b']);
  });

  it('keeps traffic on the last known endpoints while Eureka is down, and resyncs when it returns', async () => {
    expect(await metric(meshplane.httpPort, STALE)).toBe(0);
    await eureka.kill();
    await waitFor('stale metric', async () => (await metric(meshplane.httpPort, STALE)) === 1, 20_000, 200);
    expect(meshplane.logs.some((l) => /eureka registry unreachable/.test(l.msg))).toBe(true);
    for (let i = 0; i < 3; i++) {
      const counts = await client.call(TARGET, 40);
      expect(Object.keys(counts).sort()).toEqual(['v1-a', 'v1-b']);
      await new Promise((r) => setTimeout(r, 1000));
    }
    // While it is away, v1-a leaves. Eureka restarts empty; the others register again on their
    // next heartbeat (404 → register). meshplane sees it back once they have.
    await instances.deregister('v1-a').catch(() => undefined);
    await gate.shut();
    await eureka.restart();
    // Asked instance by instance: Eureka serves those from its registry, where /apps/ECHO comes
    // from a response cache that a read racing a registration can leave stale.
    await waitFor(
      'v1-b and v2-a registered again',
      async () => {
        for (const id of ['v1-b', 'v2-a']) {
          const res = await fetch(`${eureka.url}/apps/ECHO/${id}`, {
            headers: { accept: 'application/json' },
          });
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`GET /apps/ECHO/${id}: ${res.status}; ${instances.lastBeats()}`);
        }
        return true;
      },
      // A JVM restart on two busy cores (the rest of the suite runs beside it) can take this long.
      60_000,
      200,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\neureka output: ${eureka.tail()}`);
    });
    await gate.open();
    await convergeTo(client, TARGET, ['v1-b'], 40, 30_000);
    await waitFor('not stale', async () => (await metric(meshplane.httpPort, STALE)) === 0, 20_000, 200);
    expect(meshplane.logs.some((l) => /eureka registry reachable again/.test(l.msg))).toBe(true);
    await register('v1-a');
    await convergeTo(client, TARGET, ['v1-a', 'v1-b']);
  }, 180_000);
});
