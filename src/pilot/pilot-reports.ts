/**
 * `meshplane pilot` apart from Galley, against Kubernetes: the configs its proxies reject are
 * published as this replica's report (ConfigMap `meshplane-rejections-<replica-id>`), exactly as
 * a `meshplane discovery` replica publishes its own; whichever Galley or discovery replica holds
 * the status Lease merges every live report into the `Reconciled` conditions. So a rejected
 * config goes back to its author in the split topology too.
 */
import { loadKubeConfig } from '../galley/sources/kube-config.js';
import { KubeCoordinationApi } from '../galley/status/kube-coordination-api.js';
import { RejectionReports } from '../galley/status/rejection-reports.js';
import type { Logger } from '../util/log.js';

export interface PilotReportsOptions {
  readonly kubeconfig: string | undefined;
  readonly namespace: string;
  readonly replicaId: string;
  /** The merging leader ignores a report older than this: heartbeat at a third of it. */
  readonly reportTtlMs: number;
  readonly logger: Logger;
}

export async function startPilotReports(options: PilotReportsOptions): Promise<RejectionReports> {
  const kc = await loadKubeConfig(options.kubeconfig);
  const reports = new RejectionReports({
    api: new KubeCoordinationApi(kc),
    namespace: options.namespace,
    replicaId: options.replicaId,
    heartbeatMs: Math.min(15_000, Math.floor(options.reportTtlMs / 3)),
    logger: options.logger,
  });
  reports.start();
  return reports;
}
