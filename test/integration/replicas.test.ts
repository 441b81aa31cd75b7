/**
 * Several replicas behind one Service (design §6.4, content-hash versions): two meshplane
 * processes on the same config directory must serve the same content under the same versions,
 * so a proxy moved from one to the other (max connection age, a drain, a crash) is resent
 * nothing it already holds. Delta: a reconnect to B with the versions A gave is answered with no
 * resources and no removals. SotW: each type's `version_info` and resources are equal on both
 * (nonces are per stream and need not be). After a config change both converge to the same
 * versions.
 */
import type * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../src/xds/type-urls.js';
import { ConfigDir, staticServiceEntry } from './support/fixtures.js';
import { MeshplaneProcess, waitFor } from './support/harness.js';
import { adsClient, RawStream, type Msg } from './support/raw-ads.js';

/** An Envoy-style sidecar (no GENERATOR): Istio's full sidecar shape, all four types. */
const NODE = {
  id: 'sidecar~10.0.0.9~replica-client.default~default.svc.cluster.local',
  metadata: { fields: { NAMESPACE: { stringValue: 'default' } } },
  locality: {},
};
const CLUSTER_A = 'outbound|8080||a.default.svc.cluster.local';
const CLUSTER_B = 'outbound|9090||b.default.svc.cluster.local';
const CLUSTER_C = 'outbound|7070||c.default.svc.cluster.local';
/** What each type subscribes to: wildcard for CDS and LDS, names for EDS and RDS. */
const SUBSCRIPTIONS: ReadonlyArray<readonly [string, string[]]> = [
  [CLUSTER_TYPE, []],
  [ENDPOINT_TYPE, [CLUSTER_A, CLUSTER_B]],
  [LISTENER_TYPE, []],
  [ROUTE_TYPE, ['8080', '9090']],
];

let cfg: ConfigDir;
let a: MeshplaneProcess;
let b: MeshplaneProcess;
let clientA: grpc.Client;
let clientB: grpc.Client;

const serviceEntry = (name: string, port: number, addresses: string[]): string =>
  staticServiceEntry({ name, port, addresses, portName: 'http', protocol: 'HTTP' });

const VIRTUAL_SERVICE = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: a, namespace: default }
spec:
  hosts: [a.default.svc.cluster.local]
  http:
    - match: [{ uri: { prefix: /v2 } }]
      route: [{ destination: { host: b.default.svc.cluster.local, port: { number: 9090 } } }]
    - route: [{ destination: { host: a.default.svc.cluster.local } }]
