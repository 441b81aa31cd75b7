/**
 * The validator entry points, shared by the config-directory source, the Kubernetes source, the
 * admission webhook and `meshplane validate`: envelope checks, then the strict zod schema of the
 * kind's spec (unknown fields are errors), then istiod's semantic rules for that kind
 * (`pkg/config/validation`). Pure; never throws on user input.
 */
import type { ZodType } from 'zod';
import { ISTIO_KINDS } from '../../model/config.js';
import type { Config, ConfigMeta, IstioKind } from '../../model/config.js';
import { VALIDATED_SPEC_SCHEMAS } from '../../model/istio/index.js';
import type {
  DestinationRuleSpec,
  GatewaySpec,
  ServiceEntrySpec,
  SidecarSpec,
  ValidatedKind,
  VirtualServiceSpec,
  WorkloadEntrySpec,
  WorkloadGroupSpec,
} from '../../model/istio/index.js';
import { contentHash } from '../../util/hash.js';
import type { SpecContext } from './context.js';
import { Issues } from './issues.js';
import type { Issue } from './issues.js';
import { isRecord, parseEnvelope, refOf } from './metadata.js';
import type { ConfigError, ConfigRef, ValidationResult } from './result.js';
import { validateDestinationRule } from './validate-destination-rule.js';
import { validateGateway } from './validate-gateway.js';
import { validateServiceEntry } from './validate-service-entry.js';
import { validateSidecar } from './validate-sidecar.js';
import { validateVirtualService } from './validate-virtual-service.js';
import { validateWorkloadEntry } from './validate-workload-entry.js';
import { validateWorkloadGroup } from './validate-workload-group.js';
import { addZodIssues } from './zod-issues.js';

/** Config of any validated kind, including WorkloadGroup (validated, not served). */
export interface ValidatedConfig<S = unknown> {
  readonly meta: Omit<ConfigMeta, 'kind'> & { readonly kind: ValidatedKind };
  readonly spec: S;
}

type SpecValidator = (spec: never, ctx: SpecContext, issues: Issues, path?: string) => void;

const SEMANTIC: Readonly<Record<ValidatedKind, SpecValidator>> = {
  VirtualService: validateVirtualService as (s: VirtualServiceSpec, c: SpecContext, i: Issues) => void,
  DestinationRule: validateDestinationRule as (s: DestinationRuleSpec, c: SpecContext, i: Issues) => void,
  ServiceEntry: validateServiceEntry as (s: ServiceEntrySpec, c: SpecContext, i: Issues) => void,
  WorkloadEntry: validateWorkloadEntry as (s: WorkloadEntrySpec, c: SpecContext, i: Issues) => void,
  Gateway: validateGateway as (s: GatewaySpec, c: SpecContext, i: Issues) => void,
  Sidecar: validateSidecar as (s: SidecarSpec, c: SpecContext, i: Issues) => void,
  WorkloadGroup: validateWorkloadGroup as (s: WorkloadGroupSpec, c: SpecContext, i: Issues) => void,
};

/**
 * YAML `key:` with no value is null; Kubernetes and protojson treat a null field as unset, so
 * nulls inside maps are dropped before the strict schema sees them. Nulls in lists are kept (and
 * rejected: istiod says "may not be null").
 */
export function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if (val !== null) out[k] = stripNulls(val);
    return out;
  }
  return v;
}

export interface SpecValidation<S = unknown> {
  readonly errors: Issue[];
  readonly warnings: Issue[];
  /** The parsed spec, when it passed the schema (even if semantic rules failed). */
  readonly value?: S;
}

/** Validates a spec of `kind` (schema, then semantic rules). For the webhook and the sources. */
export function validateSpec(
  kind: ValidatedKind,
  spec: unknown,
  meta: Pick<SpecContext, 'name' | 'namespace'> & Partial<Pick<SpecContext, 'labels' | 'annotations'>>,
): SpecValidation {
  const issues = new Issues();
  const ctx: SpecContext = { kind, labels: {}, annotations: {}, ...meta };
  validateSpecInto(kind, spec, ctx, issues);
  return {
    errors: issues.errors,
    warnings: issues.warnings,
    value: issues.ok ? stripNulls(spec) : undefined,
  };
}

