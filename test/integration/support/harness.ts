/**
 * Integration harness: runs meshplane as its users do (`node dist/main.js discovery`, a child
 * process with its own ports), real gRPC backends on 127.0.0.1, and real @grpc/grpc-js-xds
 * clients in child processes.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** Parses a child's stdout as JSON log lines (a line that is not JSON is kept as its `msg`). */
export function collectOutput(child: ChildProcess, logs: LogLine[], stderr: string[]): void {
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ level: 30, msg: line });
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
}

/** A meshplane process started from the built dist/, with its JSON log lines collected. */
export class MeshplaneProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  private constructor(
    readonly child: ChildProcess,
    readonly xdsPort: number,
    readonly httpPort: number,
  ) {}

  static async start(configDir: string, extraArgs: string[] = []): Promise<MeshplaneProcess> {
    return MeshplaneProcess.startDiscovery(['--config-dir', configDir, ...extraArgs]);
  }

  /**
   * `meshplane discovery` with any source flags (e.g. `--kubeconfig FILE --webhook-address H:P`).
   * Ports may be fixed, so a restarted process is found by clients at the same address.
   */
  static async startDiscovery(
    args: readonly string[],
    opts: { xdsPort?: number; httpPort?: number; readyTimeoutMs?: number } = {},
  ): Promise<MeshplaneProcess> {
    const xdsPort = opts.xdsPort ?? (await freePort());
    const httpPort = opts.httpPort ?? (await freePort());
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'dist/main.js'),
        'discovery',
        '--xds-address',
        `127.0.0.1:${xdsPort}`,
        '--http-address',
        `127.0.0.1:${httpPort}`,
        '--log-level',
        'debug',
        // Many processes run at once: no TLS listener on the fixed 15012 unless a test asks for one.
        '--secure-xds-address',
        'off',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const mp = new MeshplaneProcess(child, xdsPort, httpPort);
    collectOutput(child, mp.logs, mp.stderr);
    await waitFor(
      'meshplane /ready',
      async () => {
        if (child.exitCode !== null) throw new Error(`meshplane exited: ${mp.stderr.join('')}`);
        const res = await fetch(`http://127.0.0.1:${httpPort}/ready`);
        return res.status === 200;
      },
      opts.readyTimeoutMs ?? 20_000,
      100,
    );
    return mp;
  }

  /** Log lines (as text) at error level or above, for assertions on bad-input reporting. */
  errorLines(): string[] {
    return this.logs.filter((l) => l.level >= 50).map((l) => JSON.stringify(l));
  }

  async stop(): Promise<void> {
    // A process killed by a signal has `signalCode` set and `exitCode` null.
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await new Promise((r) => this.child.once('exit', r));
  }
}

/** A proxyless gRPC client (grpc-js-xds) in its own process, bootstrapped to `xdsPort`. */
export class XdsClientProcess {
  private nextId = 1;
  private pending = new Map<number, (counts: Record<string, number>) => void>();
  private constructor(readonly child: ChildProcess) {
    child.on('message', (m: { id?: number; counts?: Record<string, number> }) => {
      if (m.id !== undefined && m.counts) {
        this.pending.get(m.id)?.(m.counts);
        this.pending.delete(m.id);
      }
    });
  }

  static async start(xdsPort: number, namespace = 'default'): Promise<XdsClientProcess> {
    const bootstrap = {
      xds_servers: [
        {
          server_uri: `127.0.0.1:${xdsPort}`,
          channel_creds: [{ type: 'insecure' }],
          server_features: ['xds_v3'],
        },
      ],
      node: {
        id: `sidecar~127.0.0.1~client-${process.pid}-${Date.now()}.${namespace}~${namespace}.svc.cluster.local`,
        metadata: { GENERATOR: 'grpc', NAMESPACE: namespace },
        locality: {},
      },
    };
    const child = fork(path.join(REPO_ROOT, 'test/integration/support/xds-client-child.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`xds client exited with ${code}`)));
    });
    return new XdsClientProcess(child);
  }

  call(target: string, count: number, metadata?: Record<string, string>): Promise<Record<string, number>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ id, op: 'call', target, count, metadata });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await new Promise((r) => this.child.once('exit', r));
  }
}
