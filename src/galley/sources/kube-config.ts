/**
 * Loads `@kubernetes/client-node` only when a cluster is configured: importing it costs about
 * 80 MB of RSS (its generated API modules), which the embedded default (a config directory, no
 * cluster) should not pay.
 */
import type { KubeConfig } from '@kubernetes/client-node';

/** A KubeConfig from `file`, or from the pod's service account when `file` is undefined. */
export async function loadKubeConfig(file: string | undefined): Promise<KubeConfig> {
  const { KubeConfig: Config } = await import('@kubernetes/client-node');
  const kc = new Config();
  if (file) kc.loadFromFile(file);
  else kc.loadFromCluster();
  return kc;
}
