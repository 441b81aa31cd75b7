/**
 * EDS for proxyless gRPC clients: one ClusterLoadAssignment per subscribed cluster name of a
 * service port this client may see (see grpc-cds.ts), from the live EndpointIndex, filtered by the
 * subset's labels (empty for a subset no DestinationRule defines). Full pushes matter when services or DestinationRules (subset labels) change; incremental
 * pushes (the EDS fast path) whenever endpoints changed. The output always covers every watched
 * name; unchanged ones cost nothing because XdsResourceSource keys their encoding by the
 * hostname's endpoint version. Pure.
 */
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import { ENDPOINT_TYPE } from '../../xds/type-urls.js';
import { buildLoadAssignment } from '../networking/endpoint/build-load-assignment.js';
import { allClusterNames, fullPushConcerns, requestedNames, resolveClusterName } from './grpc-common.js';
import type { GenerateContext, Generator, Resource } from './types.js';

const IGNORED_KINDS: ReadonlySet<string> = new Set(['VirtualService', 'Gateway']);

/** Proxy-independent: the same answer for every proxy (so also `mayConcern`). */
function needsPush(request: PushRequest): boolean {
  if (!request.full) return request.endpointsUpdated.length > 0;
  return fullPushConcerns(request, IGNORED_KINDS);
}

export const grpcEndpointGenerator: Generator = {
  typeUrl: ENDPOINT_TYPE,

  generate({ push, proxy, watched }: GenerateContext): Resource[] {
    const out: Resource[] = [];
    for (const name of requestedNames(watched, () => allClusterNames(push, proxy))) {
      const ref = resolveClusterName(name, push, proxy);
      if (!ref) continue;
      // A subset no DestinationRule defines selects nothing (see resolveClusterName).
      const endpoints = ref.undefinedSubset ? [] : push.endpoints.endpoints(ref.service, ref.port.name);
      out.push({ name, message: buildLoadAssignment(name, endpoints, ref.subset?.labels) });
    }
    return out;
  },

  needsPush,
  mayConcern: needsPush,

  scopeKey(proxy: Proxy): string {
    return proxy.namespace;
  },
};
