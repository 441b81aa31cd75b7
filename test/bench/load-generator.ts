/**
 * The orchestrator's handle on the load-generator processes (load-client.ts): splits N clients
 * across W processes, forwards commands, and gathers the per-client timestamps they record.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  ClientCounters,
  ExpectItem,
  FromWorker,
  NodeShape,
  SyncGoal,
  ToWorker,
  XdsMode,
} from './protocol.js';

const WORKER_FILE = fileURLToPath(new URL('./load-client.ts', import.meta.url));

export interface LoadGeneratorOptions {
  readonly target: string;
  readonly clients: number;
  readonly workers: number;
  readonly mode: XdsMode;
  readonly shape: NodeShape;
  readonly goal: SyncGoal;
  /** Directory for V8 CPU profiles of the load processes (`--load-cpu-prof`). */
  readonly cpuProfDir?: string;
}

/** Per-client absolute timestamps (ms, NaN where nothing arrived) in client order. */
export interface Arrivals {
  readonly times: number[];
  readonly complete: boolean;
}

interface Waiter {
  pred: (m: FromWorker) => boolean;
  resolve: (m: FromWorker) => void;
}

class Worker {
  private readonly buffered: FromWorker[] = [];
  private readonly waiters: Waiter[] = [];
  exited = false;
  stderr = '';

  constructor(readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const m = raw as FromWorker;
      if (m.op === 'error') process.stderr.write(`bench load worker error: ${m.message}\n`);
      const i = this.waiters.findIndex((w) => w.pred(m));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
      else this.buffered.push(m);
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    child.on('exit', () => {
      this.exited = true;
    });
  }

  send(msg: ToWorker): void {
    this.child.send(msg);
  }

