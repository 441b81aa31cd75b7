/**
 * Every registry adapter against the one conformance suite (registry.case.ts): the in-memory
 * reference, ServiceEntry (config store), Kubernetes (a fake core view), Consul (a fake agent with
 * blocking queries) and Eureka (a fake server with deltas).
 */
import { ConfigStore } from '../../src/galley/config-store.js';
import { KubeCoreObjects } from '../../src/galley/sources/kube-core.js';
import type { KubeObject } from '../../src/galley/sources/kube-http.js';
import type { Endpoint, Service } from '../../src/model/service.js';
import { ConsulRegistry } from '../../src/registry/consul/controller.js';
import { EurekaRegistry } from '../../src/registry/eureka/controller.js';
import { KubeRegistry } from '../../src/registry/kube/controller.js';
import { MemoryRegistry } from '../../src/registry/memory.js';
import { ServiceEntryRegistry } from '../../src/registry/serviceentry/controller.js';
import { silentLogger } from '../../src/util/log.js';
import { serviceEntry } from '../unit/registry/se-fixtures.js';
import { FakeConsul } from './fakes/fake-consul.js';
import { FakeEureka } from './fakes/fake-eureka.js';
import { registryConformance, type ConformanceTarget, type ServiceSpec } from './registry.case.js';

const settle = (ms = 300) => new Promise<void>((r) => setTimeout(r, ms));

registryConformance(
  'memory',
  async () => {
    const registry = new MemoryRegistry('memory');
    const host = (n: string) => `${n}.memory.test`;
    const held = new Map<string, string>();
    return {
      registry,
      hostname: host,
      health: true,
      apply(specs: readonly ServiceSpec[]) {
        const names = new Set(specs.map((s) => s.name));
        for (const name of [...held.keys()]) {
          if (!names.has(name)) {
            registry.removeService(host(name), 'default');
            held.delete(name);
          }
        }
        for (const s of specs) {
          const endpoints: Endpoint[] = s.instances.map((i) => ({
            address: i.address,
            port: i.port,
            servicePortName: 'grpc',
            labels: i.labels,
            locality: { region: '', zone: '', subzone: '' },
            weight: 1,
            healthy: i.healthy !== false,
          }));
          const json = JSON.stringify(
            [...endpoints].sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port),
          );
          if (!held.has(s.name)) {
            const service: Service = {
              hostname: host(s.name),
              namespace: 'default',
              registry: 'memory',
              ports: [{ name: 'grpc', port: 80, protocol: 'GRPC' }],
              addresses: [],
              resolution: 'STATIC',
              meshExternal: false,
              exportTo: ['*'],
              labels: {},
            };
            registry.addService(service, endpoints);
          } else if (held.get(s.name) !== json) {
            registry.setEndpoints(host(s.name), 'default', endpoints);
          }
          held.set(s.name, json);
        }
      },
      close() {},
    };
  },
  { outage: false },
);

registryConformance(
  'serviceentry',
  async () => {
    const store = new ConfigStore(silentLogger());
    const registry = new ServiceEntryRegistry(store, { logger: silentLogger() });
    const host = (n: string) => `${n}.example.internal`;
    let held = new Set<string>();
    return {
      registry,
      hostname: host,
      health: false,
      apply(specs: readonly ServiceSpec[]) {
        const names = new Set(specs.map((s) => s.name));
        for (const name of held) if (!names.has(name)) store.delete('ServiceEntry', 'default', name);
        for (const s of specs) {
          store.apply(
            serviceEntry(s.name, {
              hosts: [host(s.name)],
              ports: [{ number: 80, name: 'grpc', protocol: 'GRPC' }],
              location: 'MESH_INTERNAL',
              resolution: 'STATIC',
              endpoints: s.instances.map((i) => ({
                address: i.address,
                ports: { grpc: i.port },
                labels: { ...i.labels },
              })),
            }),
          );
        }
        held = names;
      },
      close: () => registry.close(),
    };
  },
  { outage: false },
);

