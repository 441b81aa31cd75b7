/**
 * The Kubernetes calls of replica coordination (issue 8): report ConfigMaps and the status
 * leader's Lease, in meshplane's own namespace. Lists go through {@link KubeHttp} (paged);
 * writes are plain JSON requests over node:http(s) with the KubeConfig's credentials, re-read on
 * every call (rotated ServiceAccount tokens), as `status-client.ts` does.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp, KubeStatusError, type KubeObject } from '../sources/kube-http.js';
import type { LeaseApi, LeaseObject } from './leader-lease.js';
import type { ReportConfigMap } from './merge-rejections.js';
import type { ConfigMapApi } from './rejection-reports.js';

const enc = encodeURIComponent;

export class KubeCoordinationApi implements ConfigMapApi, LeaseApi {
  private readonly server: URL;
  private readonly http: KubeHttp;

  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs = 10_000,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.http = new KubeHttp(kc, { requestTimeoutMs: timeoutMs });
  }

  async listConfigMaps(namespace: string, labelSelector: string): Promise<ReportConfigMap[]> {
    const list = await this.http.list<KubeObject & ReportConfigMap>(
      `/api/v1/namespaces/${enc(namespace)}/configmaps`,
      {
        labelSelector,
      },
    );
    return [...list.items];
  }

  /** Replaces the ConfigMap unconditionally, creating it when absent. */
  async putConfigMap(namespace: string, cm: ReportConfigMap): Promise<void> {
    const base = `/api/v1/namespaces/${enc(namespace)}/configmaps`;
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', ...cm });
    const put = await this.call('PUT', `${base}/${enc(cm.metadata.name)}`, body);
    if (put.code === 200 || put.code === 201) return;
    if (put.code !== 404) throw statusError(put.code, put.body, `put configmap ${cm.metadata.name}`);
    const post = await this.call('POST', base, body);
    if (post.code !== 201 && post.code !== 200)
      throw statusError(post.code, post.body, `create configmap ${cm.metadata.name}`);
  }

  async deleteConfigMap(namespace: string, name: string): Promise<void> {
    const res = await this.call('DELETE', `/api/v1/namespaces/${enc(namespace)}/configmaps/${enc(name)}`);
    if (res.code !== 200 && res.code !== 202 && res.code !== 404)
      throw statusError(res.code, res.body, `delete configmap ${name}`);
  }

  async getLease(namespace: string, name: string): Promise<LeaseObject | undefined> {
    const res = await this.call('GET', leasePath(namespace, name));
    if (res.code === 404) return undefined;
    if (res.code !== 200) throw statusError(res.code, res.body, `get lease ${name}`);
    return JSON.parse(res.body) as LeaseObject;
  }

  async createLease(namespace: string, lease: LeaseObject): Promise<LeaseObject> {
    const body = JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease });
    const res = await this.call(
      'POST',
      `/apis/coordination.k8s.io/v1/namespaces/${enc(namespace)}/leases`,
      body,
    );
    if (res.code !== 201 && res.code !== 200) throw statusError(res.code, res.body, 'create lease');
    return JSON.parse(res.body) as LeaseObject;
  }

  /** Replaces the Lease; `lease.metadata.resourceVersion` makes it conditional (409 when stale). */
  async replaceLease(namespace: string, lease: LeaseObject): Promise<LeaseObject> {
    const body = JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease });
    const res = await this.call('PUT', leasePath(namespace, lease.metadata.name), body);
    if (res.code !== 200) throw statusError(res.code, res.body, 'update lease');
    return JSON.parse(res.body) as LeaseObject;
  }

  private async call(method: string, path: string, body?: string): Promise<{ code: number; body: string }> {
    const base = this.server.pathname.replace(/\/$/, '');
    const url = new URL(`${base}${path}`, this.server);
    const opts: RequestOptions = {
      headers: {
        accept: 'application/json',
        ...(body !== undefined
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
          : {}),
      },
    };
    await this.kc.applyToHTTPSOptions(opts);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { ...opts, method, timeout: this.timeoutMs }, (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      });
      req.on('timeout', () =>
        req.destroy(new Error(`timeout after ${this.timeoutMs} ms: ${method} ${path}`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

const leasePath = (namespace: string, name: string): string =>
  `/apis/coordination.k8s.io/v1/namespaces/${enc(namespace)}/leases/${enc(name)}`;

function statusError(code: number, body: string, what: string): KubeStatusError {
  let message = body.slice(0, 500);
  try {
    const status = JSON.parse(body) as { message?: string };
    if (status.message) message = status.message;
  } catch {
    // Not a Status object: keep the raw text.
  }
  return new KubeStatusError(code, `${what}: ${code} ${message}`);
}
