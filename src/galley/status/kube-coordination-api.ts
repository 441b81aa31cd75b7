/**
 * The Kubernetes calls of replica coordination (issue 8): report ConfigMaps and the status
 * leader's Lease, in meshplane's own namespace. Lists go through {@link KubeHttp} (paged);
 * writes are plain JSON requests over node:http(s) with the KubeConfig's credentials, re-read on
 * every call (rotated ServiceAccount tokens), as `status-client.ts` does.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp, statusError, type KubeObject } from '../sources/kube-http.js';
import type { LeaseApi, LeaseObject } from './leader-lease.js';
import type { ReportConfigMap } from './merge-rejections.js';
import type { ConfigMapApi } from './rejection-reports.js';

const enc = encodeURIComponent;

export class KubeCoordinationApi implements ConfigMapApi, LeaseApi {
  private readonly http: KubeHttp;

  constructor(kc: KubeConfig, timeoutMs = 10_000) {
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
    const put = await this.http.request('PUT', `${base}/${enc(cm.metadata.name)}`, body);
    if (put.code === 200 || put.code === 201) return;
    if (put.code !== 404) throw statusError(put.code, put.body, `put configmap ${cm.metadata.name}`);
    const post = await this.http.request('POST', base, body);
    if (post.code !== 201 && post.code !== 200)
      throw statusError(post.code, post.body, `create configmap ${cm.metadata.name}`);
  }

  async deleteConfigMap(namespace: string, name: string): Promise<void> {
    const res = await this.http.request(
      'DELETE',
      `/api/v1/namespaces/${enc(namespace)}/configmaps/${enc(name)}`,
    );
    if (res.code !== 200 && res.code !== 202 && res.code !== 404)
      throw statusError(res.code, res.body, `delete configmap ${name}`);
  }

  async getLease(namespace: string, name: string): Promise<LeaseObject | undefined> {
    const res = await this.http.request('GET', leasePath(namespace, name));
    if (res.code === 404) return undefined;
    if (res.code !== 200) throw statusError(res.code, res.body, `get lease ${name}`);
    return JSON.parse(res.body) as LeaseObject;
  }

  async createLease(namespace: string, lease: LeaseObject): Promise<LeaseObject> {
    const body = JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease });
    const res = await this.http.request(
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
    const res = await this.http.request('PUT', leasePath(namespace, lease.metadata.name), body);
    if (res.code !== 200) throw statusError(res.code, res.body, 'update lease');
    return JSON.parse(res.body) as LeaseObject;
  }
}

const leasePath = (namespace: string, name: string): string =>
  `/apis/coordination.k8s.io/v1/namespaces/${enc(namespace)}/leases/${enc(name)}`;
