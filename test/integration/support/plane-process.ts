/**
 * `meshplane galley` and `meshplane pilot` as separate child processes (`node dist/main.js ...`),
 * with fixed ports when asked (a restarted process is found at the same address), JSON log lines
 * collected, and `kill -9`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { collectOutput, freePort, REPO_ROOT, waitFor, type LogLine } from './harness.js';

export class PlaneProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];

  private constructor(
    readonly command: string,
    readonly child: ChildProcess,
    readonly httpPort: number,
  ) {}

  /** Spawns `meshplane COMMAND --http-address 127.0.0.1:PORT ...args` and waits for `/ready`. */
  static async start(
    command: 'galley' | 'pilot' | 'discovery',
    args: readonly string[],
    opts: { httpPort?: number; readyTimeoutMs?: number; logLevel?: string } = {},
  ): Promise<PlaneProcess> {
    const httpPort = opts.httpPort ?? (await freePort());
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'dist/main.js'),
        command,
        '--http-address',
        `127.0.0.1:${httpPort}`,
        '--log-level',
        opts.logLevel ?? 'debug',
        // Many processes run at once: no TLS listener on the fixed 15012 unless a test asks for one.
        ...(command === 'galley' ? [] : ['--secure-xds-address', 'off']),
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const p = new PlaneProcess(command, child, httpPort);
    collectOutput(child, p.logs, p.stderr);
    try {
      await waitFor(
        `meshplane ${command} /ready`,
        async () => {
          if (child.exitCode !== null) throw new Error(`meshplane ${command} exited: ${p.stderr.join('')}`);
          return (await fetch(`http://127.0.0.1:${httpPort}/ready`)).status === 200;
        },
        opts.readyTimeoutMs ?? 20_000,
        50,
      );
    } catch (err) {
      // Never leave a half-started process behind a failed test.
      await p.kill9();
      throw err;
    }
    return p;
  }

  async get<T>(urlPath: string): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${this.httpPort}${urlPath}`);
    if (urlPath === '/metrics') return (await res.text()) as T;
    return (await res.json()) as T;
  }

  /** Log lines with this message. */
  logged(msg: string): LogLine[] {
    return this.logs.filter((l) => l.msg === msg);
  }

  async kill9(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
