/**
 * Lookups shared by the proxyless gRPC generators: what a subscribed name refers to in the
 * PushContext for one client, and the "does this push concern this type" filter. Pure.
 */
import type { PushContext } from '../../model/push-context.js';
import type { Proxy } from '../../model/proxy.js';
import type { PushRequest } from '../../model/push-request.js';
import type { Service, ServicePort } from '../../model/service.js';
import type { Subset } from '../../model/istio/index.js';
import type { WatchedResource } from '../../xds/source.js';
import { buildOutboundClusterName, parseClusterName, parseHostPort } from '../networking/naming.js';

export interface ServicePortRef {
  readonly service: Service;
  readonly port: ServicePort;
}

/**
 * Istio's tryFindFQDN: a dotless name is relative to the client's DNS domain
 * (`greeter` → `greeter.NS.svc.cluster.local`), and `name.NS` / `name.NS.svc` are completed when
 * NS is the client's namespace.
 */
export function expandClientHost(host: string, proxy: Proxy): string | undefined {
  if (!host.includes('.')) return `${host}.${proxy.dnsDomain}`;
  for (const suffix of [proxy.namespace, `${proxy.namespace}.svc`]) {
    if (host.endsWith(`.${suffix}`) && proxy.dnsDomain.startsWith(suffix)) {
      return `${host.slice(0, -suffix.length - 1)}.${proxy.dnsDomain}`;
    }
  }
  return undefined;
}

/**
 * The service port a listener name (`host:port`, or `host` for a single-port service) dials, for
 * this client; `undefined` when it names nothing the client may see.
 */
export function resolveListenerTarget(
  name: string,
  push: PushContext,
  proxy: Proxy,
): ServicePortRef | undefined {
  const parsed = parseHostPort(name);
  if (!parsed) return undefined;
  const candidates = [parsed.host, expandClientHost(parsed.host, proxy)].filter((h): h is string => !!h);
  for (const hostname of candidates) {
    const service = push.serviceForHostname(hostname, proxy.namespace);
    if (!service) continue;
    const port =
      parsed.port === undefined
        ? service.ports.length === 1
          ? service.ports[0]
          : undefined
        : service.ports.find((p) => p.port === parsed.port);
    return port ? { service, port } : undefined;
  }
  return undefined;
}

export interface ClusterRef extends ServicePortRef {
  readonly name: string;
  /** The subset, when the name has one and the client's DestinationRule defines it. */
  readonly subset?: Subset;
  /** The name has a subset that no DestinationRule visible to the client defines. */
  readonly undefinedSubset: boolean;
}

/**
 * What an outbound cluster (or EDS) name refers to for this client: a visible service and one of
 * its ports; `undefined` for anything else.
 *
 * A subset name whose subset no DestinationRule defines still resolves (`undefinedSubset`): it is
 * served as a cluster with no endpoints. Istio's grpcgen omits such a cluster instead, but a gRPC
 * client only learns that a never-seen cluster does not exist from its 15 s resource timer, and
 * until then every new channel to the service stalls, healthy routes included (observed with
 * @grpc/grpc-js-xds 1.14). An empty cluster gives the behaviour an Envoy sidecar has for a route
 * to a missing cluster: the calls routed there fail at once with UNAVAILABLE, the others work.
 */
export function resolveClusterName(name: string, push: PushContext, proxy: Proxy): ClusterRef | undefined {
  const parts = parseClusterName(name);
  if (!parts || parts.direction !== 'outbound') return undefined;
  const service = push.serviceForHostname(parts.hostname, proxy.namespace);
  const port = service?.ports.find((p) => p.port === parts.port);
  if (!service || !port) return undefined;
  if (parts.subset === '') return { name, service, port, undefinedSubset: false };
  const subset = push.subset(parts.hostname, parts.subset, proxy.namespace);
  return subset
    ? { name, service, port, subset, undefinedSubset: false }
    : { name, service, port, undefinedSubset: true };
}

/** Every outbound cluster name this client may see: each service port, default and subsets. */
export function allClusterNames(push: PushContext, proxy: Proxy): string[] {
  const out: string[] = [];
  for (const service of push.servicesVisibleTo(proxy.namespace)) {
    const subsets = push.destinationRule(service.hostname, proxy.namespace)?.spec.subsets ?? [];
    for (const port of service.ports) {
      out.push(buildOutboundClusterName(service.hostname, port.port));
      for (const subset of subsets) {
        if (subset.name) out.push(buildOutboundClusterName(service.hostname, port.port, subset.name));
      }
    }
  }
  return [...new Set(out)].sort();
}

/** The names to generate: the subscribed ones, plus `all()` for a wildcard subscription. */
export function requestedNames(watched: WatchedResource, all: () => readonly string[]): string[] {
  const names = new Set(watched.names);
  if (watched.wildcard) for (const n of all()) names.add(n);
  return [...names].sort();
}

/** For types every config kind may change. */
export const NO_IGNORED_KINDS: ReadonlySet<string> = new Set();

const concernMemo = new WeakMap<ReadonlySet<string>, { request: PushRequest; result: boolean }>();

/**
 * Whether a full push may change this type's output: config changes of kinds the type never
 * reads (`ignoredKinds`) are skipped; anything else (service changes, unknown kinds, "everything")
 * concerns it.
 */
export function fullPushConcerns(request: PushRequest, ignoredKinds: ReadonlySet<string>): boolean {
  if (!request.full) return false;
  // Every stream asks about the same PushRequest object: answer once per request and kind set.
  const hit = concernMemo.get(ignoredKinds);
  if (hit && hit.request === request) return hit.result;
  const result =
    request.configsUpdated.length === 0 ||
    request.reasons.some((r) => r !== 'config') ||
    request.configsUpdated.some((c) => !ignoredKinds.has(c.kind));
  concernMemo.set(ignoredKinds, { request, result });
  return result;
}
