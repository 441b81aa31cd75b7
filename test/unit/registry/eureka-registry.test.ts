import { afterEach, describe, expect, it } from 'vitest';
import { EurekaRegistry } from '../../../src/registry/eureka/controller.js';
import { MeshplaneMetrics } from '../../../src/util/metrics.js';
import { FakeEureka } from '../../conformance/fakes/fake-eureka.js';
import { capturingLogger, until } from './remote-registry-support.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(intervalMs = 100) {
  const fake = new FakeEureka();
  await fake.start();
  const metrics = new MeshplaneMetrics();
  const { logger, lines } = capturingLogger();
  const registry = new EurekaRegistry({
    url: fake.url,
    logger,
    metrics,
    intervalMs,
    backoffBaseMs: 50,
    backoffMaxMs: 100,
  });
  cleanup.push(
    () => fake.stop(),
    () => registry.close(),
  );
  return { fake, registry, metrics, lines };
}

const reviews = (id: string, address: string, status = 'UP') => ({
  app: 'reviews',
  id,
  address,
  port: 9080,
  status,
  metadata: { version: id },
});

describe('EurekaRegistry', () => {
  it('fetches the full registry once, then deltas', async () => {
    const { fake, registry } = await setup();
    fake.upsert(reviews('v1', '127.0.0.1'));
    fake.clearDelta();
    await registry.start();
    expect(await registry.waitForSync(3000)).toBe(true);
    fake.upsert(reviews('v2', '127.0.0.2'));
    await until('delta applied', () => registry.endpoints(registry.services()[0]!).length === 2);
    fake.remove('reviews', 'v1');
    await until(
      'delete applied',
      () =>
        registry
          .endpoints(registry.services()[0]!)
          .map((e) => e.address)
          .join() === '127.0.0.2',
    );
    expect(fake.fullFetches).toBe(1);
    expect(fake.deltaFetches).toBeGreaterThan(1);
    expect(registry.fullFetches).toBe(1);
  });

  it('a hashcode mismatch after a delta triggers a full fetch', async () => {
    const { fake, registry } = await setup();
    fake.upsert(reviews('v1', '127.0.0.1'));
    await registry.start();
    await registry.waitForSync(3000);
    fake.loseDeltas = true;
    fake.upsert(reviews('v2', '127.0.0.2'));
    await until('full fetch caught up', () => registry.endpoints(registry.services()[0]!).length === 2);
    expect(fake.fullFetches).toBeGreaterThanOrEqual(2);
  });

  it('a status change is an endpoints-only change', async () => {
    const { fake, registry } = await setup();
    fake.upsert(reviews('v1', '127.0.0.1'));
    await registry.start();
    await registry.waitForSync(3000);
    const changes: unknown[] = [];
    registry.onChange((c) => changes.push(c));
    fake.upsert(reviews('v1', '127.0.0.1', 'DOWN'));
    await until('down', () => registry.endpoints(registry.services()[0]!)[0]?.healthy === false);
    expect(changes).toEqual([{ servicesChanged: [], endpointsChanged: ['reviews.eureka'] }]);
  });

  it('an outage keeps endpoints and says stale; the return is a full fetch that resyncs', async () => {
    const { fake, registry, metrics, lines } = await setup();
    fake.upsert(reviews('v1', '127.0.0.1'));
    await registry.start();
    await registry.waitForSync(3000);
    const port = fake.http.port;
    await fake.stop();
    await until('stale', () => registry.stale);
    expect(registry.endpoints(registry.services()[0]!).map((e) => e.address)).toEqual(['127.0.0.1']);
    expect(await metrics.text()).toMatch(/meshplane_registry_stale\{provider="eureka"\} 1/);
    expect(lines.filter((l) => l.level === 40 && /eureka registry unreachable/.test(l.msg))).toHaveLength(1);
    fake.reset();
    fake.upsert(reviews('v3', '127.0.0.3'));
    const fullBefore = fake.fullFetches;
    await fake.start(port);
    await until(
      'resync',
      () => !registry.stale && registry.endpoints(registry.services()[0]!)[0]?.address === '127.0.0.3',
    );
    expect(fake.fullFetches).toBeGreaterThan(fullBefore);
    expect(await metrics.text()).toMatch(/meshplane_registry_stale\{provider="eureka"\} 0/);
  });

  it('an empty registry is applied, not mistaken for a failure', async () => {
    const { fake, registry } = await setup();
    fake.upsert(reviews('v1', '127.0.0.1'));
    await registry.start();
    await registry.waitForSync(3000);
    fake.remove('reviews', 'v1');
    await until('empty', () => registry.services().length === 0);
    expect(registry.stale).toBe(false);
  });
});
