/**
 * EDS clusters for proxyless gRPC clients: one per service port (`outbound|PORT||HOST`) and one per
 * DestinationRule subset (`outbound|PORT|SUBSET|HOST`), each reading its endpoints over ADS under
 * its own name (gRFC A27: `eds_cluster_config.eds_config.ads`, `service_name` = EDS resource
 * name). Pure.
 */
import type { DestinationRuleSpec, TrafficPolicy } from '../../../model/istio/index.js';
import { buildOutboundClusterName } from '../naming.js';
import type { ProtoObject } from '../proto-values.js';
import { applyLoadBalancer, buildCircuitBreakers, buildOutlierDetection } from './build-cluster-policy.js';
import { mergeTrafficPolicy } from './traffic-policy.js';

/** One EDS cluster named `name` with the effective traffic `policy` applied. */
export function buildEdsCluster(name: string, policy: TrafficPolicy | undefined): ProtoObject {
  const cluster: ProtoObject = {
    name,
    type: 'EDS',
    eds_cluster_config: {
      eds_config: { ads: {}, resource_api_version: 'V3' },
      service_name: name,
    },
  };
  applyLoadBalancer(cluster, policy?.loadBalancer);
  const outlier = buildOutlierDetection(policy?.outlierDetection);
  if (outlier) cluster['outlier_detection'] = outlier;
  const breakers = buildCircuitBreakers(policy?.connectionPool);
  if (breakers) cluster['circuit_breakers'] = breakers;
  return cluster;
}

export interface NamedCluster {
  readonly name: string;
  readonly message: ProtoObject;
}

/**
 * The default cluster and every subset cluster of one service port, restricted to the names
 * `wanted` accepts (all when omitted). Subsets without a name are skipped (validation rejects
 * them; translation never throws).
 */
export function buildServiceClusters(
  hostname: string,
  port: number,
  rule: DestinationRuleSpec | undefined,
  wanted: (name: string) => boolean = () => true,
): NamedCluster[] {
  const out: NamedCluster[] = [];
  const defaultName = buildOutboundClusterName(hostname, port);
  if (wanted(defaultName)) {
    out.push({
      name: defaultName,
      message: buildEdsCluster(defaultName, mergeTrafficPolicy(rule?.trafficPolicy, undefined, port)),
    });
  }
  for (const subset of rule?.subsets ?? []) {
    if (!subset.name) continue;
    const name = buildOutboundClusterName(hostname, port, subset.name);
    if (!wanted(name)) continue;
    out.push({
      name,
      message: buildEdsCluster(name, mergeTrafficPolicy(rule?.trafficPolicy, subset.trafficPolicy, port)),
    });
  }
  return out;
}
