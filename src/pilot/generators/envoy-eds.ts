/**
 * EDS for Envoy-style proxies: a ClusterLoadAssignment for each subscribed EDS cluster the proxy
 * has (services resolved STATIC), the healthy endpoints of the service port filtered by the
 * subset's labels, grouped by locality, with locality failover priorities or distribute weights
 * relative to the proxy's locality (apply-locality-lb.ts). DNS and passthrough clusters carry no
 * EDS. Incremental pushes (the EDS fast path) concern it whenever endpoints changed. Pure.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import { ENDPOINT_TYPE } from '../../xds/type-urls.js';
import { applyLocalityLb } from '../networking/endpoint/apply-locality-lb.js';
import { buildLoadAssignment } from '../networking/endpoint/build-load-assignment.js';
import {
  allEnvoyClusterRefs,
  envoyScopeKey,
  resolveEnvoyCluster,
  type EnvoyClusterRef,
} from './envoy-common.js';
import { fullPushConcerns, requestedNames } from './grpc-common.js';
import type { GenerateContext, Generator, Resource } from './types.js';

const IGNORED_KINDS: ReadonlySet<string> = new Set(['Gateway']);

function isEds(ref: EnvoyClusterRef): boolean {
  return ref.service.resolution === 'STATIC' && ref.policy?.loadBalancer?.simple !== 'PASSTHROUGH';
}

/** Proxy-independent: the same answer for every proxy (so also `mayConcern`). */
function needsPush(request: PushRequest): boolean {
  if (!request.full) return request.endpointsUpdated.length > 0;
  return fullPushConcerns(request, IGNORED_KINDS);
}

export const envoyEndpointGenerator: Generator = {
  typeUrl: ENDPOINT_TYPE,

  generate({ push, proxy, watched }: GenerateContext): Resource[] {
    const names = requestedNames(watched, () =>
      allEnvoyClusterRefs(push, proxy)
        .filter(isEds)
        .map((r) => r.name),
    );
    const out: Resource[] = [];
    for (const name of names) {
      const ref = resolveEnvoyCluster(push, proxy, name);
      if (!ref || !isEds(ref)) continue;
      const endpoints = push.endpoints.endpoints(ref.service, ref.port.name);
      const message = buildLoadAssignment(name, endpoints, ref.subsetDef?.labels ?? undefined);
      applyLocalityLb(message, {
        proxyLocality: proxy.locality,
        setting: ref.policy?.loadBalancer?.localityLbSetting,
        meshEnabled: push.meshConfig.localityLbEnabled,
        outlierDetection: ref.policy?.outlierDetection !== undefined,
      });
      out.push({ name, message });
    }
    return out;
  },

  needsPush,
  mayConcern: needsPush,

  /** Scope (which clusters exist) plus the proxy's locality (priorities). */
  scopeKey(proxy: Proxy): string {
    return envoyScopeKey(proxy, { locality: true });
  },
};
