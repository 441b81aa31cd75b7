/**
 * meshplane against a test cluster, as a user runs it: `node dist/main.js discovery --kubeconfig`
 * (a child process, ports fixed so a restart is found at the same address), with the admission
 * webhook registered from deploy/webhook.yaml but by `clientConfig.url` on 127.0.0.1 (a
 * `service:` reference would make the API server dial a ClusterIP, which tests never do).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { freePort, MeshplaneProcess, waitFor } from '../../integration/support/harness.js';
import type { KubeCluster } from './kube-cluster.js';
import { REPO_ROOT } from './kube-peers.js';

export const WEBHOOK_CONFIG = 'meshplane-validator';

export interface MeshplanePorts {
  readonly xds: number;
  readonly http: number;
  readonly webhook: number;
}

export async function pickPorts(): Promise<MeshplanePorts> {
  return { xds: await freePort(), http: await freePort(), webhook: await freePort() };
}

/** deploy/webhook.yaml with its Service reference replaced by a loopback URL. */
export function loopbackWebhookConfig(webhookPort: number): string {
  const cfg = parse(readFileSync(path.join(REPO_ROOT, 'deploy/webhook.yaml'), 'utf8')) as {
    webhooks: Array<{ clientConfig: Record<string, unknown>; failurePolicy: string }>;
  };
  for (const w of cfg.webhooks) w.clientConfig = { url: `https://127.0.0.1:${webhookPort}/validate` };
  return JSON.stringify(cfg);
}

export function startMeshplaneOnKube(cluster: KubeCluster, ports: MeshplanePorts): Promise<MeshplaneProcess> {
  return MeshplaneProcess.startDiscovery(
    ['--kubeconfig', cluster.kubeconfigPath, '--webhook-address', `127.0.0.1:${ports.webhook}`],
    { xdsPort: ports.xds, httpPort: ports.http, readyTimeoutMs: 60_000 },
  );
}

interface WebhookState {
  readonly failurePolicy: string;
  readonly caBundle: string;
}

export async function webhookState(cluster: KubeCluster): Promise<WebhookState[]> {
  const cfg = JSON.parse(
    await cluster.kubectlOk(['get', 'validatingwebhookconfiguration', WEBHOOK_CONFIG, '-o', 'json']),
  ) as { webhooks: Array<{ failurePolicy: string; clientConfig: { caBundle?: string } }> };
  return cfg.webhooks.map((w) => ({
    failurePolicy: w.failurePolicy,
    caBundle: w.clientConfig.caBundle ?? '',
  }));
}

/**
 * Waits until meshplane has patched the configuration (its CA, failurePolicy Fail) and the API
 * server actually calls the webhook: a server-side dry run of an invalid VirtualService is denied.
 * Returns the base64 caBundle.
 */
export async function waitForWebhook(cluster: KubeCluster, previousCaBundle = ''): Promise<string> {
  const state = await waitFor(
    'meshplane to patch caBundle and failurePolicy',
    async () => {
      const s = await webhookState(cluster);
      return s.every((w) => w.failurePolicy === 'Fail' && w.caBundle && w.caBundle !== previousCaBundle) && s;
    },
    30_000,
    200,
  );
  const probe = JSON.stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'webhook-probe', namespace: 'default' },
    spec: { hosts: ['probe'], http: [{ route: [{ destination: { host: 'probe' }, weight: -1 }] }] },
  });
  await waitFor(
    'the API server to call the patched webhook',
    async () => {
      const r = await cluster.kubectl(['create', '--dry-run=server', '-f', '-'], probe);
      return r.code !== 0 && r.stderr.includes('denied the request');
    },
    30_000,
    250,
  );
  return state[0]!.caBundle;
}

/**
 * kubectl that retries while the API server or the webhook is briefly unreachable (after a
 * restart of either); any other failure is returned at once.
 */
export async function kubectlRetry(
  cluster: KubeCluster,
  args: readonly string[],
  input?: string,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await cluster.kubectl(args, input);
    if (r.code === 0) return r.stdout;
    const transient = /connection refused|failed calling webhook|x509|EOF|ServiceUnavailable|timeout/i.test(
      r.stderr,
    );
    if (!transient || Date.now() > deadline) {
      throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
    }
    await new Promise((res) => setTimeout(res, 250));
  }
}
