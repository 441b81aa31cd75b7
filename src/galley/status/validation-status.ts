/**
 * What the `status` of an Istio config object should say about its validation: the pure half of
 * the status writer (issue 4, "objects that fail validation are reported (log, metric, and a
 * condition in the object's status)"). No I/O, no clock (the caller passes `now`), never throws
 * on what it reads from the API server.
 *
 * Shape: Istio's `IstioStatus` (istio.io/api meta/v1alpha1), which istiod writes into the status
 * subresource of its CRDs: `conditions[]` of `{type, status, reason, message,
 * lastTransitionTime}` plus `observedGeneration`. The condition type is `Valid`, not istiod's
 * `Reconciled`: istiod's `Reconciled` reports *distribution* ("N/M proxies up to date"), a
 * different fact that meshplane will report under that name for proxy NACKs (issue 8). Separate
 * types let both writers coexist, and `kubectl wait --for=condition=Valid=false` reads naturally.
 *
 * Rules (Kubernetes API conventions, "Typical status properties"):
 * - an invalid object gets `Valid=False`, reason `ValidationFailed`, every error with its field
 *   path in the message;
 * - a valid object that carries our condition gets `Valid=True` (the failure is cleared, and the
 *   author sees that the fix was seen); a valid object that never failed is left alone, so a
 *   healthy mesh costs no status writes at all;
 * - `lastTransitionTime` changes only when `status` flips;
 * - conditions of other writers are kept as they are, in place;
 * - nothing to write when the object already says what it should: no write per event.
 */
import type { KubeObject } from '../sources/kube-http.js';
import type { ConfigError } from '../validation/result.js';

export const VALID_CONDITION = 'Valid';
export const REASON_FAILED = 'ValidationFailed';
export const REASON_PASSED = 'ValidationPassed';
/** metav1.Condition's limit on `message`. */
export const MAX_MESSAGE_LENGTH = 32_768;

/** One `status.conditions[]` entry; unknown members of other writers' conditions are kept. */
export interface StatusCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
  readonly observedGeneration?: number;
  readonly [member: string]: unknown;
}

/** The part of `status` this writer owns: what a merge patch of `status` carries. */
export interface StatusUpdate {
  readonly conditions: readonly StatusCondition[];
  readonly observedGeneration?: number;
}

/** One object's validation verdict, as the Kubernetes source reports it. */
export interface ObjectVerdict {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The object as last seen (its `status` included); undefined: deleted or no longer selected. */
  readonly object: KubeObject | undefined;
  /** Empty when valid. */
  readonly errors: readonly ConfigError[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `spec.http[0].route[0].weight: must be >= 0; spec.hosts: ...`, capped at the API's limit. */
export function validationMessage(errors: readonly ConfigError[]): string {
  const text = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
  if (text.length <= MAX_MESSAGE_LENGTH) return text;
  const suffix = ` ... (${errors.length} errors in all)`;
  return text.slice(0, MAX_MESSAGE_LENGTH - suffix.length) + suffix;
}

/** The conditions in `status`, tolerating anything the API server may hold. */
export function readConditions(status: unknown): StatusCondition[] {
  if (!isRecord(status) || !Array.isArray(status.conditions)) return [];
  return status.conditions.filter(
    (c): c is StatusCondition => isRecord(c) && typeof c.type === 'string' && typeof c.status === 'string',
  );
}

function readObservedGeneration(status: unknown): number | undefined {
  if (!isRecord(status)) return undefined;
  const g = status.observedGeneration;
  // IstioStatus is protobuf: its int64 may come back as a JSON string.
  if (typeof g === 'number') return g;
  if (typeof g === 'string' && /^\d+$/.test(g)) return Number(g);
  return undefined;
}

/**
 * The status update that puts `condition` into `status` (replacing the condition of its type in
 * place, appending it otherwise, every other condition kept as it is), or undefined when `status`
 * already says exactly that for this generation. `lastTransitionTime` moves only when the
 * condition's `status` flips. Shared by every condition meshplane writes.
 */
export function applyCondition(input: {
  readonly status: unknown;
  readonly generation?: number;
  readonly condition: {
    readonly type: string;
    readonly status: string;
    readonly reason: string;
    readonly message: string;
  };
  readonly now: string;
}): StatusUpdate | undefined {
  const conditions = readConditions(input.status);
  const index = conditions.findIndex((c) => c.type === input.condition.type);
  const mine = index >= 0 ? conditions[index] : undefined;
  const generation = input.generation;
  const desired = {
    ...input.condition,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (
    mine &&
    mine.status === desired.status &&
    mine.reason === desired.reason &&
    mine.message === desired.message &&
    mine.observedGeneration === desired.observedGeneration &&
    typeof mine.lastTransitionTime === 'string' &&
    (generation === undefined || readObservedGeneration(input.status) === generation)
  ) {
    return undefined;
  }
  const lastTransitionTime =
    mine && mine.status === desired.status && typeof mine.lastTransitionTime === 'string'
      ? mine.lastTransitionTime
      : input.now;
  const condition: StatusCondition = { ...desired, lastTransitionTime };
  const next = [...conditions];
  if (index >= 0) next[index] = condition;
  else next.push(condition);
  return { conditions: next, ...(generation !== undefined ? { observedGeneration: generation } : {}) };
}

/**
 * The status update an object needs, or undefined when its status already says the right thing.
 * `now` is an RFC 3339 timestamp (`lastTransitionTime` of a flipped condition).
 */
export function decideValidationStatus(input: {
  readonly status: unknown;
  readonly generation?: number;
  readonly errors: readonly ConfigError[];
  readonly now: string;
}): StatusUpdate | undefined {
  const valid = input.errors.length === 0;
  if (valid && !readConditions(input.status).some((c) => c.type === VALID_CONDITION)) return undefined;
  return applyCondition({
    status: input.status,
    ...(input.generation !== undefined ? { generation: input.generation } : {}),
    condition: {
      type: VALID_CONDITION,
      status: valid ? 'True' : 'False',
      reason: valid ? REASON_PASSED : REASON_FAILED,
      message: valid ? 'the object passed validation' : validationMessage(input.errors),
    },
    now: input.now,
  });
}

/** RFC 3339 with second precision, as Kubernetes writes `metav1.Time`. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
