/** What a spec validator knows about the object around the spec. */
import type { ValidatedKind } from '../../model/istio/index.js';

export interface SpecContext {
  readonly kind: ValidatedKind;
  readonly name: string;
  /** Already defaulted (`default` when unset). */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Keys of `obj` among `keys` whose value is set: for proto `oneof` groups, of which at most one may be. */
export function setKeys<T extends object>(obj: T, keys: ReadonlyArray<keyof T & string>): string[] {
  return keys.filter((k) => obj[k] !== undefined);
}
