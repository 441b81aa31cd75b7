/**
 * Issue 8's signals from the ADS layer: `onNack` when a proxy rejects a response, `onNackCleared`
 * when that NACK stops being current (an ACK of the type, or the stream closing), and the parsed
 * proxy (namespace, labels, metadata) in the connection view.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseProxy } from '../../../src/model/proxy.js';
import { silentLogger } from '../../../src/util/log.js';
import type { ConnectionDeps, NackClearedEvent, NackEvent } from '../../../src/xds/connection-types.js';
import { DeltaConnection } from '../../../src/xds/delta-connection.js';
import { SotwConnection } from '../../../src/xds/sotw-connection.js';
import type { EncodedResource, ResourceSource } from '../../../src/xds/source.js';
import { nodeFromMessage } from '../../../src/xds/struct.js';
import { LISTENER_TYPE, ROUTE_TYPE } from '../../../src/xds/type-urls.js';

class FakeCall extends EventEmitter {
  readonly writes: any[] = [];
  write(message: any, cb: (err?: Error | null) => void): boolean {
    this.writes.push(message);
    cb(null);
    return true;
  }
  getPeer(): string {
    return 'ipv4:127.0.0.1:1';
  }
  end(): void {
    this.emit('finish');
  }
}

const tick = () => new Promise((r) => setImmediate(r));

const NODE = {
  id: 'sidecar~10.0.0.1~reviews-1.shop~shop.svc.cluster.local',
  metadata: {
    fields: {
      NAMESPACE: { stringValue: 'shop' },
      ISTIO_VERSION: { stringValue: '1.24.0' },
      LABELS: {
        structValue: { fields: { app: { stringValue: 'reviews' }, version: { stringValue: 'v2' } } },
      },
    },
  },
};

function setup(mode: 'sotw' | 'delta') {
  const source: ResourceSource = {
    supports: () => true,
    needsPush: () => true,
    generate: (_p, watched) => {
      const r: EncodedResource = {
        name: '9080',
        typeUrl: watched.typeUrl,
        version: 'v1',
        value: new Uint8Array([1]),
      };
      return { resources: [r], pushVersion: 'p1' };
    },
  };
  const nacks: NackEvent[] = [];
  const cleared: NackClearedEvent[] = [];
  const deps: ConnectionDeps = {
    source,
    logger: silentLogger(),
    parseNode: (n) => parseProxy(nodeFromMessage(n)),
    wildcardType: (t) => t !== ROUTE_TYPE,
    onClose: () => undefined,
    onNack: (e) => nacks.push(e),
    onNackCleared: (e) => cleared.push(e),
  };
  const call = new FakeCall();
  const conn =
    mode === 'sotw'
      ? new SotwConnection(call as any, deps, 'sotw')
      : new DeltaConnection(call as any, deps, 'delta');
  return { call, conn, nacks, cleared };
}

describe('NACK signals', () => {
  it('SotW: an ACK after a NACK reports the NACK cleared, a plain ACK does not', async () => {
    const { call, conn, nacks, cleared } = setup('sotw');
    call.emit('data', { node: NODE, type_url: ROUTE_TYPE, resource_names: ['9080'] });
    await tick();
    const rds = call.writes[0];
    call.emit('data', {
      type_url: ROUTE_TYPE,
      resource_names: ['9080'],
      version_info: rds.version_info,
      response_nonce: rds.nonce,
    });
    expect(cleared).toEqual([]);
    call.emit('data', {
      type_url: ROUTE_TYPE,
      resource_names: ['9080'],
      response_nonce: rds.nonce,
      error_detail: { code: 3, message: 'route 9080: bad' },
    });
    expect(nacks).toHaveLength(1);
    expect(conn.info().types[0]!.lastNackError).toBe('route 9080: bad');
    call.emit('data', {
      type_url: ROUTE_TYPE,
      resource_names: ['9080'],
      version_info: rds.version_info,
      response_nonce: rds.nonce,
    });
    expect(cleared).toEqual([
      { connectionId: conn.id, proxyId: NODE.id, typeUrl: ROUTE_TYPE, reason: 'ack' },
    ]);
    expect(conn.info().types[0]!.lastNackError).toBeUndefined();
  });

  it('a stream closing with a NACK outstanding reports it cleared (disconnected proxies reject nothing)', async () => {
    const { call, conn, cleared } = setup('sotw');
    call.emit('data', { node: NODE, type_url: LISTENER_TYPE });
    call.emit('data', { type_url: ROUTE_TYPE, resource_names: ['9080'] });
    await tick();
    const rds = call.writes.find((w) => w.type_url === ROUTE_TYPE);
    call.emit('data', {
      type_url: ROUTE_TYPE,
      resource_names: ['9080'],
      response_nonce: rds.nonce,
      error_detail: { message: 'bad' },
    });
    call.emit('cancelled');
    expect(cleared).toEqual([
      { connectionId: conn.id, proxyId: NODE.id, typeUrl: ROUTE_TYPE, reason: 'disconnect' },
    ]);
  });

  it('Delta: an ACK after a NACK reports the NACK cleared', async () => {
    const { call, nacks, cleared } = setup('delta');
    call.emit('data', { node: NODE, type_url: ROUTE_TYPE, resource_names_subscribe: ['9080'] });
    await tick();
    const rds = call.writes[0];
    call.emit('data', { type_url: ROUTE_TYPE, response_nonce: rds.nonce, error_detail: { message: 'bad' } });
    expect(nacks).toHaveLength(1);
    call.emit('data', { type_url: ROUTE_TYPE, response_nonce: rds.nonce });
    expect(cleared.map((c) => c.reason)).toEqual(['ack']);
  });

  it('the connection view carries the proxy parsed from its Node', async () => {
    const { call, conn } = setup('sotw');
    call.emit('data', { node: NODE, type_url: LISTENER_TYPE });
    await tick();
    const proxy = conn.info().proxy!;
    expect(proxy).toMatchObject({
      id: NODE.id,
      type: 'sidecar',
      namespace: 'shop',
      podName: 'reviews-1',
      labels: { app: 'reviews', version: 'v2' },
    });
    expect(proxy.metadata['ISTIO_VERSION']).toBe('1.24.0');
  });
});
