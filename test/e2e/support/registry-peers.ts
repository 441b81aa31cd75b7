/**
 * The Consul and Eureka test peers: located in the peer cache (built by
 * `test/e2e/peers/build-consul.sh` and `build-eureka.sh`), run on 127.0.0.1 with ports of their
 * own, killed and restarted on the same ports. A missing or stale peer is an error naming the
 * command that builds it: the e2e suite fails, it never skips.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, waitFor } from '../../integration/support/harness.js';
import { peerCacheDir, REPO_ROOT } from './kube-peers.js';

const PEERS_DIR = path.join(REPO_ROOT, 'test/e2e/peers');
export const CONSUL_BUILD_COMMAND = 'test/e2e/peers/build-consul.sh';
export const EUREKA_BUILD_COMMAND = 'test/e2e/peers/build-eureka.sh';

function stampOf(files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(path.join(PEERS_DIR, f)));
  return h.digest('hex');
}

function checkPeer(
  name: string,
  artifact: string,
  files: readonly string[],
  command: string,
  cold: string,
): string {
  const cache = path.join(peerCacheDir(), name);
  let present = true;
  try {
    accessSync(artifact, constants.R_OK);
  } catch {
    present = false;
  }
  const stampFile = path.join(cache, 'stamp');
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
  if (!present || stamp !== stampOf(files)) {
    const why = present
      ? `stale: ${stampFile} does not match test/e2e/peers/${name} and ${command}`
      : `missing: ${artifact}`;
    throw new Error(
      `${name} test peer not usable (${why}). Build it with \`${command}\` ` +
        `(cold build measured at about ${cold} on 2 shared cores; set MESHPLANE_PEER_CACHE to choose the cache directory).`,
    );
  }
  return artifact;
}

/** The Consul binary, or an Error saying how to build it. */
export function findConsul(): string {
  const bin = path.join(peerCacheDir(), 'consul', 'bin', 'consul');
  return checkPeer(
    'consul',
    bin,
    ['consul/go.mod', 'consul/go.sum', 'build-consul.sh'],
    CONSUL_BUILD_COMMAND,
    '6.5 minutes',
  );
}

/** The Eureka server jar, or an Error saying how to build it. */
export function findEureka(): string {
  const jar = path.join(peerCacheDir(), 'eureka', 'bin', 'peer-eureka.jar');
  const files = [
    'eureka/pom.xml',
    'eureka/src/main/java/local/peers/eureka/PeerEurekaServer.java',
    'eureka/src/main/resources/application.yml',
    'build-eureka.sh',
  ];
  return checkPeer('eureka', jar, files, EUREKA_BUILD_COMMAND, '40 seconds (first Maven download)');
}

/** A child process with its output kept (for failure messages). */
abstract class PeerProcess {
  protected child: ChildProcess | undefined;
  readonly output: string[] = [];

  protected spawn(cmd: string, args: string[]): void {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      this.output.push(d.toString());
      if (this.output.length > 400) this.output.splice(0, 100);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.child = child;
  }

  protected exited(): boolean {
    return !this.child || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** SIGKILL (a crash), waiting for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  tail(): string {
    return this.output.join('').slice(-3000);
  }
}

/** `consul agent -dev` on 127.0.0.1, every port its own (DNS and gRPC off). */
export class ConsulAgent extends PeerProcess {
  private constructor(
    private readonly bin: string,
    readonly httpPort: number,
    private readonly ports: { server: number; lan: number; wan: number },
  ) {
    super();
  }

