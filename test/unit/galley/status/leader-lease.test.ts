/** Status leader election on a Lease (issue 8): acquire, renew, observed-time expiry, races, release, solo fallback. */
import { describe, expect, it } from 'vitest';
import { KubeStatusError } from '../../../../src/galley/sources/kube-http.js';
import { LeaderLease, microTime } from '../../../../src/galley/status/leader-lease.js';
import { silentLogger } from '../../../../src/util/log.js';
import { FakeCoordinationApi } from './fake-coordination-api.js';

function elector(
  api: FakeCoordinationApi,
  identity: string,
  clock: { t: number },
  changes: boolean[] = [],
): LeaderLease {
  return new LeaderLease({
    api,
    namespace: 'meshplane-system',
    identity,
    leaseDurationMs: 4000,
    logger: silentLogger(),
    now: () => clock.t,
    onChange: (leader) => changes.push(leader),
  });
}

describe('LeaderLease', () => {
  it('creates the Lease when absent and renews it; the other replica stays follower', async () => {
    const api = new FakeCoordinationApi();
    const clock = { t: 1_000_000 };
    const changes: boolean[] = [];
    const a = elector(api, 'a', clock, changes);
    const b = elector(api, 'b', clock);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(api.holder()).toBe('a');
    expect(api.leases.get('meshplane-status-leader')!.spec).toMatchObject({
      leaseDurationSeconds: 4,
      leaseTransitions: 0,
    });
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.t += 1500;
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(api.leases.get('meshplane-status-leader')!.spec!.renewTime).toBe(microTime(clock.t));
    // b keeps seeing renewals: never takes over, however long it runs.
    for (let i = 0; i < 5; i++) {
      clock.t += 1500;
      expect(await a.tryAcquireOrRenew()).toBe(true);
      expect(await b.tryAcquireOrRenew()).toBe(false);
    }
    expect(changes).toEqual([true]);
    expect(b.holder()).toBe('a');
  });

  it('takes over only after observing the record unchanged for a whole lease duration', async () => {
    const api = new FakeCoordinationApi();
    const clock = { t: 5_000_000 };
    const a = elector(api, 'a', clock);
    const b = elector(api, 'b', clock);
    await a.tryAcquireOrRenew();
    expect(await b.tryAcquireOrRenew()).toBe(false); // first observation
    clock.t += 3999;
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.t += 2;
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(api.holder()).toBe('b');
    expect(api.leases.get('meshplane-status-leader')!.spec!.leaseTransitions).toBe(1);
  });

  it('judges expiry by its own observation, not the holder clock (skew-proof)', async () => {
    const api = new FakeCoordinationApi();
    const a = elector(api, 'a', { t: 0 }); // a's clock is far behind: renewTime looks ancient
    await a.tryAcquireOrRenew();
    const b = elector(api, 'b', { t: 9_000_000_000 });
    expect(await b.tryAcquireOrRenew()).toBe(false);
  });

  it('a lost race (409) leaves the replica follower; a leader that cannot renew steps down after the duration', async () => {
    const api = new FakeCoordinationApi();
    const clock = { t: 1_000 };
    const changes: boolean[] = [];
    const a = elector(api, 'a', clock, changes);
    await a.tryAcquireOrRenew();
    api.failures = [0];
    clock.t += 2000;
    expect(await a.tryAcquireOrRenew()).toBe(true); // still within the lease it holds
    api.failures = [0];
    clock.t += 2500;
    expect(await a.tryAcquireOrRenew()).toBe(false);
    expect(changes).toEqual([true, false]);

    // Two replicas read the same record and both try to take it: one gets a 409 and follows.
    const api2 = new FakeCoordinationApi();
    const c = elector(api2, 'c', clock);
    const d = elector(api2, 'd', clock);
    await c.tryAcquireOrRenew();
    await c.stop(); // released: empty holder
    const [rc, rd] = await Promise.all([
      elector(api2, 'e', clock).tryAcquireOrRenew(),
      d.tryAcquireOrRenew(),
    ]);
    expect([rc, rd].filter(Boolean)).toHaveLength(1);
  });

  it('releases the Lease on stop so a successor takes it at once', async () => {
    const api = new FakeCoordinationApi();
    const clock = { t: 1_000 };
    const a = elector(api, 'a', clock);
    const b = elector(api, 'b', clock);
    await a.tryAcquireOrRenew();
    expect(await b.tryAcquireOrRenew()).toBe(false);
    await a.stop();
    expect(a.isLeader()).toBe(false);
    expect(api.holder()).toBeNull();
    expect(await b.tryAcquireOrRenew()).toBe(true);
  });

  it('leads alone, with no Lease, when its namespace does not exist or RBAC forbids it', async () => {
    const api = new FakeCoordinationApi();
    const clock = { t: 1_000 };
    const a = elector(api, 'a', clock);
    const original = api.createLease.bind(api);
    let createCode = 404;
    api.createLease = async (ns, lease) => {
      if (createCode) throw new KubeStatusError(createCode, 'namespaces "meshplane-system" not found');
      return original(ns, lease);
    };
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(a.isSolo()).toBe(true);
    createCode = 403;
    expect(await a.tryAcquireOrRenew()).toBe(true);
    // The namespace appears: the Lease is created and used from then on.
    createCode = 0;
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(a.isSolo()).toBe(false);
    expect(api.holder()).toBe('a');
  });
});