registryConformance(
  'kubernetes (fake core view)',
  async () => {
    const view = new KubeCoreObjects(() => true);
    const registry = new KubeRegistry(view, { logger: silentLogger() });
    const host = (n: string) => `${n}.default.svc.cluster.local`;
    let held: { services: KubeObject[]; slices: KubeObject[]; pods: KubeObject[] } = {
      services: [],
      slices: [],
      pods: [],
    };
    const meta = (name: string, labels: Record<string, string> = {}) => ({
      name,
      namespace: 'default',
      labels,
    });
    return {
      registry,
      hostname: host,
      health: true,
      apply(specs: readonly ServiceSpec[]) {
        const services: KubeObject[] = [];
        const slices: KubeObject[] = [];
        const pods: KubeObject[] = [];
        for (const s of specs) {
          services.push({
            metadata: meta(s.name),
            spec: { ports: [{ name: 'grpc', port: 80 }] },
          } as KubeObject);
          s.instances.forEach((i) => {
            const pod = `${s.name}-${i.address.replace(/\./g, '-')}-${i.port}`;
            pods.push({ metadata: meta(pod, { ...i.labels }), spec: {} } as KubeObject);
            slices.push({
              metadata: meta(pod, { 'kubernetes.io/service-name': s.name }),
              addressType: 'IPv4',
              endpoints: [
                {
                  addresses: [i.address],
                  conditions: { ready: i.healthy !== false },
                  targetRef: { kind: 'Pod', name: pod, namespace: 'default' },
                },
              ],
              ports: [{ name: 'grpc', port: i.port }],
            } as KubeObject);
          });
        }
        const gone = (before: KubeObject[], after: KubeObject[]) =>
          before.filter((b) => !after.some((a) => a.metadata.name === b.metadata.name));
        view.apply('Pod', pods, gone(held.pods, pods));
        view.apply('EndpointSlice', slices, gone(held.slices, slices));
        view.apply('Service', services, gone(held.services, services));
        held = { services, slices, pods };
      },
      close: () => registry.close(),
    };
  },
  { outage: false },
);

registryConformance(
  'consul (fake agent)',
  async () => {
    const fake = new FakeConsul();
    await fake.start();
    const registry = new ConsulRegistry({
      address: `${fake.url}?wait=2`,
      logger: silentLogger(),
      minIdleIntervalMs: 50,
      backoffBaseMs: 50,
      backoffMaxMs: 200,
    });
    await registry.start();
    await registry.waitForSync(5000);
    return {
      registry,
      hostname: (n) => `${n}.service.consul`,
      health: true,
      apply(specs: readonly ServiceSpec[]) {
        const names = new Set(specs.map((s) => s.name));
        for (const name of fake.names()) if (!names.has(name)) fake.remove(name);
        for (const s of specs) {
          fake.set(
            s.name,
            s.instances.map((i) => ({
              id: `${s.name}-${i.address}-${i.port}`,
              address: i.address,
              port: i.port,
              tags: Object.entries(i.labels).map(([k, v]) => `${k}=${v}`),
              meta: { protocol: 'grpc' },
              checks: [i.healthy === false ? 'critical' : 'passing'],
            })),
          );
        }
      },
      settle: () => settle(),
      outage: {
        down: () => fake.stop(),
        up: async () => void (await fake.start()),
        stale: () => registry.stale,
      },
      async close() {
        registry.close();
        await fake.stop();
      },
    } satisfies ConformanceTarget;
  },
  { outage: true },
);

registryConformance(
  'eureka (fake server)',
  async () => {
    const fake = new FakeEureka();
    await fake.start();
    const registry = new EurekaRegistry({
      url: fake.url,
      logger: silentLogger(),
      intervalMs: 50,
      backoffBaseMs: 50,
      backoffMaxMs: 200,
    });
    await registry.start();
    await registry.waitForSync(5000);
    return {
      registry,
      hostname: (n) => `${n}.eureka`,
      health: true,
      apply(specs: readonly ServiceSpec[]) {
        const wanted = new Set<string>();
        for (const s of specs) {
          for (const i of s.instances) {
            const id = `${i.address}:${i.port}`;
            wanted.add(`${s.name.toUpperCase()}/${id}`);
            fake.upsert({
              app: s.name,
              id,
              address: i.address,
              port: i.port,
              status: i.healthy === false ? 'DOWN' : 'UP',
              metadata: { ...i.labels },
            });
          }
        }
        for (const key of fake.keys()) {
          if (wanted.has(key)) continue;
          const [app, id] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
          fake.remove(app, id);
        }
      },
      settle: () => settle(),
      outage: {
        down: () => fake.stop(),
        up: async () => void (await fake.start()),
        stale: () => registry.stale,
      },
      async close() {
        registry.close();
        await fake.stop();
      },
    } satisfies ConformanceTarget;
  },
  { outage: true },
);
