/**
 * A fake Consul agent for unit and conformance tests: `/v1/catalog/services` and
 * `/v1/health/service/:name` with real blocking-query semantics (`index` + `wait` hold the
 * request until the index passes it or the wait ends; `X-Consul-Index` on every answer).
 */
import type { ServerResponse } from 'node:http';
import type { ConsulHealthEntry } from '../../../src/registry/consul/conversion.js';
import { FakeHttpServer, sendJson } from './fake-http-server.js';

export interface FakeConsulInstance {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly tags?: readonly string[];
  readonly meta?: Record<string, string>;
  /** Check statuses; default one passing check. */
  readonly checks?: readonly string[];
  readonly node?: string;
  readonly datacenter?: string;
}

export class FakeConsul {
  readonly http: FakeHttpServer;
  private index = 10;
  private readonly services = new Map<string, { index: number; instances: FakeConsulInstance[] }>();
  private catalogIndex = 10;
  private waiters: Array<() => void> = [];
  /** When set, every request answers this HTTP status (e.g. 500 "No cluster leader"). */
  failWith: number | undefined;
  /** When set, blocking queries answer at once with the current index (a misbehaving server). */
  noBlock = false;

  constructor() {
    this.http = new FakeHttpServer((_req, url, res) => {
      if (this.failWith) {
        res.writeHead(this.failWith);
        res.end('No cluster leader');
        return;
      }
      const m = /^\/v1\/health\/service\/(.+)$/.exec(url.pathname);
      if (url.pathname === '/v1/catalog/services') {
        return this.block(
          url,
          () => this.catalogIndex,
          () => {
            const body: Record<string, string[]> = { consul: [] };
            for (const [name, s] of this.services) {
              body[name] = [...new Set(s.instances.flatMap((i) => i.tags ?? []))];
            }
            return body;
          },
          res,
        );
      }
      if (m) {
        const name = decodeURIComponent(m[1]!);
        return this.block(
          url,
          () => this.services.get(name)?.index ?? this.catalogIndex,
          () => (this.services.get(name)?.instances ?? []).map((i) => this.entry(name, i)),
          res,
        );
      }
      res.writeHead(404);
      res.end();
    });
  }

  start(port?: number): Promise<number> {
    return this.http.start(port);
  }

  async stop(): Promise<void> {
    await this.http.stop();
    this.wake();
  }

  get url(): string {
    return this.http.url;
  }

  /** Sets the instances of a service (registering it if new). */
  set(name: string, instances: FakeConsulInstance[]): void {
    const isNew = !this.services.has(name);
    this.index++;
    this.services.set(name, { index: this.index, instances });
    if (isNew) this.catalogIndex = this.index;
    this.wake();
  }

  remove(name: string): void {
    if (!this.services.delete(name)) return;
    this.index++;
    this.catalogIndex = this.index;
    this.wake();
  }

  /** Removes everything and restarts the index low (an agent restarted in -dev mode). */
  reset(): void {
    this.services.clear();
    this.index = 2;
    this.catalogIndex = 2;
    this.wake();
  }

  names(): string[] {
    return [...this.services.keys()];
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private entry(name: string, i: FakeConsulInstance): ConsulHealthEntry {
    return {
      Node: { Node: i.node ?? 'node-1', Address: '127.0.0.1', Datacenter: i.datacenter ?? 'dc1', Meta: {} },
      Service: {
        ID: i.id,
        Service: name,
        Tags: i.tags ?? [],
        Address: i.address,
        Port: i.port,
        Meta: i.meta ?? {},
        Weights: { Passing: 1, Warning: 1 },
      },
      Checks: (i.checks ?? ['passing']).map((Status) => ({ Status, ServiceID: i.id })),
    };
  }

  private async block(
    url: URL,
    current: () => number,
    body: () => unknown,
    res: ServerResponse,
  ): Promise<void> {
    const wanted = Number(url.searchParams.get('index') ?? '0');
    const waitS = Number((url.searchParams.get('wait') ?? '300s').replace(/s$/, ''));
    const deadline = Date.now() + waitS * 1000;
    while (!this.noBlock && wanted > 0 && current() <= wanted && Date.now() < deadline && this.http.up) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (res.destroyed) return;
    sendJson(res, body(), { 'X-Consul-Index': String(current()), 'X-Consul-KnownLeader': 'true' });
  }
}
