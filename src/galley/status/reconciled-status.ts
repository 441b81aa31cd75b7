/**
 * What the `status` of an Istio config object should say about the proxies rejecting the
 * configuration generated from it (issue 8): the pure half of the status writer's second
 * condition. No I/O, no clock (the caller passes `now`), never throws on what it reads.
 *
 * Why `Reconciled`: istiod writes a condition of that type when its distribution reporting is on
 * (`PILOT_ENABLE_STATUS`), meaning "every proxy has acknowledged this generation" (message
 * `N/M proxies up to date`). meshplane does not track per-config distribution; it knows which
 * connected proxies currently NACK a response built from the object. That is the failing half of
 * istiod's fact, so it is reported under the same type: `kubectl wait
 * --for=condition=Reconciled=false` and dashboards written against istiod keep working, and the
 * `Valid` condition (validation, written by the same writer) stays a separate, independent fact.
 * Pilot's NACK attribution (`pilot/debug/rejected-configs.ts`) says which proxies reject what.
 *
 * Rules (Kubernetes API conventions, "Typical status properties"):
 * - an object some connected proxy rejects gets `Reconciled=False`, reason `RejectedByProxy`, the
 *   first {@link MAX_NAMED_PROXIES} proxies (by id) with what they rejected, `and N more`, and the
 *   first proxy's error, truncated to {@link MAX_ERROR_CHARS};
 * - once no connected proxy rejects it (a fixed config was ACKed, or the proxies went away: a
 *   disconnected proxy rejects nothing), `Reconciled=True`, reason `Accepted`. The condition is
 *   kept rather than removed, as `Valid` is: the author sees the recovery was noticed, and `kubectl
 *   wait --for=condition=Reconciled` returns. An object never rejected is left alone, so a healthy
 *   mesh costs no status writes;
 * - `observedGeneration` is the object's generation; other conditions are kept as they are.
 */
import type { KubeObject } from '../sources/kube-http.js';
import type { ConfigError } from '../validation/result.js';
import {
  applyCondition,
  decideValidationStatus,
  MAX_MESSAGE_LENGTH,
  readConditions,
  type StatusUpdate,
} from './validation-status.js';

export const RECONCILED_CONDITION = 'Reconciled';
export const REASON_REJECTED = 'RejectedByProxy';
export const REASON_ACCEPTED = 'Accepted';
/** Proxies named in the message; the rest are counted. */
export const MAX_NAMED_PROXIES = 5;
/** Resource names shown per rejected type (wildcard CDS can suspect many). */
export const MAX_NAMED_RESOURCES = 3;
/** Envoy quotes whole protos in its NACKs; the start says what is wrong. */
export const MAX_ERROR_CHARS = 1024;

/** One proxy rejecting one type of resource built from the object (Pilot's `RejectingProxy`). */
export interface ProxyRejection {
  readonly proxy: string;
  /** Short type name: `RDS`, `CDS`, `EDS`. */
  readonly type: string;
  readonly resources?: readonly string[];
  readonly error: string;
}

/** The proxies currently rejecting one object (Pilot's `RejectedConfig`, structurally). */
export interface ObjectRejections {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly source?: string;
  readonly proxies: readonly ProxyRejection[];
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function describeType(r: ProxyRejection): string {
  const names = r.resources ?? [];
  if (names.length === 0) return r.type;
  const shown = names.slice(0, MAX_NAMED_RESOURCES).join(',');
  const more = names.length > MAX_NAMED_RESOURCES ? ` +${names.length - MAX_NAMED_RESOURCES}` : '';
  return `${r.type} ${shown}${more}`;
}

/**
 * `rejected by 7 proxies: A (RDS 9080), B (RDS 9080), C (CDS ...), D (...), E (...) and 2 more:
 * <error of A>` (plus `(and K other errors)` when they differ). Deterministic: proxies by id.
 */
export function reconciledMessage(rejections: readonly ProxyRejection[]): string {
  const byProxy = new Map<string, ProxyRejection[]>();
  for (const r of rejections) byProxy.set(r.proxy, [...(byProxy.get(r.proxy) ?? []), r]);
  const ids = [...byProxy.keys()].sort();
  if (ids.length === 0) return 'no connected proxy rejects the configuration generated from this object';
  const named = ids.slice(0, MAX_NAMED_PROXIES).map((id) => {
    const types = byProxy
      .get(id)!
      .slice()
      .sort((a, b) => a.type.localeCompare(b.type))
      .map(describeType);
    return `${id} (${types.join('; ')})`;
  });
  const more = ids.length - named.length;
  const first = byProxy
    .get(ids[0]!)!
    .slice()
    .sort((a, b) => a.type.localeCompare(b.type))[0]!;
  const others = new Set(rejections.map((r) => r.error));
  others.delete(first.error);
  const head =
    `rejected by ${ids.length} ${ids.length === 1 ? 'proxy' : 'proxies'}: ${named.join(', ')}` +
    (more > 0 ? ` and ${more} more` : '');
  const tail = others.size > 0 ? ` (and ${others.size} other ${others.size === 1 ? 'error' : 'errors'})` : '';
  return truncate(`${head}: ${truncate(first.error, MAX_ERROR_CHARS)}${tail}`, MAX_MESSAGE_LENGTH);
}

/**
 * The status update an object needs for its `Reconciled` condition, given the proxies currently
 * rejecting it, or undefined when its status already says that (or it never was rejected).
 */
export function decideReconciledStatus(input: {
  readonly status: unknown;
  readonly generation?: number;
  readonly rejections: readonly ProxyRejection[];
  readonly now: string;
}): StatusUpdate | undefined {
  const rejected = input.rejections.length > 0;
  if (!rejected && !readConditions(input.status).some((c) => c.type === RECONCILED_CONDITION))
    return undefined;
  return applyCondition({
    status: input.status,
    ...(input.generation !== undefined ? { generation: input.generation } : {}),
    condition: {
      type: RECONCILED_CONDITION,
      status: rejected ? 'False' : 'True',
      reason: rejected ? REASON_REJECTED : REASON_ACCEPTED,
      message: reconciledMessage(input.rejections),
    },
    now: input.now,
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Both verdicts of one object in one update (one write): validation first, then reconciliation
 * decided on the status as validation leaves it, so neither condition overwrites the other.
 * `rejections` undefined means not known yet (Pilot has not reported since this process
 * started): the `Reconciled` condition is then left as it is, neither cleared nor set.
 */
export function decideObjectStatus(input: {
  readonly object: KubeObject;
  readonly errors: readonly ConfigError[];
  readonly rejections: readonly ProxyRejection[] | undefined;
  readonly now: string;
}): StatusUpdate | undefined {
  const status: unknown = input.object['status'];
  const generation = input.object.metadata.generation;
  const gen = generation !== undefined ? { generation } : {};
  const validation = decideValidationStatus({ status, ...gen, errors: input.errors, now: input.now });
  if (input.rejections === undefined) return validation;
  const afterValidation = validation ? { ...(isRecord(status) ? status : {}), ...validation } : status;
  const reconciled = decideReconciledStatus({
    status: afterValidation,
    ...gen,
    rejections: input.rejections,
    now: input.now,
  });
  return reconciled ?? validation;
}
