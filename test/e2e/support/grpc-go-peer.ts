/**
 * Locates our grpc-go xDS client (test/e2e/peers/grpc-go, built by
 * `test/e2e/peers/build-grpc-go.sh` into the peer cache outside the clone) and drives it: one JSON
 * request line on its stdin, one JSON answer line on its stdout. A missing or stale binary is an
 * error naming the command that fixes it: the e2e suite fails, it never skips.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './kube-peers.js';
import { findPeerBinary } from './peer-binary.js';

const PEERS_DIR = path.join(REPO_ROOT, 'test/e2e/peers');
const SOURCE_DIR = path.join(PEERS_DIR, 'grpc-go');
export const GRPC_GO_BUILD_COMMAND = 'test/e2e/peers/build-grpc-go.sh';

/** The stamp build-grpc-go.sh writes: sha256 of go.mod, go.sum, the sorted *.go files and the script. */
export function expectedGrpcGoStamp(): string {
  const goFiles = readdirSync(SOURCE_DIR)
    .filter((f) => f.endsWith('.go'))
    .sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1));
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', ...goFiles]) h.update(readFileSync(path.join(SOURCE_DIR, f)));
  h.update(readFileSync(path.join(PEERS_DIR, 'build-grpc-go.sh')));
  return h.digest('hex');
}

/** The client binary, or an Error saying how to build it. */
export function findGrpcGoClient(): string {
  return findPeerBinary({
    cacheName: 'grpc-go',
    binary: 'grpc-go-xds-client',
    expectedStamp: expectedGrpcGoStamp,
    label: 'grpc-go xDS client',
    sources: 'test/e2e/peers/grpc-go',
    buildCommand: GRPC_GO_BUILD_COMMAND,
    coldBuild: 'about 1.5 minutes',
  });
}

export interface GrpcGoAnswer {
  /** Replies by backend name; failures as `error:<CODE>` (e.g. `error:UNAVAILABLE`). */
  readonly counts: Record<string, number>;
  /** Every NACK grpc-go's xDS client logged since it started, with its reason. */
  readonly nacks: string[];
  readonly error?: string;
}

/** The grpc-go client process, bootstrapped (gRFC A27) to meshplane on 127.0.0.1:xdsPort. */
export class GrpcGoClient {
  readonly stderr: string[] = [];
  private buf = '';
  private waiting: ((a: GrpcGoAnswer) => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let nl;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        this.waiting.shift()?.(JSON.parse(line) as GrpcGoAnswer);
      }
    });
    child.stderr!.on('data', (d: Buffer) => this.stderr.push(d.toString()));
  }

  static start(bin: string, xdsPort: number, nodeId: string): GrpcGoClient {
    const bootstrap = {
      xds_servers: [
        {
          server_uri: `127.0.0.1:${xdsPort}`,
          channel_creds: [{ type: 'insecure' }],
          server_features: ['xds_v3'],
        },
      ],
      node: {
        id: nodeId,
        cluster: 'grpc-go-client',
        locality: { region: 'r1', zone: 'z1' },
        metadata: { GENERATOR: 'grpc', NAMESPACE: 'default', ISTIO_VERSION: '1.30.3' },
      },
      certificate_providers: {},
    };
    const child = spawn(bin, [], {
      env: {
        ...process.env,
        GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap),
        GRPC_GO_LOG_SEVERITY_LEVEL: process.env.GRPC_GO_LOG_SEVERITY_LEVEL ?? 'warning',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new GrpcGoClient(child);
  }

  /** `count` sequential unary calls to `target` (an `xds:///host:port` URI) with `metadata`. */
  call(target: string, count: number, metadata?: Record<string, string>): Promise<GrpcGoAnswer> {
    const run = () =>
      new Promise<GrpcGoAnswer>((resolve, reject) => {
        if (this.child.exitCode !== null) {
          reject(new Error(`grpc-go client exited with ${this.child.exitCode}: ${this.stderr.join('')}`));
          return;
        }
        this.waiting.push(resolve);
        this.child.stdin!.write(`${JSON.stringify({ target, count, metadata })}\n`);
      });
    const p = this.queue.then(run, run);
    this.queue = p;
    return p;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
