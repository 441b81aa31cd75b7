/**
 * The two API calls the status writer makes, on the `status` subresource of Istio CRDs
 * (Kubernetes API conventions, "Spec and Status": status is written through `/status`, so a
 * status write never touches `spec` and never bumps `metadata.generation`):
 * - GET the object (to recompute after a write conflict);
 * - PATCH `status` as a JSON merge patch (RFC 7386) that carries `metadata.resourceVersion`: the
 *   API server treats it as a precondition and answers 409 Conflict if the object moved on, so a
 *   write decided on a stale view is never applied.
 * Credentials come from the KubeConfig on every call (rotated ServiceAccount tokens).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ISTIO_GROUP, type IstioKind } from '../../model/config.js';
import { KubeStatusError, type KubeObject } from '../sources/kube-http.js';
import { ISTIO_STORAGE_VERSION, istioCrdOf } from '../sources/kube-resources.js';
import type { StatusUpdate } from './validation-status.js';

export interface StatusTarget {
  readonly kind: IstioKind;
  readonly namespace: string;
  readonly name: string;
}

/** The status writer's view of the API server (tests pass a fake). */
export interface StatusClient {
  /** The object, or undefined when it no longer exists. */
  get(target: StatusTarget): Promise<KubeObject | undefined>;
  /** Merge-patches `status`; rejects with a {@link KubeStatusError} (409 when `resourceVersion` is stale). */
  patchStatus(target: StatusTarget, resourceVersion: string, update: StatusUpdate): Promise<KubeObject>;
}

export function statusPath(target: StatusTarget): string {
  const plural = istioCrdOf(target.kind).plural;
  const ns = encodeURIComponent(target.namespace);
  const name = encodeURIComponent(target.name);
  return `/apis/${ISTIO_GROUP}/${ISTIO_STORAGE_VERSION}/namespaces/${ns}/${plural}/${name}/status`;
}

export class KubeStatusClient implements StatusClient {
  private readonly server: URL;

  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs = 15_000,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  async get(target: StatusTarget): Promise<KubeObject | undefined> {
    const { code, body } = await this.call('GET', statusPath(target));
    if (code === 404) return undefined;
    if (code !== 200) throw statusError(code, body, `get ${statusPath(target)}`);
    return JSON.parse(body) as KubeObject;
  }

  async patchStatus(
    target: StatusTarget,
    resourceVersion: string,
    update: StatusUpdate,
  ): Promise<KubeObject> {
    const patch = JSON.stringify({ metadata: { resourceVersion }, status: update });
    const { code, body } = await this.call('PATCH', statusPath(target), patch);
    if (code !== 200) throw statusError(code, body, `patch ${statusPath(target)}`);
    return JSON.parse(body) as KubeObject;
  }

  private async call(method: string, path: string, body?: string): Promise<{ code: number; body: string }> {
    const base = this.server.pathname.replace(/\/$/, '');
    const url = new URL(`${base}${path}`, this.server);
    const opts: RequestOptions = {
      headers: {
        accept: 'application/json',
        ...(body !== undefined
          ? { 'content-type': 'application/merge-patch+json', 'content-length': Buffer.byteLength(body) }
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
