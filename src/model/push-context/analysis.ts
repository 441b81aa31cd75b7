/**
 * Analysis warnings collected while indexing, in the spirit of `istioctl analyze`: configuration
 * that is valid on its own but refers to things that do not exist, so part of it has no effect.
 * They never stop a push; they are reported (debug endpoint, logs, status). Pure.
 */
import { describeConfig, type Config } from '../config.js';
import type { DestinationRuleSpec, VirtualServiceSpec } from '../istio/index.js';
import { hostMatches, isWildcardHost, resolveShortName } from './hosts.js';
import type { ServiceIndex } from './service-index.js';
import type { MeshVirtualService } from './virtual-service-index.js';

export interface AnalysisWarning {
  /** Istio analyzer message code, e.g. IST0101 (ReferencedResourceNotFound). */
  readonly code: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Field path inside the object, e.g. `spec.http[0].route[0].destination.subset`. */
  readonly path: string;
  readonly message: string;
}

/** `VirtualService ns/name: spec.path: message`. */
export function formatWarning(w: AnalysisWarning): string {
  return `${w.kind} ${w.namespace}/${w.name}: ${w.path}: ${w.message}`;
}

function warning(config: Config, code: string, path: string, message: string): AnalysisWarning {
  const { kind, namespace, name } = config.meta;
  return { code, kind, namespace, name, path, message };
}

export interface AnalysisInput {
  readonly virtualServices: readonly MeshVirtualService[];
  readonly destinationRules: readonly Config<DestinationRuleSpec>[];
  readonly services: ServiceIndex;
  readonly domainSuffix: string;
}

/**
 * Subset names per resolved DestinationRule host, mesh-wide: like `istioctl analyze`, a subset
 * counts as defined when any rule for a matching host defines it, whatever its namespace (which
 * rule a given client uses is decided per client at push time).
 */
function subsetsByHost(input: AnalysisInput): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const dr of input.destinationRules) {
    if (!dr.spec?.host) continue;
    const host = resolveShortName(dr.spec.host, dr.meta.namespace, input.domainSuffix);
    const names = out.get(host) ?? new Set<string>();
    for (const s of dr.spec.subsets ?? []) if (s.name) names.add(s.name);
    out.set(host, names);
  }
  return out;
}

function subsetDefined(subsets: Map<string, Set<string>>, host: string, subset: string): boolean {
  for (const [pattern, names] of subsets) if (hostMatches(host, pattern) && names.has(subset)) return true;
  return false;
}

function analyzeDestinations(
  vs: Config<VirtualServiceSpec>,
  input: AnalysisInput,
  subsets: Map<string, Set<string>>,
  out: AnalysisWarning[],
): void {
  const ns = vs.meta.namespace;
  (vs.spec?.http ?? []).forEach((http, i) => {
    (http.route ?? []).forEach((route, j) => {
      const dest = route.destination;
      if (!dest?.host) return;
      const path = `spec.http[${i}].route[${j}].destination`;
      const host = resolveShortName(dest.host, ns, input.domainSuffix);
      if (isWildcardHost(host)) return;
      const service = input.services.forHostname(host, ns);
      if (!service) {
        out.push(warning(vs, 'IST0101', `${path}.host`, `host "${host}" not found`));
        return;
      }
      const port = dest.port?.number;
      if (port !== undefined && !service.ports.some((p) => p.port === port)) {
        out.push(warning(vs, 'IST0101', `${path}.port.number`, `port ${port} not found on host "${host}"`));
      }
      if (dest.subset && !subsetDefined(subsets, host, dest.subset)) {
        out.push(
          warning(
            vs,
            'IST0101',
            `${path}.subset`,
            `subset "${dest.subset}" not found in DestinationRule for host "${host}"`,
          ),
        );
      }
    });
  });
}

/** Exact hosts claimed by more than one mesh VirtualService: only the oldest routes them. */
function analyzeConflicts(input: AnalysisInput, out: AnalysisWarning[]): void {
  const owner = new Map<string, Config<VirtualServiceSpec>>();
  for (const vs of input.virtualServices) {
    vs.hosts.forEach((host, i) => {
      if (isWildcardHost(host)) return;
      const first = owner.get(host);
      if (!first) {
        owner.set(host, vs.config);
        return;
      }
      if (first === vs.config) return;
      out.push(
        warning(
          vs.config,
          'IST0109',
          `spec.hosts[${i}]`,
          `host "${host}" is also routed by ${describeConfig(first.meta)}, which takes precedence`,
        ),
      );
    });
  }
}

/** DestinationRules for hosts that no service defines. */
function analyzeRules(input: AnalysisInput, out: AnalysisWarning[]): void {
  const known = new Set(input.services.all().map((s) => s.hostname));
  for (const dr of input.destinationRules) {
    const raw = dr.spec?.host;
    if (!raw) continue;
    const host = resolveShortName(raw, dr.meta.namespace, input.domainSuffix);
    if (isWildcardHost(host)) continue;
    if (!known.has(host)) {
      out.push(warning(dr, 'IST0101', 'spec.host', `host "${host}" not found`));
    }
  }
}

export function analyze(input: AnalysisInput): AnalysisWarning[] {
  const out: AnalysisWarning[] = [];
  const subsets = subsetsByHost(input);
  for (const vs of input.virtualServices) analyzeDestinations(vs.config, input, subsets, out);
  analyzeConflicts(input, out);
  analyzeRules(input, out);
  return out;
}
