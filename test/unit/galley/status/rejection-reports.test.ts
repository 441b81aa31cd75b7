/**
 * Per-replica rejection reports and their merge by the status leader (issue 8): coalesced
 * publishing, heartbeats, deletion on stop, and ReplicatedRejections feeding the merged list to
 * the status writer only while leading.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeReport, reportName } from '../../../../src/galley/status/merge-rejections.js';
import type { ObjectRejections } from '../../../../src/galley/status/reconciled-status.js';
import { RejectionReports } from '../../../../src/galley/status/rejection-reports.js';
import { ReplicatedRejections } from '../../../../src/galley/status/replicated-rejections.js';
import { silentLogger } from '../../../../src/util/log.js';
import { FakeCoordinationApi } from './fake-coordination-api.js';
import { rejectedBy, sleep, until } from './status-test-helpers.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function reports(api: FakeCoordinationApi, replicaId: string, heartbeatMs = 60_000): RejectionReports {
  const r = new RejectionReports({
    api,
    namespace: 'meshplane-system',
    replicaId,
    heartbeatMs,
    coalesceMs: 20,
    logger: silentLogger(),
  });
  stops.push(() => r.stop());
  return r;
}

describe('RejectionReports', () => {
  it("writes nothing before Pilot's first report, then one write per burst of changes (the latest list)", async () => {
    const api = new FakeCoordinationApi();
    const r = reports(api, 'a', 20);
    r.start();
    await sleep(60);
    expect(api.writes).toBe(0);
    expect(r.hasReported()).toBe(false);
    r.publish([]);
    await until('first write', () => api.writes >= 1);
    await r.stop();
    api.writes = 0;
    const r2 = reports(api, 'a');
    r2.start();
    r2.publish([]);
    await until('first write', () => api.writes === 1);
    for (let i = 0; i < 20; i++) r2.publish([rejectedBy('vs', `p${i}`)]);
    await until('coalesced write', () => api.writes === 2);
    await sleep(60);
    expect(api.writes).toBe(2);
    const cm = api.configMaps.get(reportName('a'))!;
    expect(decodeReport(cm).rejections).toEqual([rejectedBy('vs', 'p19')]);
  });

  it('re-writes as a heartbeat, and retries a failed write at the next one', async () => {
    const api = new FakeCoordinationApi();
    const r = reports(api, 'a', 40);
    api.failures = [503];
    r.start();
    r.publish([]);
    await until('a heartbeat after the failure', () => api.writes >= 2);
    const first = decodeReport(api.configMaps.get(reportName('a'))!).heartbeatMs;
    await until(
      'another heartbeat',
      () => decodeReport(api.configMaps.get(reportName('a'))!).heartbeatMs > first,
    );
  });

  it('deletes its report on stop', async () => {
    const api = new FakeCoordinationApi();
    const r = reports(api, 'a');
    r.start();
    r.publish([]);
    await until('written', () => api.configMaps.size === 1);
    await r.stop();
    expect(api.configMaps.size).toBe(0);
  });
});

describe('ReplicatedRejections', () => {
  function replica(
    api: FakeCoordinationApi,
    id: string,
    merged: Array<readonly ObjectRejections[]>,
    lost: string[] = [],
  ) {
    const r = new ReplicatedRejections({
      api,
      namespace: 'meshplane-system',
      replicaId: id,
      reportTtlMs: 300,
      heartbeatMs: 50,
      leaseDurationMs: 200,
      pollMs: 30,
      logger: silentLogger(),
      onMerged: (list) => merged.push(list),
      onLeadershipLost: () => lost.push(id),
    });
    stops.push(() => r.stop());
    return r;
  }

  it("the leader merges every replica's report; a follower feeds nothing", async () => {
    const api = new FakeCoordinationApi();
    const fromA: Array<readonly ObjectRejections[]> = [];
    const fromB: Array<readonly ObjectRejections[]> = [];
    const a = replica(api, 'a', fromA);
    a.start();
    await until('a leads', () => a.lease.isLeader());
    const b = replica(api, 'b', fromB);
    b.start();
    b.report([rejectedBy('vs', 'p2')]);
    a.report([rejectedBy('vs', 'p1')]);
    await until('merged list naming both proxies', () =>
      (fromA.at(-1) ?? []).some((r) => r.proxies.length === 2),
    );
    expect(fromA.at(-1)![0]!.proxies.map((p) => p.proxy)).toEqual(['p1', 'p2']);
    await sleep(100);
    expect(fromB).toEqual([]);
    // B's proxy recovers: the leader sees it at its next poll.
    b.report([]);
    await until('only p1 left', () => fromA.at(-1)?.[0]?.proxies.length === 1);
  });

  it('a dead replica (no heartbeat) stops counting after the TTL, and the follower takes over the lease', async () => {
    const api = new FakeCoordinationApi();
    const fromA: Array<readonly ObjectRejections[]> = [];
    const fromB: Array<readonly ObjectRejections[]> = [];
    const a = replica(api, 'a', fromA);
    a.start();
    await until('a leads', () => a.lease.isLeader());
    const b = replica(api, 'b', fromB);
    b.start();
    b.report([]);
    a.report([rejectedBy('vs', 'p1')]);
    await until(
      'a report naming p1',
      () =>
        decodeReport(api.configMaps.get(reportName('a')) ?? { metadata: { name: 'x' } }).rejections.length ===
        1,
    );
    // "SIGKILL": A's timers stop without cleanup (its report and lease stay behind).
    (a as unknown as { pollTimer: NodeJS.Timeout }).pollTimer.close();
    (a.reports as unknown as { heartbeatTimer: NodeJS.Timeout }).heartbeatTimer.close();
    (a.lease as unknown as { stopped: boolean }).stopped = true;
    await until('b leads', () => b.lease.isLeader(), 3000);
    await until(
      'b merged p1 while its report is fresh, then nothing',
      () => (fromB.at(-1) ?? ['x']).length === 0,
      3000,
    );
    // The abandoned report is eventually deleted by the leader.
    await until('abandoned report deleted', () => !api.configMaps.has(reportName('a')), 3000);
  });

  it('a leader says nothing until its own Pilot has reported (proxies reconnecting after a restart)', async () => {
    const api = new FakeCoordinationApi();
    const fromA: Array<readonly ObjectRejections[]> = [];
    const a = replica(api, 'a', fromA);
    a.start();
    await until('a leads', () => a.lease.isLeader());
    await sleep(100);
    expect(fromA).toEqual([]);
    a.report([rejectedBy('vs', 'p1')]);
    await until('the first merged list', () => fromA.length > 0);
    expect(fromA[0]).toEqual([rejectedBy('vs', 'p1')]);
  });

  it('a replica that stops leading tells the writer to forget rejections', async () => {
    const api = new FakeCoordinationApi();
    const lost: string[] = [];
    const a = replica(api, 'a', [], lost);
    a.start();
    await until('a leads', () => a.lease.isLeader());
    // Someone else holds it now (e.g. after a partition): a's renew gets a 409 until its lease expires.
    const lease = api.leases.get('meshplane-status-leader')!;
    api.leases.set('meshplane-status-leader', {
      ...lease,
      metadata: { ...lease.metadata, resourceVersion: '999' },
      spec: { ...lease.spec, holderIdentity: 'z' },
    });
    await until('a steps down', () => lost.includes('a'), 3000);
    expect(a.lease.isLeader()).toBe(false);
  });
});
