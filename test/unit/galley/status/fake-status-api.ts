/** An API server holding Istio objects for the status writer tests (fake StatusClient). */
import { KubeStatusError, type KubeObject } from '../../../../src/galley/sources/kube-http.js';
import type { StatusClient, StatusTarget } from '../../../../src/galley/status/status-client.js';
import type { StatusUpdate } from '../../../../src/galley/status/validation-status.js';

export interface Call {
  readonly name: string;
  readonly rv: string;
  readonly update: StatusUpdate;
}

/** An API server holding objects, with resourceVersion preconditions like the real one. */
export class FakeApi implements StatusClient {
  readonly objects = new Map<string, KubeObject>();
  readonly patches: Call[] = [];
  gets = 0;
  failures: number[] = [];
  hang = false;
  private rv = 100;

  put(name: string, status?: unknown, generation = 1): KubeObject {
    const obj: KubeObject = {
      metadata: { name, namespace: 'default', resourceVersion: String(++this.rv), generation },
      spec: { hosts: ['a'] },
      ...(status !== undefined ? { status } : {}),
    };
    this.objects.set(name, obj);
    return obj;
  }

  async get(target: StatusTarget): Promise<KubeObject | undefined> {
    this.gets++;
    return this.objects.get(target.name);
  }

  async patchStatus(target: StatusTarget, rv: string, update: StatusUpdate): Promise<KubeObject> {
    this.patches.push({ name: target.name, rv, update });
    if (this.hang) return new Promise<KubeObject>(() => undefined);
    const code = this.failures.shift();
    if (code === 0) throw new Error('connect ECONNREFUSED');
    if (code !== undefined) throw new KubeStatusError(code, `patch: ${code}`);
    const obj = this.objects.get(target.name);
    if (!obj) throw new KubeStatusError(404, 'not found');
    if (obj.metadata.resourceVersion !== rv) throw new KubeStatusError(409, 'conflict');
    const status = { ...((obj['status'] as object | undefined) ?? {}), ...update };
    const next: KubeObject = {
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(++this.rv) },
      status,
    };
    this.objects.set(target.name, next);
    return next;
  }

  conditionOf(name: string, type = 'Valid'): Record<string, unknown> | undefined {
    const status = this.objects.get(name)?.['status'] as
      { conditions?: Array<Record<string, unknown>> } | undefined;
    return status?.conditions?.find((c) => c['type'] === type);
  }
}
