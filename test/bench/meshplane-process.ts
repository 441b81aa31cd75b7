/**
 * meshplane under test: `node dist/main.js discovery` as a child process on the generated config
 * directory, loopback ports picked free, ready when `/ready` answers 200.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface MeshplaneStartOptions {
  readonly configDir: string;
  readonly logLevel?: string;
  /** Directory for a V8 CPU profile (`node --cpu-prof`), written when meshplane exits. */
  readonly cpuProfDir?: string;
  readonly extraArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
  /** Append meshplane's stdout and stderr to this file. */
  readonly logFile?: string;
}

export class MeshplaneProcess {
  private output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly xdsAddress: string,
    readonly httpAddress: string,
  ) {
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** The last lines meshplane printed (for failure reports). */
  tail(): string {
    return this.output;
  }

  static async start(opts: MeshplaneStartOptions): Promise<MeshplaneProcess> {
    const xds = `127.0.0.1:${await freePort()}`;
    const http = `127.0.0.1:${await freePort()}`;
    const webhook = `127.0.0.1:${await freePort()}`;
    const nodeArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        join(REPO_ROOT, 'dist/main.js'),
        'discovery',
        '--config-dir',
        opts.configDir,
        '--xds-address',
        xds,
        // The bench measures plaintext ADS; no TLS listener, no CA written.
        '--secure-xds-address',
        'off',
        '--http-address',
        http,
        '--webhook-address',
        webhook,
        '--log-level',
        opts.logLevel ?? 'warn',
        ...(opts.extraArgs ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const mp = new MeshplaneProcess(child, xds, http);
    if (opts.logFile) {
      const out = createWriteStream(opts.logFile, { flags: 'a' });
      child.stdout?.pipe(out);
      child.stderr?.pipe(out);
    }
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`meshplane exited (${child.exitCode}):\n${mp.tail()}`);
      try {
        const res = await fetch(`http://${http}/ready`);
        if (res.status === 200) return mp;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await mp.stop();
        throw new Error(`meshplane not ready after ${opts.readyTimeoutMs ?? 120_000} ms:\n${mp.tail()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM (a graceful exit writes the CPU profile), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