`;

/** One SotW round per type on a fresh stream: version, names and the encoded resources. */
async function sotwSnapshot(
  client: grpc.Client,
): Promise<Record<string, { version: string; bytes: string[] }>> {
  const s = new RawStream(client, 'StreamAggregatedResources');
  const out: Record<string, { version: string; bytes: string[] }> = {};
  try {
    let first = true;
    for (const [typeUrl, names] of SUBSCRIPTIONS) {
      s.send({ ...(first ? { node: NODE } : {}), type_url: typeUrl, resource_names: names });
      first = false;
      const resp = await s.next(5000);
      expect(resp['type_url']).toBe(typeUrl);
      s.send({
        type_url: typeUrl,
        resource_names: names,
        version_info: resp['version_info'],
        response_nonce: resp['nonce'],
      });
      out[typeUrl] = {
        version: resp['version_info'] as string,
        bytes: (resp['resources'] as Msg[])
          .map((r) => Buffer.from(r['value'] as Uint8Array).toString('hex'))
          .sort(),
      };
    }
  } finally {
    s.end();
  }
  return out;
}

type Versions = Record<string, Record<string, string>>;

/** Every type over one delta stream, ACKed; the version of each resource received. */
async function deltaVersions(client: grpc.Client): Promise<Versions> {
  const s = new RawStream(client, 'DeltaAggregatedResources');
  const out: Versions = {};
  try {
    let first = true;
    for (const [typeUrl, names] of SUBSCRIPTIONS) {
      s.send({
        ...(first ? { node: NODE } : {}),
        type_url: typeUrl,
        resource_names_subscribe: names.length ? names : ['*'],
      });
      first = false;
      const resp = await s.next(5000);
      expect(resp['type_url']).toBe(typeUrl);
      s.send({ type_url: typeUrl, response_nonce: resp['nonce'] });
      const versions: Record<string, string> = {};
      for (const r of resp['resources'] as Msg[]) versions[r['name'] as string] = r['version'] as string;
      out[typeUrl] = versions;
    }
  } finally {
    s.end();
  }
  return out;
}

/**
 * Reconnects with `initial_resource_versions` per type and collects whatever the server sends
 * within `quietMs` after the last request.
 */
async function deltaResume(client: grpc.Client, versions: Versions, quietMs = 600): Promise<Msg[]> {
  const s = new RawStream(client, 'DeltaAggregatedResources');
  const got: Msg[] = [];
  try {
    let first = true;
    for (const [typeUrl, names] of SUBSCRIPTIONS) {
      s.send({
        ...(first ? { node: NODE } : {}),
        type_url: typeUrl,
        resource_names_subscribe: names.length ? names : ['*'],
        initial_resource_versions: versions[typeUrl] ?? {},
      });
      first = false;
    }
    for (;;) {
      const resp = await s.next(quietMs).catch(() => undefined);
      if (!resp) break;
      got.push(resp);
      s.send({ type_url: resp['type_url'], response_nonce: resp['nonce'] });
    }
  } finally {
    s.end();
  }
  return got;
}

const sent = (responses: Msg[]) =>
  responses.flatMap((r) => [
    ...((r['resources'] ?? []) as Msg[]).map((x) => `${r['type_url'] as string} ${x['name'] as string}`),
    ...((r['removed_resources'] ?? []) as string[]).map((n) => `${r['type_url'] as string} -${n}`),
  ]);

beforeAll(async () => {
  cfg = ConfigDir.create('replicas');
  cfg.write('a.yaml', serviceEntry('a', 8080, ['10.1.0.1', '10.1.0.2']));
  cfg.write('b.yaml', serviceEntry('b', 9090, ['10.2.0.1']));
  cfg.write('a-vs.yaml', VIRTUAL_SERVICE);
  [a, b] = await Promise.all([MeshplaneProcess.start(cfg.dir), MeshplaneProcess.start(cfg.dir)]);
  clientA = adsClient(a.xdsPort);
  clientB = adsClient(b.xdsPort);
}, 60_000);

afterAll(async () => {
  clientA?.close();
  clientB?.close();
  await Promise.all([a?.stop(), b?.stop()]);
  cfg?.stop();
});

describe('two replicas on one config directory', () => {
  it('give each SotW type the same version_info and the same resource bytes', async () => {
    const [fromA, fromB] = await Promise.all([sotwSnapshot(clientA), sotwSnapshot(clientB)]);
    for (const [typeUrl] of SUBSCRIPTIONS) {
      expect(fromA[typeUrl]!.bytes.length, typeUrl).toBeGreaterThan(0);
      expect(fromB[typeUrl], typeUrl).toEqual(fromA[typeUrl]);
    }
  });

  it('resend nothing to a delta client moved from A to B with what A gave it', async () => {
    const versions = await deltaVersions(clientA);
    expect(Object.keys(versions[CLUSTER_TYPE]!)).toEqual(expect.arrayContaining([CLUSTER_A, CLUSTER_B]));
    expect(Object.keys(versions[ENDPOINT_TYPE]!).sort()).toEqual([CLUSTER_A, CLUSTER_B]);
    expect(Object.keys(versions[ROUTE_TYPE]!).sort()).toEqual(['8080', '9090']);
    expect(Object.keys(versions[LISTENER_TYPE]!).length).toBeGreaterThan(0);
    expect(sent(await deltaResume(clientB, versions))).toEqual([]);
    // ...while a resource it holds at another version is sent again (the check can fail).
    const stale: Versions = {
      ...versions,
      [ENDPOINT_TYPE]: { ...versions[ENDPOINT_TYPE], [CLUSTER_A]: 'stale' },
    };
    expect(sent(await deltaResume(clientB, stale))).toEqual([`${ENDPOINT_TYPE} ${CLUSTER_A}`]);
  });

  it('converge to the same versions after a config change', async () => {
    const before = await sotwSnapshot(clientA);
    cfg.write('c.yaml', serviceEntry('c', 7070, ['10.3.0.1']));
    cfg.write('a.yaml', serviceEntry('a', 8080, ['10.1.0.1', '10.1.0.3']));
    const hasC = async (client: grpc.Client) => {
      const v = await deltaVersions(client);
      return CLUSTER_C in v[CLUSTER_TYPE]! ? v : undefined;
    };
    const [va, vb] = await Promise.all([
      waitFor('replica A has c', () => hasC(clientA), 15_000, 100),
      waitFor('replica B has c', () => hasC(clientB), 15_000, 100),
    ]);
    // The endpoint change of a may land a moment after c on either side: wait for both.
    const settled = await waitFor(
      'equal snapshots',
      async () => {
        const [sa, sb] = await Promise.all([sotwSnapshot(clientA), sotwSnapshot(clientB)]);
        return JSON.stringify(sa) === JSON.stringify(sb) &&
          sa[ENDPOINT_TYPE]!.version !== before[ENDPOINT_TYPE]!.version
          ? sa
          : undefined;
      },
      15_000,
      100,
    );
    expect(settled[CLUSTER_TYPE]!.version).not.toBe(before[CLUSTER_TYPE]!.version);
    expect(va[CLUSTER_TYPE]![CLUSTER_C]).toBe(vb[CLUSTER_TYPE]![CLUSTER_C]);
    // And a delta client moved across after the change is resent nothing either way.
    const fromA = await deltaVersions(clientA);
    expect(sent(await deltaResume(clientB, fromA))).toEqual([]);
    const fromB = await deltaVersions(clientB);
    expect(sent(await deltaResume(clientA, fromB))).toEqual([]);
  }, 40_000);
});
