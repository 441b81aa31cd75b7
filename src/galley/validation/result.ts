/**
 * Validation results and errors shared by the parser, the validators, the `validate` command and
 * the admission webhook. Validators never throw on user input; they return one of these.
 */

/** Which object an error is about: `kind namespace/name`. */
export interface ConfigRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** One problem in one config object, located by its source and a field path. */
export interface ConfigError {
  /** A file path, `kubernetes`, or `webhook`. */
  readonly source: string;
  readonly ref?: ConfigRef;
  /** A field path like `spec.http[0].route[1].weight`; empty when about the whole document. */
  readonly path: string;
  readonly message: string;
}

/**
 * Accepted (with warnings istiod would also give) or rejected (with every error found, not only
 * the first, so an author can fix them in one pass).
 */
export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: string[] }
  | {
      readonly ok: false;
      readonly errors: ConfigError[];
      readonly ref?: ConfigRef;
      readonly warnings?: string[];
    };

/**
 * `config/reviews.yaml: VirtualService default/reviews: spec.http[0].route[1].weight: weight -15 must be >= 0`
 */
export function formatConfigError(e: ConfigError): string {
  const parts: string[] = [];
  if (e.source) parts.push(e.source);
  if (e.ref) parts.push(`${e.ref.kind} ${e.ref.namespace}/${e.ref.name}`);
  if (e.path) parts.push(e.path);
  parts.push(e.message);
  return parts.join(': ');
}