function validateSpecInto(kind: ValidatedKind, spec: unknown, ctx: SpecContext, issues: Issues): unknown {
  const schema: ZodType = VALIDATED_SPEC_SCHEMAS[kind];
  const parsed = schema.safeParse(stripNulls(spec));
  if (!parsed.success) {
    addZodIssues(parsed.error, 'spec', issues);
    return undefined;
  }
  try {
    (SEMANTIC[kind] as (s: unknown, c: SpecContext, i: Issues) => void)(parsed.data, ctx, issues);
  } catch (e) {
    // A validator bug must not take the caller down: report it as a rejection.
    issues.error('spec', `internal validation error: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parsed.data;
}

function toConfigErrors(issues: readonly Issue[], source: string, ref: ConfigRef | undefined): ConfigError[] {
  return issues.map((i) =>
    ref ? { source, ref, path: i.path, message: i.message } : { source, path: i.path, message: i.message },
  );
}

function warningLines(issues: readonly Issue[]): string[] {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
}

/**
 * Validates one parsed document of any validated kind (served kinds and WorkloadGroup). Used by
 * `meshplane validate` and the conformance corpus.
 */
export function validateDocument(obj: unknown, source: string): ValidationResult<ValidatedConfig> {
  const issues = new Issues();
  let value: ValidatedConfig | undefined;
  try {
    const env = parseEnvelope(obj, issues);
    if (env) {
      const ctx: SpecContext = {
        kind: env.kind,
        name: env.name,
        namespace: env.namespace,
        labels: env.labels,
        annotations: env.annotations,
      };
      let spec: unknown;
      if (!env.hasSpec) issues.error('spec', 'spec is required');
      else spec = validateSpecInto(env.kind, env.spec, ctx, issues);
      const meta: ValidatedConfig['meta'] = {
        kind: env.kind,
        apiVersion: env.apiVersion,
        name: env.name,
        namespace: env.namespace,
        labels: env.labels,
        annotations: env.annotations,
        resourceVersion: env.resourceVersion ?? contentHash(JSON.stringify(obj)),
        ...(env.creationTimestamp !== undefined ? { creationTimestamp: env.creationTimestamp } : {}),
        source,
      };
      value = { meta, spec };
    }
  } catch (e) {
    issues.error('', `internal validation error: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ref = refOf(obj);
  if (!issues.ok || !value) {
    if (issues.ok) issues.error('', 'invalid config object');
    return {
      ok: false,
      errors: toConfigErrors(issues.errors, source, ref),
      ref,
      warnings: warningLines(issues.warnings),
    };
  }
  return { ok: true, value, warnings: warningLines(issues.warnings) };
}

function isServedKind(kind: string): kind is IstioKind {
  return (ISTIO_KINDS as readonly string[]).includes(kind);
}

/**
 * Validates one parsed document of a kind meshplane serves (ISTIO_KINDS) into a {@link Config}.
 * WorkloadGroup passes {@link validateDocument} but is rejected here: it is not served.
 */
export function validateObject(obj: unknown, source: string): ValidationResult<Config> {
  const r = validateDocument(obj, source);
  if (!r.ok) return r;
  const { kind } = r.value.meta;
  if (!isServedKind(kind)) {
    const ref = refOf(obj);
    return {
      ok: false,
      errors: [
        {
          source,
          ...(ref ? { ref } : {}),
          path: 'kind',
          message: `kind ${kind} is not served by meshplane (served: ${ISTIO_KINDS.join(', ')})`,
        },
      ],
      ref,
      warnings: r.warnings,
    };
  }
  return { ok: true, value: { meta: { ...r.value.meta, kind }, spec: r.value.spec }, warnings: r.warnings };
}
