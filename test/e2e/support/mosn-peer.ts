/**
 * Locates MOSN (mosn.io/mosn v1.6.1) built by `test/e2e/peers/build-mosn.sh` into the peer cache
 * outside the clone, and runs it as an xDS sidecar of meshplane on loopback. A missing or stale
 * binary is an error naming the command that fixes it: the e2e suite fails, it never skips.
 *
 * MOSN reads Envoy v3 `node`, `static_resources` and `dynamic_resources` from its own config file
 * (../shared/research/peers.md §2). It never NACKs: whatever it cannot convert is only logged, so
 * tests keep its log lines and read its admin `config_dump`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './kube-peers.js';
import { findPeerBinary } from './peer-binary.js';

const PEERS_DIR = path.join(REPO_ROOT, 'test/e2e/peers');
export const MOSN_BUILD_COMMAND = 'test/e2e/peers/build-mosn.sh';

/** The stamp build-mosn.sh writes: sha256 of the wrapper module's files and the script. */
export function expectedMosnStamp(): string {
  const h = createHash('sha256');
  for (const f of [
    'mosn/go.mod',
    'mosn/go.sum',
    'mosn/byteio/go.mod',
    'mosn/byteio/byteio.go',
    'build-mosn.sh',
  ])
    h.update(readFileSync(path.join(PEERS_DIR, f)));
  return h.digest('hex');
}

/** The MOSN binary, or an Error saying how to build it. */
export function findMosn(): string {
  return findPeerBinary({
    cacheName: 'mosn',
    binary: 'mosn',
    expectedStamp: expectedMosnStamp,
    label: 'MOSN test peer',
    sources: 'test/e2e/peers/mosn',
    buildCommand: MOSN_BUILD_COMMAND,
    coldBuild: 'about 2.5 minutes',
  });
}

export interface MosnOptions {
  /** Work directory: the config goes to `<dir>/conf/mosn.json`, MOSN's own files to `<dir>/logs`. */
  readonly dir: string;
  readonly xdsPort: number;
  readonly adminPort: number;
  readonly nodeId: string;
  readonly cluster: string;
  readonly metadata: Record<string, unknown>;
}

/**
 * The MOSN config for an ADS control plane on 127.0.0.1:xdsPort. No `servers` key: with only
 * static and dynamic resources MOSN runs in xDS mode with a default server logging to stdout.
 * The xDS cluster must be STATIC with a load_assignment (MOSN exits otherwise) and speak HTTP/2.
 */
export function mosnConfig(o: MosnOptions): unknown {
  return {
    disable_upgrade: true,
    node: { id: o.nodeId, cluster: o.cluster, metadata: o.metadata },
    static_resources: {
      clusters: [
        {
          name: 'xds-grpc',
          type: 'STATIC',
          lb_policy: 'RANDOM',
          connect_timeout: '1s',
          http2_protocol_options: {},
          load_assignment: {
            cluster_name: 'xds-grpc',
            endpoints: [
              {
                lb_endpoints: [
                  {
                    endpoint: {
                      address: { socket_address: { address: '127.0.0.1', port_value: o.xdsPort } },
                    },
                  },
                ],
              },
            ],
          },
        },
      ],
    },
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        set_node_on_first_message_only: true,
        grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }],
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: o.adminPort } } },
  };
}

/** A running MOSN with its stdout/stderr lines kept. */
export class MosnProcess {
  readonly lines: string[] = [];
  private constructor(
    readonly child: ChildProcess,
    readonly adminPort: number,
  ) {}

  static start(bin: string, o: MosnOptions): MosnProcess {
    mkdirSync(path.join(o.dir, 'conf'), { recursive: true });
    const conf = path.join(o.dir, 'conf', 'mosn.json');
    writeFileSync(conf, JSON.stringify(mosnConfig(o), null, 2));
    const child = spawn(bin, ['start', '-c', conf, '-l', 'info'], {
      cwd: o.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const mosn = new MosnProcess(child, o.adminPort);
    for (const stream of [child.stdout!, child.stderr!]) {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          mosn.lines.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
    }
    return mosn;
  }

  /** Log lines matching `re` (MOSN logs conversion failures instead of NACKing). */
  grep(re: RegExp): string[] {
    return this.lines.filter((l) => re.test(l));
  }

  /** What MOSN actually applied, from its admin API. */
  async configDump(): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.adminPort}/api/v1/config_dump`);
    return res.text();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
