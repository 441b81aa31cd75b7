/**
 * The validating admission webhook's decision, pure: an `admission.k8s.io/v1` AdmissionReview in,
 * the AdmissionReview answer out (Kubernetes "Dynamic Admission Control", "Request" and "Response"
 * sections). Uses the same validator as the config directory, the Kubernetes source and
 * `meshplane validate`, so what the API server admits is exactly what meshplane serves.
 *
 * - CREATE and UPDATE of an Istio networking kind are validated; any error denies the request
 *   with every error found (field paths included), as istiod's webhook answers
 *   `configuration is invalid: ...`; validator warnings ride along as `warnings`, which kubectl
 *   prints.
 * - DELETE (and CONNECT) are always allowed: refusing a delete would strand invalid objects.
 * - Kinds the validator does not know are allowed: the webhook's rules decide what is sent here.
 */
import { ISTIO_GROUP } from '../../model/config.js';
import { VALIDATED_SPEC_SCHEMAS } from '../../model/istio/index.js';
import type { ConfigError } from '../validation/result.js';
import { validateDocument } from '../validation/validate.js';

export const ADMISSION_API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;

/** The AdmissionResponse fields meshplane sets. */
export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: { readonly code: number; readonly reason: string; readonly message: string };
  readonly warnings?: string[];
}

export interface AdmissionReviewAnswer {
  readonly apiVersion: string;
  readonly kind: 'AdmissionReview';
  readonly response: AdmissionResponse;
}

/** A review that is not one: the HTTP handler answers 400 with `error`. */
export type ReviewResult =
  | { readonly ok: true; readonly answer: AdmissionReviewAnswer; readonly denied?: string }
  | { readonly ok: false; readonly error: string };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function isValidatedKind(kind: string): boolean {
  return Object.prototype.hasOwnProperty.call(VALIDATED_SPEC_SCHEMAS, kind);
}

/** `spec.http[0].route[1].weight: weight -15 must be >= 0`; the object is named by kubectl already. */
function errorLine(e: ConfigError): string {
  return e.path ? `${e.path}: ${e.message}` : e.message;
}

/**
 * The API server fills `metadata.namespace` of namespaced objects before admission, but a review
 * may carry it only at `request.namespace` (and `request.name` for the name): take those when
 * the object lacks them, so the validator sees what will be stored.
 */
function withRequestMeta(object: Record<string, unknown>, request: Record<string, unknown>): unknown {
  const meta = isRecord(object.metadata) ? { ...object.metadata } : {};
  const ns = str(request.namespace);
  const name = str(request.name);
  if (ns && !str(meta.namespace)) meta.namespace = ns;
  if (name && !str(meta.name)) meta.name = name;
  return { ...object, metadata: meta };
}

/**
 * Whether an allowed review was allowed by the validator (a CREATE or UPDATE of a validated Istio
 * kind), not waved through (DELETE, other kinds): what `galley_validation_passed` counts.
 */
export function wasValidated(body: unknown): boolean {
  if (!isRecord(body) || !isRecord(body.request)) return false;
  const request = body.request;
  const operation = str(request.operation);
  if (operation !== 'CREATE' && operation !== 'UPDATE') return false;
  const gvk = isRecord(request.kind) ? request.kind : {};
  if (str(gvk.group) !== undefined && gvk.group !== ISTIO_GROUP) return false;
  const kind = str(gvk.kind) ?? (isRecord(request.object) ? str(request.object.kind) : undefined) ?? '';
  return isValidatedKind(kind);
}

/** Decides one AdmissionReview (`body` as parsed from JSON). Never throws. */
export function reviewAdmission(body: unknown): ReviewResult {
  if (!isRecord(body) || body.kind !== 'AdmissionReview') {
    return { ok: false, error: 'expected an AdmissionReview' };
  }
  const apiVersion = str(body.apiVersion) ?? '';
  if (!(ADMISSION_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    return { ok: false, error: `unsupported AdmissionReview apiVersion ${JSON.stringify(apiVersion)}` };
  }
  const request = body.request;
  if (!isRecord(request) || !str(request.uid)) {
    return { ok: false, error: 'AdmissionReview has no request.uid' };
  }
  const uid = str(request.uid)!;
  const answer = (response: Omit<AdmissionResponse, 'uid'>): AdmissionReviewAnswer => ({
    apiVersion,
    kind: 'AdmissionReview',
    response: { uid, ...response },
  });
  const operation = str(request.operation);
  const gvk = isRecord(request.kind) ? request.kind : {};
  const object = request.object;
  if (operation !== 'CREATE' && operation !== 'UPDATE')
    return { ok: true, answer: answer({ allowed: true }) };
  const kind = str(gvk.kind) ?? (isRecord(object) ? str(object.kind) : undefined) ?? '';
  if (str(gvk.group) !== undefined && gvk.group !== ISTIO_GROUP) {
    return { ok: true, answer: answer({ allowed: true }) };
  }
  if (!isValidatedKind(kind)) return { ok: true, answer: answer({ allowed: true }) };
  if (!isRecord(object)) {
    const message = `configuration is invalid: ${operation} ${kind} carries no object`;
    return {
      ok: true,
      denied: message,
      answer: answer({ allowed: false, status: { code: 400, reason: 'BadRequest', message } }),
    };
  }
  const result = validateDocument(withRequestMeta(object, request), 'webhook');
  const warnings = result.warnings ?? [];
  if (result.ok) {
    return { ok: true, answer: answer({ allowed: true, ...(warnings.length ? { warnings } : {}) }) };
  }
  const message = `configuration is invalid: ${result.errors.map(errorLine).join('; ')}`;
  return {
    ok: true,
    denied: message,
    answer: answer({
      allowed: false,
      status: { code: 400, reason: 'BadRequest', message },
      ...(warnings.length ? { warnings } : {}),
    }),
  };
}
