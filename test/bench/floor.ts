/**
 * The orchestrator's side of the floor (floor-server.ts): starts the trivial server, has the load
 * generator open one more stream per client to it, and measures the delivery of one pre-encoded
 * message of a given size to all of them, as the bench measures meshplane's pushes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadGenerator } from './load-generator.js';
import { latencyStats, type LatencyStats } from './report.js';

const SERVER_FILE = fileURLToPath(new URL('./floor-server.ts', import.meta.url));

type FloorReply =
  | { op: 'listening'; port: number }
  | { op: 'count'; streams: number }
  | { op: 'sent'; t0: number; writeMs: number; bytes: number };

export interface FloorResult extends LatencyStats {
  /** Size of the broadcast message (bytes on the wire per stream, framing included). */
  readonly sizeBytes: number;
  readonly rounds: number;
  /** p99 of each round; the reported figures are those of the median round. */
  readonly p99s: number[];
  /** How long the floor server's write loop took in each round (ms). */
  readonly writeMs: number[];
}

export class FloorServer {
  private seq = 0;
  private readonly replies: FloorReply[] = [];
  private waiter: ((r: FloorReply) => void) | undefined;

  private constructor(
    private readonly child: ChildProcess,
    public address = '',
  ) {
    child.on('message', (m) => {
      const r = m as FloorReply;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(r);
      } else this.replies.push(r);
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static async start(): Promise<FloorServer> {
    const child = fork(SERVER_FILE, ['0'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    const f = new FloorServer(child);
    const r = await f.reply(30_000);
    if (r?.op !== 'listening') throw new Error('floor server did not start');
    f.address = `127.0.0.1:${r.port}`;
    return f;
  }

  private reply(timeoutMs: number): Promise<FloorReply | undefined> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiter = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
    });
  }

  async streams(): Promise<number> {
    this.child.send({ op: 'count' });
    const r = await this.reply(10_000);
    return r?.op === 'count' ? r.streams : 0;
  }

  async broadcast(nonce: string, size: number): Promise<{ t0: number; bytes: number; writeMs: number }> {
    this.child.send({ op: 'broadcast', nonce, size });
    const r = await this.reply(60_000);
    if (r?.op !== 'sent') throw new Error('floor broadcast failed');
    return { t0: r.t0, bytes: r.bytes, writeMs: r.writeMs };
  }

  /** Connects the load generator's floor streams and waits until the server holds all of them. */
  async attach(load: LoadGenerator, timeoutMs = 60_000): Promise<void> {
    await load.floorConnect(this.address);
    const deadline = Date.now() + timeoutMs;
    while ((await this.streams()) < load.clients) {
      if (Date.now() > deadline)
        throw new Error(`floor: only ${await this.streams()} of ${load.clients} streams`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Broadcasts `rounds` messages of `sizeBytes` (one at a time) and reports the median round. */
  async measure(
    load: LoadGenerator,
    sizeBytes: number,
    rounds: number,
    timeoutMs = 60_000,
  ): Promise<FloorResult> {
    const results: LatencyStats[] = [];
    const writeMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const nonce = `floor-${++this.seq}`;
      const id = await load.floorArm(nonce);
      const sent = await this.broadcast(nonce, Math.max(64, sizeBytes - 5));
      const t0 = sent.t0;
      writeMs.push(sent.writeMs);
      const arrivals = await load.floorWait(id, Date.now() + timeoutMs);
      results.push(latencyStats(arrivals.times.map((t) => t - t0)));
      await new Promise((r) => setTimeout(r, 200));
    }
    const sorted = [...results].sort((a, b) => a.p99 - b.p99);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    return { ...median, sizeBytes, rounds, p99s: results.map((r) => r.p99), writeMs };
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
  }
}
