/**
 * Index reuse across PushContext rebuilds: a rebuild usually follows one change, and the indexes
 * of the kinds it did not touch (1,000 services, 1,000 DestinationRules on a VirtualService
 * change) need not be built again. Pure: an index is reused only for the very same inputs.
 */

/** The index last built from some inputs: reused while the inputs are the very same objects. */
export interface IndexSlot<T> {
  inputs: readonly (readonly object[])[];
  key: string;
  index: T | undefined;
}

/**
 * `slot`'s index when it was built from lists holding the same objects in the same order (configs
 * and services are immutable values: a change is a new object) and the same settings; else a new
 * one. Indexes are immutable, so sharing one between PushContexts is safe.
 */
export function reuse<T>(
  slot: IndexSlot<T>,
  inputs: readonly (readonly object[])[],
  key: string,
  build: () => T,
): T {
  if (slot.index !== undefined && slot.key === key && sameLists(slot.inputs, inputs)) return slot.index;
  slot.index = build();
  slot.inputs = inputs;
  slot.key = key;
  return slot.index;
}

function sameLists(a: readonly (readonly object[])[], b: readonly (readonly object[])[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}
