/**
 * A real Kubernetes control plane for e2e tests: etcd and kube-apiserver (built by
 * `test/e2e/peers/build-kube.sh`) on free 127.0.0.1 ports, with generated PKI and an admin
 * kubeconfig. No kubelet, no controller-manager: Deployments and Pods are stored, never run.
 *
 * Network rule: everything binds 127.0.0.1. `--service-cluster-ip-range` is plain data in etcd;
 * tests must never send traffic to a ClusterIP, and webhooks must be configured by URL on
 * 127.0.0.1 (a `service:` clientConfig would make the API server dial a ClusterIP).
 *
 * The API server can be stopped and started again on the same port with the same etcd, for the
 * outage tests (watchers see connection errors, then `410 Gone` or a resumed watch).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'node:https';
import { findKubePeers, type KubePeers } from './kube-peers.js';
import { generateKubePki, type KubePki } from './kube-pki.js';

export interface KubeCtlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface KubeClusterOptions {
  /** Keep the work directory (data, logs, PKI) after stop, for debugging. */
  readonly keep?: boolean;
  /** Readiness timeout for each start (default 90 s: two shared cores). */
  readonly readyTimeoutMs?: number;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Spawns a long-running peer with stdout and stderr appended to a log file. */
function spawnPeer(bin: string, args: readonly string[], log: WriteStream): ChildProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  return child;
}