  /** The next message matching `pred` (buffered ones first); undefined after `timeoutMs`. */
  next<T extends FromWorker>(pred: (m: FromWorker) => boolean, timeoutMs: number): Promise<T | undefined> {
    const i = this.buffered.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.buffered.splice(i, 1)[0] as T);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
      };
      const timer = setTimeout(() => {
        const k = this.waiters.indexOf(waiter);
        if (k >= 0) this.waiters.splice(k, 1);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

export class LoadGenerator {
  private seq = 0;

  private constructor(
    private readonly workers: Worker[],
    readonly clients: number,
  ) {}

  static async start(opts: LoadGeneratorOptions): Promise<LoadGenerator> {
    const w = Math.max(1, Math.min(opts.workers, opts.clients || 1));
    const workers: Worker[] = [];
    let first = 0;
    for (let k = 0; k < w; k++) {
      const count = Math.floor(opts.clients / w) + (k < opts.clients % w ? 1 : 0);
      const child = fork(WORKER_FILE, [], {
        execArgv: [
          '--import',
          'tsx',
          '--max-old-space-size=4096',
          // The load processes stand in for proxies, which do not garbage-collect: after the
          // bench's 60 s idle, V8's memory reducer would have shrunk their heaps, and the first
          // push would then pay their regrowth (the floor, measured with warm processes, would
          // not). Off, so every measurement sees the clients in the same state.
          '--no-memory-reducer',
          ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
        ],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      });
      const worker = new Worker(child);
      workers.push(worker);
      if (!(await worker.next((m) => m.op === 'ready', 30_000)))
        throw new Error(`load worker ${k} did not start: ${worker.stderr}`);
      worker.send({
        op: 'init',
        target: opts.target,
        mode: opts.mode,
        shape: opts.shape,
        first,
        count,
        goal: opts.goal,
      });
      if (!(await worker.next((m) => m.op === 'inited', 30_000)))
        throw new Error(`load worker ${k} did not initialise: ${worker.stderr}`);
      first += count;
    }
    return new LoadGenerator(workers, opts.clients);
  }

  /** Process ids of the load workers (their CPU is reported apart from meshplane's). */
  pids(): number[] {
    return this.workers.map((w) => w.child.pid ?? 0);
  }

  connect(): void {
    for (const w of this.workers) w.send({ op: 'connect' });
  }

  /** Waits until every client synced (or the deadline), returning sync times. */
  async waitSynced(deadline: number): Promise<Arrivals> {
    return this.gather(
      (w, ms) => w.next((m) => m.op === 'synced' && m.complete, ms),
      (w) => w.send({ op: 'sync-collect' }),
      (w) => w.next((m) => m.op === 'synced', 5000),
      deadline,
    );
  }

  /** Arms an expectation in every worker; resolves once all are armed. */
  async arm(items: ExpectItem[]): Promise<number> {
    const id = ++this.seq;
    for (const w of this.workers) w.send({ op: 'expect', id, items });
    await Promise.all(this.workers.map((w) => w.next((m) => m.op === 'armed' && m.id === id, 10_000)));
    return id;
  }

  /** Waits for every client to match expectation `id` (or the deadline). */
  async waitMatched(id: number, deadline: number): Promise<Arrivals> {
    return this.gather(
      (w, ms) => w.next((m) => m.op === 'matched' && m.id === id && m.complete, ms),
      (w) => w.send({ op: 'collect', id }),
      (w) => w.next((m) => m.op === 'matched' && m.id === id, 5000),
      deadline,
    );
  }

  async counters(): Promise<ClientCounters> {
    const total: ClientCounters = {
      bytes: 0,
      bytesByType: {},
      responses: 0,
      acks: 0,
      errors: 0,
      streamErrors: 0,
      lastError: '',
    };
    for (const w of this.workers) w.send({ op: 'counters' });
    const replies = await Promise.all(this.workers.map((w) => w.next((m) => m.op === 'counters', 10_000)));
    for (const r of replies) {
      if (r?.op !== 'counters') continue;
      const c = r.counters;
      total.bytes += c.bytes;
      for (const [t, n] of Object.entries(c.bytesByType))
        total.bytesByType[t] = (total.bytesByType[t] ?? 0) + n;
      total.responses += c.responses;
      total.acks += c.acks;
      total.errors += c.errors;
      total.streamErrors += c.streamErrors;
      total.lastError ||= c.lastError;
    }
    return total;
  }

  async floorConnect(target: string): Promise<void> {
    for (const w of this.workers) w.send({ op: 'floor-connect', target });
    await Promise.all(this.workers.map((w) => w.next((m) => m.op === 'floor-connected', 30_000)));
  }

  async floorArm(nonce: string): Promise<number> {
    const id = ++this.seq;
    for (const w of this.workers) w.send({ op: 'floor-expect', id, nonce });
    await Promise.all(this.workers.map((w) => w.next((m) => m.op === 'floor-armed' && m.id === id, 10_000)));
    return id;
  }

  async floorWait(id: number, deadline: number): Promise<Arrivals> {
    return this.gather(
      (w, ms) => w.next((m) => m.op === 'floor-matched' && m.id === id && m.complete, ms),
      (w) => w.send({ op: 'floor-collect', id }),
      (w) => w.next((m) => m.op === 'floor-matched' && m.id === id, 5000),
      deadline,
    );
  }

  async close(): Promise<void> {
    for (const w of this.workers) if (!w.exited) w.send({ op: 'close' });
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.exited) return;
        await w.next((m) => m.op === 'closed', 5000);
        // The worker exits by itself right after (a CPU profile is written on exit).
        if (!w.exited)
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 3000);
            w.child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          });
        if (!w.exited) w.child.kill('SIGTERM');
      }),
    );
  }

  /** Per worker: the complete reply before the deadline, else whatever it has by then. */
  private async gather(
    complete: (w: Worker, ms: number) => Promise<FromWorker | undefined>,
    collect: (w: Worker) => void,
    partial: (w: Worker) => Promise<FromWorker | undefined>,
    deadline: number,
  ): Promise<Arrivals> {
    const parts = await Promise.all(
      this.workers.map(async (w) => {
        let m = await complete(w, Math.max(1, deadline - Date.now()));
        if (!m) {
          collect(w);
          m = await partial(w);
        }
        const times = m && 'times' in m ? m.times : [];
        return { times, complete: Boolean(m && 'complete' in m && m.complete) };
      }),
    );
    return { times: parts.flatMap((p) => p.times), complete: parts.every((p) => p.complete) };
  }
}
