/**
 * The registry conformance suite (design §6.5): one set of behaviours every ServiceRegistry
 * adapter must show, whatever its source. Each adapter supplies a target that can make its source
 * hold a given set of services and instances (a memory registry's calls, ServiceEntries in a
 * config store, Kubernetes objects in a fake view, a fake Consul agent, a fake Eureka server);
 * the suite drives it and checks what the registry says.
 *
 * Asynchronous adapters (Consul, Eureka) reach the state some time after `apply`: the suite waits
 * for the expected view rather than assuming it, and checks the change events seen on the way.
 */
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../src/model/service.js';
import type { RegistryChange, ServiceRegistry } from '../../src/registry/registry.js';

export interface InstanceSpec {
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Default true. Only used when the target supports health. */
  readonly healthy?: boolean;
}

export interface ServiceSpec {
  /** A short lowercase name; the adapter maps it to its own hostname. */
  readonly name: string;
  readonly instances: readonly InstanceSpec[];
}

export interface ConformanceTarget {
  readonly registry: ServiceRegistry;
  /** The hostname the adapter gives the service named `name`. */
  hostname(name: string): string;
  /** Makes the source hold exactly `services` (and nothing else). */
  apply(services: readonly ServiceSpec[]): Promise<void> | void;
  /** Lets an asynchronous adapter catch up with its source (a round trip); no-op otherwise. */
  settle?(): Promise<void>;
  /** Whether instances can be unhealthy in this source. */
  readonly health: boolean;
  /** Present when the source can become unreachable (remote registries). */
  readonly outage?: {
    down(): Promise<void>;
    up(): Promise<void>;
    stale(): boolean;
  };
  close(): Promise<void> | void;
}

async function eventually<T>(what: string, fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What the registry says, reduced to what the suite compares: host → sorted endpoint strings. */
function view(t: ConformanceTarget, healthOnly: boolean): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of t.registry.services()) {
    out[s.hostname] = t.registry
      .endpoints(s)
      .filter((e) => !healthOnly || e.healthy)
      .map((e) => `${e.address}:${e.port}`);
  }
  return out;
}

function expected(t: ConformanceTarget, specs: readonly ServiceSpec[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of specs) {
    out[t.hostname(s.name)] = s.instances
      .filter((i) => i.healthy !== false || !t.health)
      .map((i) => ({ a: i.address, p: i.port }))
      .sort((x, y) => (x.a !== y.a ? (x.a < y.a ? -1 : 1) : x.p - y.p))
      .map((i) => `${i.a}:${i.p}`);
  }
  return out;
}

function canonical(v: Record<string, string[]>): string {
  return JSON.stringify(
    Object.keys(v)
      .sort()
      .map((k) => [k, v[k]]),
  );
}

async function reach(t: ConformanceTarget, specs: readonly ServiceSpec[], what: string): Promise<void> {
  const want = canonical(expected(t, specs));
  try {
    await eventually(what, () => canonical(view(t, t.health)) === want);
  } catch (err) {
    throw new Error(`${(err as Error).message}; want ${want}, have ${canonical(view(t, t.health))}`);
  }
}

function recorder(r: ServiceRegistry): {
  changes: RegistryChange[];
  services: Set<string>;
  endpoints: Set<string>;
} {
  const rec = { changes: [] as RegistryChange[], services: new Set<string>(), endpoints: new Set<string>() };
  r.onChange((c) => {
    rec.changes.push(c);
    c.servicesChanged.forEach((h) => rec.services.add(h));
    c.endpointsChanged.forEach((h) => rec.endpoints.add(h));
  });
  return rec;
}

const ALPHA_V1: InstanceSpec = { address: '127.0.0.11', port: 9001, labels: { version: 'v1' } };
const ALPHA_V2: InstanceSpec = {
  address: '127.0.0.12',
  port: 9002,
  labels: { version: 'v2', track: 'canary' },
};
const ALPHA_V3: InstanceSpec = { address: '127.0.0.10', port: 9003, labels: { version: 'v3' } };
const ZETA_1: InstanceSpec = { address: '127.0.0.21', port: 9101, labels: { version: 'v1' } };
const ZETA_2: InstanceSpec = { address: '127.0.0.21', port: 9100, labels: { version: 'v1' } };

const BASE: readonly ServiceSpec[] = [
  { name: 'zeta', instances: [ZETA_1, ZETA_2] },
  { name: 'alpha', instances: [ALPHA_V2, ALPHA_V1] },
];

function isSorted(list: readonly Endpoint[]): boolean {
  for (let i = 1; i < list.length; i++) {
    const a = list[i - 1]!;
    const b = list[i]!;
    if (a.address > b.address || (a.address === b.address && a.port > b.port)) return false;
  }
  return true;
}