async function stopProcess(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export class KubeCluster {
  readonly server: string;
  readonly kubeconfigPath: string;
  private etcd: ChildProcess | undefined;
  private apiserver: ChildProcess | undefined;
  private readonly logs: WriteStream[] = [];
  private readonly exitHook = (): void => {
    this.apiserver?.kill('SIGKILL');
    this.etcd?.kill('SIGKILL');
  };

  private constructor(
    readonly peers: KubePeers,
    readonly workDir: string,
    readonly pki: KubePki,
    readonly apiserverPort: number,
    private readonly etcdPorts: { client: number; peer: number },
    private readonly options: KubeClusterOptions,
  ) {
    this.server = `https://127.0.0.1:${apiserverPort}`;
    this.kubeconfigPath = path.join(workDir, 'kubeconfig');
  }

  /** Builds nothing: fails loudly when the peers are missing, then starts etcd and kube-apiserver. */
  static async start(options: KubeClusterOptions = {}): Promise<KubeCluster> {
    const peers = findKubePeers();
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'meshplane-kube-'));
    const pki = await generateKubePki(path.join(workDir, 'pki'));
    const [apiserverPort, client, peer] = [await freePort(), await freePort(), await freePort()];
    const cluster = new KubeCluster(peers, workDir, pki, apiserverPort, { client, peer }, options);
    process.once('exit', cluster.exitHook);
    try {
      await cluster.writeKubeconfig();
      await cluster.startEtcd();
      await cluster.startApiServer();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get etcdUrl(): string {
    return `http://127.0.0.1:${this.etcdPorts.client}`;
  }

  get apiServerRunning(): boolean {
    return (
      this.apiserver !== undefined && this.apiserver.exitCode === null && this.apiserver.signalCode === null
    );
  }

  private openLog(name: string): WriteStream {
    const log = createWriteStream(path.join(this.workDir, name), { flags: 'a' });
    this.logs.push(log);
    return log;
  }

  private async startEtcd(): Promise<void> {
    const { client, peer } = this.etcdPorts;
    this.etcd = spawnPeer(
      this.peers.etcd,
      [
        '--name=test',
        `--data-dir=${path.join(this.workDir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=test=http://127.0.0.1:${peer}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      this.openLog('etcd.log'),
    );
    await this.waitFor('etcd', this.etcd, 'etcd.log', async () => {
      const res = await fetch(`${this.etcdUrl}/health`);
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    });
  }

  /** Starts (or restarts) kube-apiserver on the same port against the same etcd; waits for /readyz. */
  async startApiServer(): Promise<void> {
    if (this.apiServerRunning) return;
    const pki = this.pki;
    this.apiserver = spawnPeer(
      this.peers.kubeApiserver,
      [
        `--etcd-servers=${this.etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${this.apiserverPort}`,
        `--cert-dir=${path.join(this.workDir, 'certs')}`,
        `--tls-cert-file=${pki.serverCert}`,
        `--tls-private-key-file=${pki.serverKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--token-auth-file=${pki.tokenFile}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.saPub}`,
        `--service-account-signing-key-file=${pki.saKey}`,
        // Data only: nothing may send traffic into this range (see the file comment).
        '--service-cluster-ip-range=10.96.0.0/16',
        // No controller-manager creates `default` ServiceAccounts; Pods must still be creatable.
        '--disable-admission-plugins=ServiceAccount',
        '--enable-priority-and-fairness=false',
        '--profiling=false',
        '--v=1',
      ],
      this.openLog('kube-apiserver.log'),
    );
    await this.waitFor(
      'kube-apiserver',
      this.apiserver,
      'kube-apiserver.log',
      async () => (await this.get('/readyz')).status === 200,
    );
  }

  /** Stops kube-apiserver only; etcd (and so all objects) stays. */
  async stopApiServer(): Promise<void> {
    await stopProcess(this.apiserver);
    this.apiserver = undefined;
  }

  async restartApiServer(): Promise<void> {
    await this.stopApiServer();
    await this.startApiServer();
  }

  /** Stops both peers and removes the work directory (unless `keep`). */
  async stop(): Promise<void> {
    process.removeListener('exit', this.exitHook);
    await stopProcess(this.apiserver);
    await stopProcess(this.etcd);
    this.apiserver = undefined;
    this.etcd = undefined;
    for (const l of this.logs) l.end();
    if (!this.options.keep) await rm(this.workDir, { recursive: true, force: true });
  }

  /** GET with the admin token over the cluster CA; resolves to the status and body. */
  get(pathname: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.server}${pathname}`,
        {
          agent: new Agent({ ca: this.pki.caPem, keepAlive: false }),
          headers: { authorization: `Bearer ${this.pki.adminToken}` },
          timeout: 5000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
  }

  /** Runs the built kubectl against this cluster. Never throws on a non-zero exit. */
  kubectl(args: readonly string[], input?: string): Promise<KubeCtlResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.peers.kubectl, [`--kubeconfig=${this.kubeconfigPath}`, ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  }

  /** kubectl that rejects with its stderr on a non-zero exit. */
  async kubectlOk(args: readonly string[], input?: string): Promise<string> {
    const r = await this.kubectl(args, input);
    if (r.code !== 0)
      throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /**
   * A kubeconfig for a ServiceAccount (token from the TokenRequest API), so a test can run
   * meshplane with exactly the RBAC of `deploy/`. The ServiceAccount must exist.
   */
  async serviceAccountKubeconfig(namespace: string, name: string): Promise<string> {
    const token = (await this.kubectlOk(['create', 'token', name, '-n', namespace, '--duration=1h'])).trim();
    const file = path.join(this.workDir, `kubeconfig-${namespace}-${name}`);
    await writeFile(file, this.kubeconfigText(`${namespace}-${name}`, { token }), { mode: 0o600 });
    return file;
  }

  private kubeconfigText(user: string, creds: { token: string }): string {
    const ca = Buffer.from(this.pki.caPem).toString('base64');
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: test',
      '    cluster:',
      `      server: ${this.server}`,
      `      certificate-authority-data: ${ca}`,
      'users:',
      `  - name: ${user}`,
      '    user:',
      `      token: ${creds.token}`,
      'contexts:',
      '  - name: test',
      '    context:',
      '      cluster: test',
      `      user: ${user}`,
      '      namespace: default',
      'current-context: test',
      '',
    ].join('\n');
  }

  private async writeKubeconfig(): Promise<void> {
    await writeFile(this.kubeconfigPath, this.kubeconfigText('admin', { token: this.pki.adminToken }), {
      mode: 0o600,
    });
  }

  private async waitFor(
    name: string,
    child: ChildProcess,
    logName: string,
    probe: () => Promise<boolean>,
  ): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 90_000);
    let last = '';
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `${name} exited (${child.exitCode ?? child.signalCode}) during start:\n${await this.logTail(logName)}`,
        );
      }
      try {
        if (await probe()) return;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await sleep(250);
    }
    throw new Error(`${name} not ready in time (last probe error: ${last}):\n${await this.logTail(logName)}`);
  }

  private async logTail(name: string): Promise<string> {
    const text = await readFile(path.join(this.workDir, name), 'utf8').catch(() => '');
    return text.split('\n').slice(-40).join('\n');
  }
}
