/**
 * CDS for proxyless gRPC clients (Istio grpcgen BuildClusters): the subscribed
 * `outbound|PORT|SUBSET|HOST` clusters of service ports this client may see, built as EDS
 * clusters with the merged traffic policy (DestinationRule found with Istio's precedence). Names
 * of no visible service port are omitted (gRPC then treats them as nonexistent). A subset no
 * DestinationRule defines gets a cluster with the top-level policy and, over EDS, no endpoints:
 * see resolveClusterName for why. Wildcard (debug tools): the default and defined subset clusters
 * of every visible service. Pure.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import { CLUSTER_TYPE } from '../../xds/type-urls.js';
import { buildEdsCluster } from '../networking/cluster/build-cluster.js';
import { mergeTrafficPolicy } from '../networking/cluster/traffic-policy.js';
import { allClusterNames, fullPushConcerns, requestedNames, resolveClusterName } from './grpc-common.js';
import type { GenerateContext, Generator, Resource } from './types.js';

/** Clusters depend on services and DestinationRules only. */
const IGNORED_KINDS: ReadonlySet<string> = new Set(['VirtualService', 'Gateway']);

/** Proxy-independent: the same answer for every proxy (so also `mayConcern`). */
function needsPush(request: PushRequest): boolean {
  return fullPushConcerns(request, IGNORED_KINDS);
}

export const grpcClusterGenerator: Generator = {
  typeUrl: CLUSTER_TYPE,

  generate({ push, proxy, watched }: GenerateContext): Resource[] {
    const out: Resource[] = [];
    for (const name of requestedNames(watched, () => allClusterNames(push, proxy))) {
      const ref = resolveClusterName(name, push, proxy);
      if (!ref) continue;
      const rule = push.destinationRule(ref.service.hostname, proxy.namespace)?.spec;
      const policy = mergeTrafficPolicy(rule?.trafficPolicy, ref.subset?.trafficPolicy, ref.port.port);
      out.push({ name, message: buildEdsCluster(name, policy) });
    }
    return out;
  },

  needsPush,
  mayConcern: needsPush,

  /** exportTo visibility and DestinationRule precedence depend on the client's namespace. */
  scopeKey(proxy: Proxy): string {
    return proxy.namespace;
  },
};