/** Defines the suite for one adapter. `make` builds a fresh target per test. */
export function registryConformance(
  name: string,
  make: () => Promise<ConformanceTarget>,
  capabilities: { readonly outage: boolean },
): void {
  describe(`registry conformance: ${name}`, () => {
    const withTarget = (fn: (t: ConformanceTarget) => Promise<void>) => async () => {
      const t = await make();
      try {
        await fn(t);
      } finally {
        await t.close();
      }
    };

    it(
      'lists every service once, sorted by hostname, with sorted endpoints carrying their labels',
      withTarget(async (t) => {
        await t.apply(BASE);
        await reach(t, BASE, 'the base state');
        const services = t.registry.services();
        expect(services.map((s) => s.hostname)).toEqual([t.hostname('alpha'), t.hostname('zeta')].sort());
        for (const s of services) {
          expect(s.registry).toBe(t.registry.provider);
          expect(s.ports.length).toBeGreaterThan(0);
          const eps = t.registry.endpoints(s);
          expect(isSorted(eps)).toBe(true);
          const portNames = new Set(s.ports.map((p) => p.name));
          for (const e of eps) expect(portNames.has(e.servicePortName)).toBe(true);
        }
        const alpha = services.find((s) => s.hostname === t.hostname('alpha'))!;
        const v2 = t.registry.endpoints(alpha).find((e) => e.address === ALPHA_V2.address)!;
        expect(v2.labels).toMatchObject(ALPHA_V2.labels);
        expect(v2.port).toBe(ALPHA_V2.port);
      }),
    );

    it(
      'answers the same thing twice (deterministic reads)',
      withTarget(async (t) => {
        await t.apply(BASE);
        await reach(t, BASE, 'the base state');
        const first = JSON.stringify(t.registry.services().map((s) => [s, t.registry.endpoints(s)]));
        const second = JSON.stringify(t.registry.services().map((s) => [s, t.registry.endpoints(s)]));
        expect(second).toBe(first);
      }),
    );

    it(
      'reports an instance change as endpoints-only (EDS fast path)',
      withTarget(async (t) => {
        await t.apply(BASE);
        await reach(t, BASE, 'the base state');
        await t.settle?.();
        const rec = recorder(t.registry);
        const next = [BASE[0]!, { name: 'alpha', instances: [ALPHA_V1, ALPHA_V2, ALPHA_V3] }];
        await t.apply(next);
        await reach(t, next, 'alpha with a third instance');
        const alpha = t.hostname('alpha');
        expect(rec.endpoints.has(alpha)).toBe(true);
        expect(rec.services.has(alpha)).toBe(false);
        expect(rec.services.has(t.hostname('zeta'))).toBe(false);
      }),
    );

    it(
      'reports a removed service as a services change and forgets its endpoints',
      withTarget(async (t) => {
        await t.apply(BASE);
        await reach(t, BASE, 'the base state');
        const zeta = t.registry.services().find((s) => s.hostname === t.hostname('zeta'))!;
        const rec = recorder(t.registry);
        const next = [BASE[1]!];
        await t.apply(next);
        await reach(t, next, 'zeta removed');
        expect(rec.services.has(t.hostname('zeta'))).toBe(true);
        expect(t.registry.endpoints(zeta)).toEqual([]);
      }),
    );

    it(
      'reports nothing when the source holds the same thing again',
      withTarget(async (t) => {
        await t.apply(BASE);
        await reach(t, BASE, 'the base state');
        await t.settle?.();
        const rec = recorder(t.registry);
        await t.apply(BASE);
        await t.settle?.();
        expect(rec.changes).toEqual([]);
      }),
    );

    it(
      'an empty source is an empty registry',
      withTarget(async (t) => {
        await t.apply(BASE);
        await reach(t, BASE, 'the base state');
        await t.apply([]);
        await reach(t, [], 'nothing');
        expect(t.registry.services()).toEqual([]);
        if (t.outage) expect(t.outage.stale()).toBe(false);
      }),
    );

    it(
      'never serves an unhealthy instance (when the source has health)',
      withTarget(async (t) => {
        const next = [{ name: 'alpha', instances: [ALPHA_V1, { ...ALPHA_V2, healthy: false }] }];
        await t.apply(next);
        await reach(t, next, 'alpha with one healthy instance');
        const alpha = t.registry.services()[0]!;
        const served = t.registry.endpoints(alpha).filter((e: Endpoint) => e.healthy);
        if (t.health) expect(served.map((e) => e.address)).toEqual([ALPHA_V1.address]);
        else expect(served.map((e) => e.address).sort()).toEqual([ALPHA_V1.address, ALPHA_V2.address].sort());
      }),
    );

    if (!capabilities.outage) return;

    it(
      'keeps the last known endpoints through an outage, says stale, and resyncs when back',
      withTarget(async (t) => {
        if (!t.outage) throw new Error(`${name} declares outages but its target has no outage control`);
        await t.apply(BASE);
        await reach(t, BASE, 'the base state');
        expect(t.outage.stale()).toBe(false);
        const before = JSON.stringify(view(t, false));
        await t.outage.down();
        await eventually('stale', () => t.outage!.stale());
        expect(JSON.stringify(view(t, false))).toBe(before);
        const next = [{ name: 'alpha', instances: [ALPHA_V3] }];
        await t.apply(next);
        await t.outage.up();
        await reach(t, next, 'the state after the outage');
        await eventually('not stale', () => !t.outage!.stale());
      }),
    );
  });
}
