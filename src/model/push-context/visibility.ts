/**
 * `exportTo` visibility (Istio "Configuration scoping"): `*` (or nothing) exports to every
 * namespace, `.` to the object's own namespace, `~` to none, anything else names a namespace.
 * Pure.
 */
export function isVisibleTo(
  exportTo: readonly string[] | undefined,
  ownNamespace: string,
  toNamespace: string,
): boolean {
  if (!exportTo || exportTo.length === 0) return true;
  for (const entry of exportTo) {
    if (entry === '*') return true;
    if (entry === '.' && ownNamespace === toNamespace) return true;
    if (entry === toNamespace) return true;
  }
  return false;
}
