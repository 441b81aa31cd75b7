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
import type { KubeConfig } from '@kubernetes/client-node';
import { ISTIO_GROUP, type IstioKind } from '../../model/config.js';
import { KubeHttp, statusError, type KubeObject } from '../sources/kube-http.js';
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
  private readonly http: KubeHttp;

  constructor(kc: KubeConfig, timeoutMs = 15_000) {
    this.http = new KubeHttp(kc, { requestTimeoutMs: timeoutMs });
  }

  async get(target: StatusTarget): Promise<KubeObject | undefined> {
    const { code, body } = await this.http.request('GET', statusPath(target));
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
    const { code, body } = await this.http.request(
      'PATCH',
      statusPath(target),
      patch,
      'application/merge-patch+json',
    );
    if (code !== 200) throw statusError(code, body, `patch ${statusPath(target)}`);
    return JSON.parse(body) as KubeObject;
  }
}