  static async start(): Promise<ConsulAgent> {
    const bin = findConsul();
    const agent = new ConsulAgent(bin, await freePort(), {
      server: await freePort(),
      lan: await freePort(),
      wan: await freePort(),
    });
    await agent.restart();
    return agent;
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** Starts (again) on the same ports; dev mode starts with an empty catalog. */
  async restart(): Promise<void> {
    this.spawn(this.bin, [
      'agent',
      '-dev',
      '-node=peer-consul',
      '-bind=127.0.0.1',
      '-client=127.0.0.1',
      '-advertise=127.0.0.1',
      `-http-port=${this.httpPort}`,
      '-dns-port=-1',
      '-grpc-port=-1',
      '-grpc-tls-port=-1',
      `-server-port=${this.ports.server}`,
      `-serf-lan-port=${this.ports.lan}`,
      `-serf-wan-port=${this.ports.wan}`,
      '-hcl',
      'disable_update_check = true',
      '-hcl',
      'disable_anonymous_signature = true',
      '-log-level=warn',
    ]);
    await waitFor(
      'consul leader',
      async () => {
        if (this.exited()) throw new Error(`consul exited: ${this.tail()}`);
        const res = await fetch(`${this.url}/v1/status/leader`);
        const text = await res.text();
        return res.ok && text.includes(`127.0.0.1:${this.ports.server}`);
      },
      60_000,
      200,
    );
  }

  async put(pathname: string, body?: unknown): Promise<void> {
    const res = await fetch(`${this.url}${pathname}`, {
      method: 'PUT',
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    if (!res.ok) throw new Error(`PUT ${pathname}: ${res.status} ${await res.text()}`);
  }

  /** Registers a service instance with a TTL check that starts passing. */
  register(s: {
    id: string;
    name: string;
    port: number;
    tags: string[];
    meta: Record<string, string>;
  }): Promise<void> {
    return this.put('/v1/agent/service/register', {
      ID: s.id,
      Name: s.name,
      Tags: s.tags,
      Address: '127.0.0.1',
      Port: s.port,
      Meta: s.meta,
      Check: { CheckID: `service:${s.id}`, TTL: '10m', Status: 'passing' },
    });
  }

  deregister(id: string): Promise<void> {
    return this.put(`/v1/agent/service/deregister/${encodeURIComponent(id)}`);
  }

  setCheck(id: string, status: 'pass' | 'warn' | 'fail'): Promise<void> {
    return this.put(`/v1/agent/check/${status}/service:${encodeURIComponent(id)}`);
  }
}

/** The Spring Cloud Netflix Eureka server on 127.0.0.1. */
export class EurekaServer extends PeerProcess {
  private constructor(
    private readonly jar: string,
    readonly port: number,
  ) {
    super();
  }

  static async start(): Promise<EurekaServer> {
    const server = new EurekaServer(findEureka(), await freePort());
    await server.restart();
    return server;
  }

  /** Base URL as `--eureka-url` takes it. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/eureka`;
  }

  async restart(): Promise<void> {
    this.spawn('java', [
      '-Xmx256m',
      '-XX:TieredStopAtLevel=1',
      '-jar',
      this.jar,
      `--server.port=${this.port}`,
    ]);
    await waitFor(
      'eureka /eureka/apps',
      async () => {
        if (this.exited()) throw new Error(`eureka exited: ${this.tail()}`);
        const res = await fetch(`${this.url}/apps`, { headers: { accept: 'application/json' } });
        return res.ok;
      },
      120_000,
      500,
    );
  }
}

/** What the test registers in Eureka for one backend. */
export interface EurekaInstanceSpec {
  readonly app: string;
  readonly id: string;
  readonly port: number;
  readonly vip: string;
  readonly metadata: Record<string, string>;
}

/**
 * A Eureka client for the test's backends, as a real one behaves: registers, heartbeats every
 * second, and registers again when a heartbeat answers 404 (the server forgot it: a restart).
 */
export class EurekaClient {
  private readonly instances = new Map<string, EurekaInstanceSpec>();
  private timer: NodeJS.Timeout | undefined;
  private paused = false;
  /** What each instance's last heartbeat got (for failure messages). */
  private readonly beats = new Map<string, string>();

  constructor(private readonly server: EurekaServer) {}

  async register(i: EurekaInstanceSpec): Promise<void> {
    this.instances.set(i.id, i);
    await this.post(i);
    this.timer ??= setInterval(() => void this.heartbeat(), 1000);
  }

  async deregister(id: string): Promise<void> {
    const i = this.instances.get(id);
    this.instances.delete(id);
    if (i) await fetch(`${this.server.url}/apps/${i.app}/${id}`, { method: 'DELETE' });
  }

  /** Status override (`OUT_OF_SERVICE`), or back to `UP` when `status` is `UP`. */
  async setStatus(id: string, status: 'UP' | 'OUT_OF_SERVICE'): Promise<void> {
    const i = this.instances.get(id)!;
    const url = `${this.server.url}/apps/${i.app}/${id}/status?value=${status}`;
    const res = await fetch(url, { method: status === 'UP' ? 'DELETE' : 'PUT' });
    if (!res.ok) throw new Error(`status ${status} of ${id}: ${res.status}`);
  }

  /** Each instance's last heartbeat outcome, one line (for failure messages). */
  lastBeats(): string {
    return [...this.beats].map(([id, b]) => `${id}: ${b}`).join('; ') || 'no heartbeat yet';
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Heartbeats (and re-registrations) stop until `resume`: a client that is away. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  private async post(i: EurekaInstanceSpec): Promise<void> {
    const res = await fetch(`${this.server.url}/apps/${i.app}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        instance: {
          instanceId: i.id,
          app: i.app,
          hostName: '127.0.0.1',
          ipAddr: '127.0.0.1',
          status: 'UP',
          overriddenStatus: 'UNKNOWN',
          port: { $: i.port, '@enabled': 'true' },
          securePort: { $: 443, '@enabled': 'false' },
          vipAddress: i.vip,
          secureVipAddress: i.vip,
          dataCenterInfo: {
            '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo',
            name: 'MyOwn',
          },
          leaseInfo: { renewalIntervalInSecs: 1, durationInSecs: 30 },
          metadata: i.metadata,
        },
      }),
    });
    if (res.status !== 204 && !res.ok) throw new Error(`register ${i.id}: ${res.status} ${await res.text()}`);
  }

  private async heartbeat(): Promise<void> {
    if (this.paused) return;
    for (const i of [...this.instances.values()]) {
      try {
        const res = await fetch(`${this.server.url}/apps/${i.app}/${i.id}`, { method: 'PUT' });
        this.beats.set(i.id, `${new Date().toISOString()} renew ${res.status}`);
        if (res.status === 404 && this.instances.has(i.id)) {
          await this.post(i);
          this.beats.set(i.id, `${new Date().toISOString()} renew 404, registered`);
        }
      } catch (err) {
        // The server is down: a real client keeps trying too.
        this.beats.set(
          i.id,
          `${new Date().toISOString()} ${String(err instanceof Error && err.cause ? err.cause : err)}`,
        );
      }
    }
  }
}
