/**
 * The per-stream push queue: one response in flight, later pushes merged, no buffering while
 * gRPC has not taken the previous write (design §5). Driven with a fake call whose writes
 * complete only when the test says so.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { fullPush, type PushRequest } from '../../../src/model/push-request.js';
import { parseProxy } from '../../../src/model/proxy.js';
import { silentLogger } from '../../../src/util/log.js';
import type { AdsStream, ConnectionDeps } from '../../../src/xds/connection-types.js';
import { inPushOrder } from '../../../src/xds/type-urls.js';
import { SotwConnection } from '../../../src/xds/sotw-connection.js';
import { nodeFromMessage } from '../../../src/xds/struct.js';
import type { EncodedResource, ResourceSource } from '../../../src/xds/source.js';
import {
  CLUSTER_TYPE,
  ENDPOINT_TYPE,
  LISTENER_TYPE,
  ROUTE_TYPE,
  SECRET_TYPE,
} from '../../../src/xds/type-urls.js';

class SlowCall extends EventEmitter {
  readonly writes: Array<{ message: any; done: () => void }> = [];
  write(message: any, cb: (err?: Error | null) => void): boolean {
    this.writes.push({ message, done: () => cb(null) });
    return false;
  }
  getPeer(): string {
    return 'ipv4:127.0.0.1:1';
  }
  end(): void {
    this.emit('finish');
  }
}

const tick = () => new Promise((r) => setImmediate(r));

function setup() {
  let version = 1;
  const generated: PushRequest[] = [];
  const source: ResourceSource = {
    supports: () => true,
    needsPush: () => true,
    generate: (_p, watched, req) => {
      generated.push(req);
      const r: EncodedResource = {
        name: 'c1',
        typeUrl: watched.typeUrl,
        version: `v${version}`,
        value: new Uint8Array([version]),
      };
      return { resources: [r], pushVersion: `p${version}` };
    },
  };
  const live = new Set<AdsStream>();
  const deps: ConnectionDeps = {
    source,
    logger: silentLogger(),
    parseNode: (n) => parseProxy(nodeFromMessage(n)),
    wildcardType: () => true,
    onReady: (c) => live.add(c),
    onClose: (c) => live.delete(c),
  };
  const call = new SlowCall();
  const conn = new SotwConnection(call as any, deps, 'sotw');
  return { call, conn, live, generated, bump: () => version++ };
}

const NODE = { id: 'sidecar~10.0.0.1~a.ns~ns.svc.cluster.local', metadata: { fields: {} } };

describe('XdsConnection push queue', () => {
  it('holds one write in flight and merges later pushes into one', async () => {
    const { call, conn, live, generated, bump } = setup();
    call.emit('data', { node: NODE, type_url: CLUSTER_TYPE });
    await tick();
    expect(live.size).toBe(1);
    expect(call.writes).toHaveLength(1);
    bump();
    for (let i = 0; i < 5; i++)
      conn.enqueuePush(fullPush('config', 1000 + i, [{ kind: 'X', namespace: 'n', name: `c${i}` }]));
    await tick();
    expect(call.writes).toHaveLength(1); // nothing more while the first write is pending
    call.writes[0]!.done();
    await tick();
    expect(call.writes).toHaveLength(2);
    expect(generated).toHaveLength(2); // the five pushes were generated once
    expect(generated[1]!.configsUpdated).toHaveLength(5);
    expect(generated[1]!.start).toBe(1000);
    call.writes[1]!.done();
    // Unchanged content: a further push writes nothing.
    conn.enqueuePush(fullPush('config', 2000));
    await tick();
    expect(call.writes).toHaveLength(2);
  });

  it('stops writing once the call is cancelled', async () => {
    const { call, conn, live, bump } = setup();
    call.emit('data', { node: NODE, type_url: CLUSTER_TYPE });
    await tick();
    call.emit('cancelled');
    expect(live.size).toBe(0);
    bump();
    conn.enqueuePush(fullPush('config', 1));
    call.writes[0]!.done();
    await tick();
    expect(call.writes).toHaveLength(1);
    expect(conn.isClosed()).toBe(true);
  });

  it('rejects a stream whose first request has no valid node', async () => {
    const { call, live } = setup();
    const errors: any[] = [];
    call.on('error', (e) => errors.push(e));
    call.emit('data', { node: { id: 'not-istio' }, type_url: CLUSTER_TYPE });
    expect(live.size).toBe(0);
    expect(errors[0]).toMatchObject({ code: 3 });
    expect(errors[0].details).toMatch(/expected TYPE~IP~POD/);
  });

  it('orders types CDS, EDS, LDS, RDS, SDS, then others', () => {
    expect(
      inPushOrder([
        'z/other',
        ROUTE_TYPE,
        SECRET_TYPE,
        LISTENER_TYPE,
        'a/other',
        ENDPOINT_TYPE,
        CLUSTER_TYPE,
      ]),
    ).toEqual([CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE, SECRET_TYPE, 'a/other', 'z/other']);
  });
});
