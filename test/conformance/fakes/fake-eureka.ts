/**
 * A fake Eureka server for unit and conformance tests: `GET /eureka/apps` and
 * `/eureka/apps/delta` (JSON, Eureka's shapes), the delta holding the changes since the last
 * `clearDelta()` (the real server keeps 3 minutes of them) and the apps hashcode of the whole
 * registry, as the real server computes it.
 */
import type { EurekaInstance } from '../../../src/registry/eureka/conversion.js';
import { FakeHttpServer, sendJson } from './fake-http-server.js';

export interface FakeEurekaInstance {
  readonly app: string;
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly status?: string;
  readonly vip?: string;
  readonly securePort?: number;
  readonly metadata?: Record<string, string>;
}

function toEureka(i: FakeEurekaInstance, actionType: string): EurekaInstance {
  return {
    instanceId: i.id,
    app: i.app.toUpperCase(),
    hostName: i.address,
    ipAddr: i.address,
    status: i.status ?? 'UP',
    port: { $: i.port, '@enabled': 'true' },
    securePort: { $: i.securePort ?? 443, '@enabled': i.securePort ? 'true' : 'false' },
    vipAddress: i.vip ?? i.app.toLowerCase(),
    secureVipAddress: i.vip ?? i.app.toLowerCase(),
    metadata: { '@class': 'java.util.Collections$EmptyMap', ...(i.metadata ?? {}) },
    dataCenterInfo: { name: 'MyOwn' },
    actionType,
  };
}

export class FakeEureka {
  readonly http: FakeHttpServer;
  private readonly instances = new Map<string, FakeEurekaInstance>();
  private delta = new Map<string, EurekaInstance>();
  /** When true, deltas come back empty (changes "lost"): the client must notice by the hashcode. */
  loseDeltas = false;
  fullFetches = 0;
  deltaFetches = 0;

  constructor() {
    this.http = new FakeHttpServer((_req, url, res) => {
      if (url.pathname === '/eureka/apps') {
        this.fullFetches++;
        return sendJson(res, this.document([...this.instances.values()].map((i) => toEureka(i, 'ADDED'))));
      }
      if (url.pathname === '/eureka/apps/delta') {
        this.deltaFetches++;
        return sendJson(res, this.document(this.loseDeltas ? [] : [...this.delta.values()]));
      }
      res.writeHead(404);
      res.end();
    });
  }

  start(port?: number): Promise<number> {
    return this.http.start(port);
  }

  stop(): Promise<void> {
    return this.http.stop();
  }

  /** Base URL as `--eureka-url` takes it. */
  get url(): string {
    return `${this.http.url}/eureka`;
  }

  upsert(i: FakeEurekaInstance): void {
    const key = `${i.app.toUpperCase()}/${i.id}`;
    const existed = this.instances.has(key);
    this.instances.set(key, i);
    this.delta.set(key, toEureka(i, existed ? 'MODIFIED' : 'ADDED'));
  }

  remove(app: string, id: string): void {
    const key = `${app.toUpperCase()}/${id}`;
    const i = this.instances.get(key);
    if (!i) return;
    this.instances.delete(key);
    this.delta.set(key, toEureka(i, 'DELETED'));
  }

  /** Everything registered, as keys `APP/id`. */
  keys(): string[] {
    return [...this.instances.keys()];
  }

  clearDelta(): void {
    this.delta = new Map();
  }

  /** Forgets everything (a restarted server). */
  reset(): void {
    this.instances.clear();
    this.delta = new Map();
  }

  hashcode(): string {
    const counts = new Map<string, number>();
    for (const i of this.instances.values())
      counts.set(i.status ?? 'UP', (counts.get(i.status ?? 'UP') ?? 0) + 1);
    return [...counts.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([s, n]) => `${s}_${n}_`)
      .join('');
  }

  private document(instances: EurekaInstance[]): unknown {
    const byApp = new Map<string, EurekaInstance[]>();
    for (const i of instances) {
      const list = byApp.get(i.app!) ?? [];
      list.push(i);
      byApp.set(i.app!, list);
    }
    return {
      applications: {
        versions__delta: '1',
        apps__hashcode: this.hashcode(),
        application: [...byApp.entries()].map(([name, instance]) => ({ name, instance })),
      },
    };
  }
}
