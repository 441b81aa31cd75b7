/**
 * The JavaScript cost of one push to N delta streams, without gRPC or sockets: a Pilot over M
 * services × K endpoints, N in-process streams (proxyless nodes watching everything), then an
 * endpoint change and a route change applied to the store; prints how long the fan-out loop took
 * (ms, per stream µs) and how long until every write callback ran. Run under `--cpu-prof` for a
 * profile that the load generator does not disturb:
 *
 *   npm run bench:fanout -- [--clients 2000] [--services 1000] [--rounds 20]   (the build in dist/)
 *   node --import tsx test/bench/fanout-micro.ts ...                          (the sources)
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as srcStore from '../../src/galley/config-store.js';
import * as srcPilot from '../../src/pilot/pilot.js';
import * as srcRegistry from '../../src/registry/serviceentry/controller.js';
import * as srcLog from '../../src/util/log.js';
import type { PreparedResponse } from '../../src/xds/prepared-response.js';
import type { XdsServer } from '../../src/xds/xds-server.js';
import { CLUSTER_TYPE, ENDPOINT_TYPE, LISTENER_TYPE, ROUTE_TYPE } from '../../src/xds/type-urls.js';
import { parseIstioYaml } from '../golden/pilot-harness.js';
import { clusterName, serviceHost, serviceName } from './config-gen.js';
import { REPO_ROOT } from './meshplane-process.js';

export interface FanoutOptions {
  readonly clients: number;
  readonly services: number;
  readonly endpoints: number;
  readonly rounds: number;
  /** Run the compiled build (dist/, `npm run build` first): what production runs. */
  readonly dist: boolean;
}

/** Medians over the rounds of one scenario (ms). */
export interface FanoutFigures {
  readonly scenario: string;
  readonly fanoutMs: number;
  readonly fanoutMaxMs: number;
  readonly callbacksMs: number;
  readonly acksMs: number;
}

type Modules = {
  ConfigStore: typeof srcStore.ConfigStore;
  Pilot: typeof srcPilot.Pilot;
  ServiceEntryRegistry: typeof srcRegistry.ServiceEntryRegistry;
  silentLogger: typeof srcLog.silentLogger;
};

async function modules(dist: boolean): Promise<Modules> {
  if (!dist) return { ...srcStore, ...srcPilot, ...srcRegistry, ...srcLog };
  const load = (path: string): Promise<unknown> => import(pathToFileURL(`${REPO_ROOT}/dist/${path}`).href);
  return {
    ...((await load('galley/config-store.js')) as typeof srcStore),
    ...((await load('pilot/pilot.js')) as typeof srcPilot),
    ...((await load('registry/serviceentry/controller.js')) as typeof srcRegistry),
    ...((await load('util/log.js')) as typeof srcLog),
  };
}

const seYaml = (i: number, rev: number, K: number): string => {
  const name = serviceName(i);
  const eps = Array.from(
    { length: K },
    (_, j) =>
      `    - address: ${j === 0 && rev > 0 ? `127.250.${(rev >> 8) & 255}.${rev & 255}` : `127.${1 + (i >> 8)}.${i & 255}.${j + 1}`}`,
  ).join('\n');
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: default }
spec:
  hosts: [${serviceHost(name)}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 8080, name: grpc, protocol: GRPC }]
  endpoints:
${eps}
`;
};
const vsYaml = (i: number, rev: number): string => {
  const name = serviceName(i);
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: ${name}, namespace: default }
spec:
  hosts: [${serviceHost(name)}]
  http:
    - match: [{ headers: { x-rev: { exact: r${rev} } } }]
      route: [{ destination: { host: ${serviceHost(name)} } }]
    - route: [{ destination: { host: ${serviceHost(name)} } }]
`;
};

let written = 0;
let parked: Array<(err?: Error | null) => void> = [];

class FakeCall extends EventEmitter {
  last: PreparedResponse | undefined;
  write(message: PreparedResponse, cb?: (err?: Error | null) => void): boolean {
    this.last = message;
    written++;
    // gRPC runs write callbacks once HTTP/2 took the bytes: after the loop, as here.
    if (cb) parked.push(cb);
    return true;
  }
  getPeer(): string {
    return 'ipv4:127.0.0.1:1';
  }
  end(): void {
    this.emit('finish');
  }
}

