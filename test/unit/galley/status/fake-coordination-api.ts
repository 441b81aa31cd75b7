/** An API server holding report ConfigMaps and Leases (fake ConfigMapApi + LeaseApi), with resourceVersion checks. */
import { KubeStatusError } from '../../../../src/galley/sources/kube-http.js';
import type { LeaseApi, LeaseObject } from '../../../../src/galley/status/leader-lease.js';
import type { ReportConfigMap } from '../../../../src/galley/status/merge-rejections.js';
import type { ConfigMapApi } from '../../../../src/galley/status/rejection-reports.js';

export class FakeCoordinationApi implements ConfigMapApi, LeaseApi {
  readonly configMaps = new Map<string, ReportConfigMap>();
  leases = new Map<string, LeaseObject>();
  writes = 0;
  /** Codes the next calls fail with (0: a network error). */
  failures: number[] = [];
  private rv = 1;

  private fail(): void {
    const code = this.failures.shift();
    if (code === 0) throw new Error('connect ECONNREFUSED');
    if (code !== undefined) throw new KubeStatusError(code, `fake: ${code}`);
  }

  async listConfigMaps(_namespace: string, labelSelector: string): Promise<ReportConfigMap[]> {
    this.fail();
    const [key, value] = labelSelector.split('=');
    return [...this.configMaps.values()].filter((cm) => cm.metadata.labels?.[key!] === value);
  }

  async putConfigMap(_namespace: string, cm: ReportConfigMap): Promise<void> {
    this.fail();
    this.writes++;
    this.configMaps.set(cm.metadata.name, cm);
  }

  async deleteConfigMap(_namespace: string, name: string): Promise<void> {
    this.fail();
    this.configMaps.delete(name);
  }

  async getLease(_namespace: string, name: string): Promise<LeaseObject | undefined> {
    this.fail();
    return this.leases.get(name);
  }

  async createLease(_namespace: string, lease: LeaseObject): Promise<LeaseObject> {
    this.fail();
    if (this.leases.has(lease.metadata.name)) throw new KubeStatusError(409, 'exists');
    const stored = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } };
    this.leases.set(lease.metadata.name, stored);
    return stored;
  }

  async replaceLease(_namespace: string, lease: LeaseObject): Promise<LeaseObject> {
    this.fail();
    const current = this.leases.get(lease.metadata.name);
    if (!current) throw new KubeStatusError(404, 'not found');
    if (lease.metadata.resourceVersion && lease.metadata.resourceVersion !== current.metadata.resourceVersion)
      throw new KubeStatusError(409, 'conflict');
    const stored = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } };
    this.leases.set(lease.metadata.name, stored);
    return stored;
  }

  holder(name = 'meshplane-status-leader'): string | null | undefined {
    return this.leases.get(name)?.spec?.holderIdentity;
  }
}
