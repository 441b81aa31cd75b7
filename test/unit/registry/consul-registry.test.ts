import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsulRegistry } from '../../../src/registry/consul/controller.js';
import { MeshplaneMetrics } from '../../../src/util/metrics.js';
import { FakeConsul } from '../../conformance/fakes/fake-consul.js';
import { capturingLogger, until } from './remote-registry-support.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(query = 'wait=2', opts: { minIdleIntervalMs?: number } = {}) {
  const fake = new FakeConsul();
  await fake.start();
  const metrics = new MeshplaneMetrics();
  const { logger, lines } = capturingLogger();
  const registry = new ConsulRegistry({
    address: `${fake.url}?${query}`,
    logger,
    metrics,
    minIdleIntervalMs: opts.minIdleIntervalMs ?? 50,
    backoffBaseMs: 50,
    backoffMaxMs: 100,
  });
  cleanup.push(
    () => fake.stop(),
    () => registry.close(),
  );
  return { fake, registry, metrics, lines };
}

const web = (id: string, address: string, extra: Record<string, unknown> = {}) => ({
  id,
  address,
  port: 9000,
  meta: { protocol: 'grpc' },
  ...extra,
});

describe('ConsulRegistry', () => {
  it('uses blocking queries: index and wait from X-Consul-Index, no request while nothing changes', async () => {
    const { fake, registry } = await setup('wait=2');
    fake.set('web', [web('a', '127.0.0.1')]);
    await registry.start();
    expect(await registry.waitForSync(3000)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const health = fake.http.requests.filter((r) => r.startsWith('/v1/health/service/web'));
    // One plain read, then one blocking query held open by the agent: no polling.
    expect(health).toHaveLength(2);
    expect(health[0]).toBe('/v1/health/service/web');
    expect(health[1]).toMatch(/^\/v1\/health\/service\/web\?index=\d+&wait=2s$/);
    expect(fake.http.requests.filter((r) => r.startsWith('/v1/catalog/services'))).toHaveLength(2);
    fake.set('web', [web('a', '127.0.0.1'), web('b', '127.0.0.2')]);
    await until('second instance', () => registry.endpoints(registry.services()[0]!).length === 2);
  });

  it('sends the ACL token and the datacenter; reads the token from a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'consul-token-'));
    writeFileSync(path.join(dir, 'token'), 'from-file\n');
    const { fake, registry } = await setup(
      `dc=dc7&token-file=${encodeURIComponent(path.join(dir, 'token'))}`,
    );
    await registry.start();
    await registry.waitForSync(3000);
    expect(fake.http.requests[0]).toBe('/v1/catalog/services?dc=dc7');
    expect(fake.http.requestHeaders[0]!['x-consul-token']).toBe('from-file');
  });

  it('resets the index when it goes backwards (a restarted agent)', async () => {
    const { fake, registry } = await setup();
    fake.set('web', [web('a', '127.0.0.1')]);
    await registry.start();
    await registry.waitForSync(3000);
    const beforeReset = fake.http.requests.length;
    fake.reset();
    fake.set('api', [web('x', '127.0.0.3')]);
    await until(
      'api after the reset',
      () =>
        registry
          .services()
          .map((s) => s.hostname)
          .join() === 'api.service.consul',
    );
    // The next blocking query waits at the restarted agent's index (it may not be sent yet the
    // moment the services changed: wait for it rather than read the last request).
    const catalogSinceReset = (): string[] =>
      fake.http.requests.slice(beforeReset).filter((r) => r.startsWith('/v1/catalog/services'));
    await until('a blocking catalog query at the new index', () =>
      catalogSinceReset().some((r) => /index=3&/.test(r)),
    );
    expect(catalogSinceReset().at(-1)).toMatch(/index=3&/);
  });

  it('rate limits a loop whose index does not advance (no busy polling)', async () => {
    const { fake, registry } = await setup('wait=30', { minIdleIntervalMs: 400 });
    fake.set('web', [web('a', '127.0.0.1')]);
    await registry.start();
    await registry.waitForSync(3000);
    fake.noBlock = true;
    fake.set('web', [web('a', '127.0.0.1')]);
    const before = fake.http.requests.length;
    await new Promise((r) => setTimeout(r, 1000));
    // Two loops (catalog, web), each at most one request per 400 ms while the index stands still.
    const made = fake.http.requests.length - before;
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThanOrEqual(8);
  });

  it('an outage keeps endpoints, logs once, sets the stale gauge and counts errors; the return resyncs', async () => {
    const { fake, registry, metrics, lines } = await setup();
    fake.set('web', [web('a', '127.0.0.1')]);
    await registry.start();
    await registry.waitForSync(3000);
    const port = fake.http.port;
    await fake.stop();
    await until('stale', () => registry.stale);
    await new Promise((r) => setTimeout(r, 300));
    expect(registry.services().map((s) => s.hostname)).toEqual(['web.service.consul']);
    expect(registry.endpoints(registry.services()[0]!).map((e) => e.address)).toEqual(['127.0.0.1']);
    const text = await metrics.text();
    expect(text).toMatch(/meshplane_registry_stale\{provider="consul"\} 1/);
    expect(
      Number(/meshplane_registry_sync_errors_total\{provider="consul"\} (\d+)/.exec(text)?.[1]),
    ).toBeGreaterThan(1);
    expect(lines.filter((l) => l.level === 40 && /unreachable/.test(l.msg))).toHaveLength(1);
    fake.set('web', [web('b', '127.0.0.2')]);
    await fake.start(port);
    await until(
      'resync',
      () => !registry.stale && registry.endpoints(registry.services()[0]!)[0]?.address === '127.0.0.2',
    );
    expect(await metrics.text()).toMatch(/meshplane_registry_stale\{provider="consul"\} 0/);
    expect(lines.some((l) => /reachable again/.test(l.msg))).toBe(true);
  });

  it('a 500 from the agent (no leader) is a failure, not an empty catalog', async () => {
    const { fake, registry } = await setup();
    fake.set('web', [web('a', '127.0.0.1')]);
    await registry.start();
    await registry.waitForSync(3000);
    fake.failWith = 500;
    fake.set('web', [web('a', '127.0.0.1'), web('b', '127.0.0.2')]);
    await until('stale', () => registry.stale);
    expect(registry.endpoints(registry.services()[0]!)).toHaveLength(1);
    fake.failWith = undefined;
    await until('resync', () => !registry.stale && registry.endpoints(registry.services()[0]!).length === 2);
  });

  it('warning instances serve only with warning=serve', async () => {
    const strict = await setup();
    strict.fake.set('web', [web('a', '127.0.0.1', { checks: ['warning'] })]);
    await strict.registry.start();
    await strict.registry.waitForSync(3000);
    expect(strict.registry.endpoints(strict.registry.services()[0]!)[0]!.healthy).toBe(false);
    const lenient = await setup('warning=serve');
    lenient.fake.set('web', [web('a', '127.0.0.1', { checks: ['warning'] })]);
    await lenient.registry.start();
    await lenient.registry.waitForSync(3000);
    expect(lenient.registry.endpoints(lenient.registry.services()[0]!)[0]!.healthy).toBe(true);
  });

  it('waitForSync gives up after its timeout when Consul is down at start', async () => {
    const { fake, registry } = await setup();
    await fake.stop();
    await registry.start();
    expect(await registry.waitForSync(300)).toBe(false);
    expect(registry.stale).toBe(true);
    expect(registry.services()).toEqual([]);
  });
});
