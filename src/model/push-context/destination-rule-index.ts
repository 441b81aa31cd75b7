/**
 * DestinationRules by host with Istio's lookup precedence (PushContext.destinationRule):
 * 1. rules in the proxy's own namespace (whatever their exportTo),
 * 2. rules in the service's namespace exported to the proxy's namespace,
 * 3. rules in the root namespace (`istio-system`) exported to it.
 * Within a namespace the most specific host wins (exact over `*.suffix` over `*`). Several rules
 * for the same host in one namespace are merged as Istio does: the oldest sets the traffic policy
 * (a later one fills it only when the oldest has none), subsets are concatenated, and a repeated
 * subset name keeps its first definition.
 * Rules with a `workloadSelector` are not applied yet (they target specific client workloads).
 * Pure, immutable (lookups memoized).
 */
import type { Config } from '../config.js';
import type { DestinationRuleSpec, Subset } from '../istio/index.js';
import { sortByAge } from './config-order.js';
import { mostSpecificHost, resolveShortName } from './hosts.js';
import { isVisibleTo } from './visibility.js';

export interface ResolvedDestinationRule {
  /** The rule's host pattern, resolved (may be a wildcard). */
  readonly host: string;
  readonly namespace: string;
  /** Merged spec of every rule for this host in this namespace. */
  readonly spec: DestinationRuleSpec;
  /** The rules merged into `spec`, oldest first. */
  readonly sources: readonly Config<DestinationRuleSpec>[];
}

interface Entry {
  readonly host: string;
  readonly config: Config<DestinationRuleSpec>;
}

function mergeRules(
  host: string,
  namespace: string,
  configs: readonly Config<DestinationRuleSpec>[],
): ResolvedDestinationRule {
  const first = configs[0]!.spec ?? {};
  let trafficPolicy = first.trafficPolicy;
  const subsets: Subset[] = [];
  const seen = new Set<string>();
  for (const config of configs) {
    const spec = config.spec ?? {};
    if (!trafficPolicy && spec.trafficPolicy) trafficPolicy = spec.trafficPolicy;
    for (const subset of spec.subsets ?? []) {
      const name = subset.name ?? '';
      if (seen.has(name)) continue;
      seen.add(name);
      subsets.push(subset);
    }
  }
  const spec: DestinationRuleSpec = {
    ...first,
    ...(trafficPolicy ? { trafficPolicy } : {}),
    ...(subsets.length > 0 ? { subsets } : {}),
  };
  return { host, namespace, spec, sources: configs };
}

export class DestinationRuleIndex {
  private readonly byNamespace = new Map<string, Entry[]>();
  private readonly memo = new Map<string, ResolvedDestinationRule | null>();

  constructor(
    configs: readonly Config<DestinationRuleSpec>[],
    domainSuffix: string,
    private readonly rootNamespace: string,
  ) {
    for (const config of sortByAge(configs)) {
      const spec = config.spec ?? {};
      if (spec.workloadSelector || !spec.host) continue;
      const host = resolveShortName(spec.host, config.meta.namespace, domainSuffix);
      const list = this.byNamespace.get(config.meta.namespace);
      const entry = { host, config };
      if (list) list.push(entry);
      else this.byNamespace.set(config.meta.namespace, [entry]);
    }
  }

  /**
   * The rule that applies to traffic from a proxy in `proxyNamespace` to `hostname`, defined by
   * a service in `serviceNamespace` (when known).
   */
  lookup(
    hostname: string,
    proxyNamespace: string,
    serviceNamespace?: string,
  ): ResolvedDestinationRule | undefined {
    const key = `${proxyNamespace}|${serviceNamespace ?? ''}|${hostname}`;
    const cached = this.memo.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const found =
      this.fromNamespace(proxyNamespace, hostname, proxyNamespace, false) ??
      (serviceNamespace ? this.fromNamespace(serviceNamespace, hostname, proxyNamespace, true) : undefined) ??
      this.fromNamespace(this.rootNamespace, hostname, proxyNamespace, true);
    this.memo.set(key, found ?? null);
    return found;
  }

  private fromNamespace(
    namespace: string,
    hostname: string,
    proxyNamespace: string,
    exportedOnly: boolean,
  ): ResolvedDestinationRule | undefined {
    const entries = (this.byNamespace.get(namespace) ?? []).filter(
      (e) => !exportedOnly || isVisibleTo(e.config.spec?.exportTo, namespace, proxyNamespace),
    );
    if (entries.length === 0) return undefined;
    const host = mostSpecificHost(
      hostname,
      entries.map((e) => e.host),
    );
    if (host === undefined) return undefined;
    return mergeRules(
      host,
      namespace,
      entries.filter((e) => e.host === host).map((e) => e.config),
    );
  }
}
