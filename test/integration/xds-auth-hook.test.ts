/**
 * The generic authorize hook of the ADS server (ConnectionDeps.authorize, XdsServer.startSecure)
 * in process: one XdsServer on two ports, the hook called once per stream on the second port
 * only, requests sent while an asynchronous decision runs held and answered in order once the
 * stream is admitted, and a refusal ending the stream with the hook's status. Pushes reach the
 * streams of both ports (one set of streams).
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullPush } from '../../src/model/push-request.js';
import type { Proxy } from '../../src/model/proxy.js';
import { silentLogger } from '../../src/util/log.js';
import type { AuthorizeResult } from '../../src/xds/connection-types.js';
import type {
  EncodedResource,
  GenerateResult,
  ResourceSource,
  WatchedResource,
} from '../../src/xds/source.js';
import { CLUSTER_TYPE, LISTENER_TYPE } from '../../src/xds/type-urls.js';
import { XdsServer } from '../../src/xds/xds-server.js';
import { AdsClient, RawStream } from './support/raw-ads.js';

class FakeSource implements ResourceSource {
  version = 1;
  supports(): boolean {
    return true;
  }
  needsPush(): boolean {
    return true;
  }
  generate(_proxy: Proxy, watched: WatchedResource): GenerateResult {
    const r: EncodedResource = {
      name: `${watched.typeUrl.split('.').pop()}-v${this.version}`,
      typeUrl: watched.typeUrl,
      version: `v${this.version}`,
      value: Buffer.from(`v${this.version}`),
    };
    return { resources: [r], pushVersion: `v${this.version}` };
  }
}

const content = (m: Record<string, any>): string => Buffer.from(m['resources'][0].value).toString();

const node = (ns: string) => ({
  id: `sidecar~10.0.0.1~app-1.${ns}~${ns}.svc.cluster.local`,
  metadata: { fields: { NAMESPACE: { stringValue: ns } } },
  locality: {},
});

describe('XdsServer authorize hook', () => {
  const source = new FakeSource();
  const server = new XdsServer({ source, logger: silentLogger() });
  const decisions: Array<{ proxy: string; resolve: (r: AuthorizeResult) => void }> = [];
  let plain: grpc.Client;
  let secure: grpc.Client;

  beforeAll(async () => {
    const plainPort = await server.start('127.0.0.1:0');
    const securePort = await server.startSecure({
      address: '127.0.0.1:0',
      credentials: grpc.ServerCredentials.createInsecure(),
      authorize: (proxy) => {
        if (proxy.namespace === 'sync-denied')
          return { ok: false, code: grpc.status.PERMISSION_DENIED, details: 'denied at once' };
        return new Promise<AuthorizeResult>((resolve) => decisions.push({ proxy: proxy.id, resolve }));
      },
    });
    plain = new AdsClient(`127.0.0.1:${plainPort}`, grpc.credentials.createInsecure());
    secure = new AdsClient(`127.0.0.1:${securePort}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    plain.close();
    secure.close();
    await server.stop();
  });

  it('holds requests sent during an async decision and answers them in order once admitted', async () => {
    const s = new RawStream(secure, 'StreamAggregatedResources');
    s.send({ node: node('default'), type_url: CLUSTER_TYPE });
    s.send({ type_url: LISTENER_TYPE });
    await s.expectNone(200);
    expect(server.connections()).toHaveLength(0); // not a proxy until admitted
    expect(decisions).toHaveLength(1);
    decisions.shift()!.resolve({ ok: true });
    const first = await s.next();
    const second = await s.next();
    expect([first['type_url'], second['type_url']]).toEqual([CLUSTER_TYPE, LISTENER_TYPE]);
    // Decided once per stream: an ACK goes through without asking again.
    s.send({ type_url: CLUSTER_TYPE, version_info: first['version_info'], response_nonce: first['nonce'] });
    await s.expectNone(100);
    expect(decisions).toHaveLength(0);

    // The plaintext port never asks, and pushes reach streams of both ports.
    const p = new RawStream(plain, 'StreamAggregatedResources');
    p.send({ node: node('other'), type_url: CLUSTER_TYPE });
    expect(content(await p.next())).toBe('v1');
    expect(decisions).toHaveLength(0);
    expect(server.connections()).toHaveLength(2);
    source.version = 2;
    server.push(fullPush('config', Date.now()));
    expect(content(await p.next())).toBe('v2');
    expect(content(await s.next())).toBe('v2');
    s.end();
    p.end();
  });

  it('ends the stream with the status of a refusal, sync or async', async () => {
    const denied = new RawStream(secure, 'DeltaAggregatedResources');
    denied.send({ node: node('sync-denied'), type_url: CLUSTER_TYPE });
    const st = await denied.status;
    expect(st.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(st.details).toBe('denied at once');

    const later = new RawStream(secure, 'StreamAggregatedResources');
    later.send({ node: node('default'), type_url: CLUSTER_TYPE });
    later.send({ type_url: LISTENER_TYPE });
    await new Promise((r) => setTimeout(r, 100));
    decisions.shift()!.resolve({ ok: false, code: grpc.status.UNAUTHENTICATED, details: 'who are you' });
    const st2 = await later.status;
    expect(st2.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(st2.details).toBe('who are you');
    await later.expectNone(50);
  });
});