function flushCallbacks(): void {
  const cbs = parked;
  parked = [];
  for (const cb of cbs) {
    cb(null);
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    flushCallbacks();
    await tick();
  }
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function runFanoutMicro(o: FanoutOptions): Promise<FanoutFigures[]> {
  const { ConfigStore, Pilot, ServiceEntryRegistry, silentLogger } = await modules(o.dist);
  const { clients: N, services: M, endpoints: K, rounds: ROUNDS } = o;
  const store = new ConfigStore(silentLogger());
  for (let i = 0; i < M; i++) {
    store.apply(parseIstioYaml(seYaml(i, 0, K), `se-${i}.yaml`)[0]!);
    store.apply(parseIstioYaml(vsYaml(i, 0), `vs-${i}.yaml`)[0]!);
  }
  const pilot = new Pilot({
    store,
    registries: [new ServiceEntryRegistry(store, { logger: silentLogger() })],
    xdsAddress: 'off',
    debounceAfterMs: 100,
    debounceMaxMs: 10_000,
    domainSuffix: 'cluster.local',
    logger: silentLogger(),
  });
  await pilot.start();
  const xds = (pilot as unknown as { xds: XdsServer }).xds;
  (xds as unknown as { serving: boolean }).serving = true;
  const impl = xds.implementation() as Record<string, (call: unknown) => void>;
  const names = Array.from({ length: M }, (_, i) => clusterName(serviceHost(serviceName(i))));
  const calls: FakeCall[] = [];
  for (let c = 0; c < N; c++) {
    const call = new FakeCall();
    impl['DeltaAggregatedResources']!(call);
    const node = {
      id: `sidecar~10.1.${c >> 8}.${c & 255}~c${c}.default~default.svc.cluster.local`,
      metadata: { fields: { GENERATOR: { stringValue: 'grpc' }, NAMESPACE: { stringValue: 'default' } } },
    };
    call.emit('data', { node, type_url: CLUSTER_TYPE, resource_names_subscribe: ['*'] });
    call.emit('data', { type_url: LISTENER_TYPE, resource_names_subscribe: ['*'] });
    call.emit('data', { type_url: ENDPOINT_TYPE, resource_names_subscribe: names });
    call.emit('data', { type_url: ROUTE_TYPE, resource_names_subscribe: names });
    calls.push(call);
    if (c % 100 === 99) await settle();
  }
  await settle();
  // ACK whatever each stream received last (delta ACKs carry the nonce only).
  for (const call of calls)
    if (call.last) call.emit('data', { type_url: call.last.type_url, response_nonce: call.last.nonce });
  await settle();
  const figures: FanoutFigures[] = [];
  const measure = async (label: string, change: (rev: number) => void, waitMs: number): Promise<void> => {
    const fan: number[] = [];
    const cbs: number[] = [];
    const acks: number[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      written = 0;
      const t0 = performance.now();
      change(r);
      // The fast path writes synchronously; a debounced push fires after the quiet period.
      while (written < N && performance.now() - t0 < waitMs + 2000)
        await new Promise((res) => setTimeout(res, 1));
      if (written < N) throw new Error(`${label}: only ${written} of ${N} streams written`);
      fan.push(lastFanoutMs);
      const c0 = performance.now();
      flushCallbacks();
      await Promise.resolve();
      await tick();
      cbs.push(performance.now() - c0);
      await settle();
      const a0 = performance.now();
      for (const call of calls)
        call.emit('data', { type_url: call.last!.type_url, response_nonce: call.last!.nonce });
      acks.push(performance.now() - a0);
      await settle();
    }
    figures.push({
      scenario: label,
      fanoutMs: median(fan),
      fanoutMaxMs: Math.max(...fan),
      callbacksMs: median(cbs),
      acksMs: median(acks),
    });
  };
  const original = xds.push.bind(xds);
  let lastFanoutMs = 0;
  xds.push = (req) => {
    const t = performance.now();
    original(req);
    lastFanoutMs = performance.now() - t;
  };
  await measure('endpoint change', (r) => store.apply(parseIstioYaml(seYaml(7, r, K), 'se-7.yaml')[0]!), 0);
  await measure('route change', (r) => store.apply(parseIstioYaml(vsYaml(7, r), 'vs-7.yaml')[0]!), 100);
  await pilot.stop();
  return figures;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '2000' },
      services: { type: 'string', default: '1000' },
      endpoints: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '20' },
      dist: { type: 'boolean', default: false },
    },
  });
  const clients = Number(values.clients);
  const figures = await runFanoutMicro({
    clients,
    services: Number(values.services),
    endpoints: Number(values.endpoints),
    rounds: Number(values.rounds),
    dist: values.dist,
  });
  for (const f of figures) {
    console.log(
      `${f.scenario}: fan-out ${f.fanoutMs.toFixed(2)} ms median (${((f.fanoutMs * 1000) / clients).toFixed(2)} µs per stream, max ${f.fanoutMaxMs.toFixed(2)}), write callbacks ${f.callbacksMs.toFixed(2)} ms, ${clients} ACKs ${f.acksMs.toFixed(2)} ms`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
