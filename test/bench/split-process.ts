/**
 * meshplane split in two (issue 5): `node dist/main.js galley --config-dir DIR` serving MCP and
 * `node dist/main.js pilot --mcp-server ...` serving xDS to the load generator, on free loopback
 * ports. Shaped like MeshplaneProcess for the scenarios: `pid` is Pilot's (the process the
 * clients talk to); Galley's CPU shows up in the report's "other cpu".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from './meshplane-process.js';

export interface SplitStartOptions {
  readonly configDir: string;
  readonly logLevel?: string;
  readonly cpuProfDir?: string;
  /** Extra flags for the Pilot (e.g. `--debounce-after`). */
  readonly pilotArgs?: readonly string[];
  readonly readyTimeoutMs?: number;
  readonly logFile?: string;
}

class Child {
  output = '';
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly http: string,
  ) {
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(name: string, args: string[], opts: SplitStartOptions): Promise<Child> {
    const http = `127.0.0.1:${await freePort()}`;
    const nodeArgs = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
    const child = spawn(
      process.execPath,
      [
        ...nodeArgs,
        join(REPO_ROOT, 'dist/main.js'),
        name,
        '--http-address',
        http,
        '--log-level',
        opts.logLevel ?? 'warn',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const c = new Child(name, child, http);
    if (opts.logFile) {
      const out = createWriteStream(opts.logFile, { flags: 'a' });
      child.stdout?.pipe(out);
      child.stderr?.pipe(out);
    }
    const timeout = opts.readyTimeoutMs ?? 120_000;
    const deadline = Date.now() + timeout;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`meshplane ${name} exited (${child.exitCode}):\n${c.output}`);
      try {
        if ((await fetch(`http://${http}/ready`)).status === 200) return c;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await c.stop();
        throw new Error(`meshplane ${name} not ready after ${timeout} ms:\n${c.output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

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

export class SplitProcess {
  private constructor(
    private readonly galley: Child,
    private readonly pilot: Child,
    readonly xdsAddress: string,
  ) {}

  get pid(): number {
    return this.pilot.child.pid ?? 0;
  }

  get galleyPid(): number {
    return this.galley.child.pid ?? 0;
  }

  tail(): string {
    return `--- galley\n${this.galley.output}\n--- pilot\n${this.pilot.output}`;
  }

  static async start(opts: SplitStartOptions): Promise<SplitProcess> {
    const mcp = `127.0.0.1:${await freePort()}`;
    const webhook = `127.0.0.1:${await freePort()}`;
    const galley = await Child.start(
      'galley',
      ['--config-dir', opts.configDir, '--mcp-address', mcp, '--webhook-address', webhook],
      opts,
    );
    const xds = `127.0.0.1:${await freePort()}`;
    try {
      const pilot = await Child.start(
        'pilot',
        ['--mcp-server', mcp, '--xds-address', xds, '--secure-xds-address', 'off', ...(opts.pilotArgs ?? [])],
        opts,
      );
      return new SplitProcess(galley, pilot, xds);
    } catch (err) {
      await galley.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.pilot.stop();
    await this.galley.stop();
  }
}
