/**
 * Collects errors and warnings with their field paths while a validator walks a spec, so that every
 * problem is reported (istiod also aggregates all errors with multierror) and nothing throws.
 */

export interface Issue {
  readonly path: string;
  readonly message: string;
}

export class Issues {
  readonly errors: Issue[] = [];
  readonly warnings: Issue[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  /** Records `message` as an error at `path` when it is defined (for `check*` helpers). */
  check(path: string, message: string | undefined): void {
    if (message !== undefined) this.error(path, message);
  }

  /** Records every message as an error at `path`. */
  checkAll(path: string, messages: readonly string[]): void {
    for (const m of messages) this.error(path, m);
  }

  get ok(): boolean {
    return this.errors.length === 0;
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `base.key`, or `base["key"]` when the key is not identifier-like (header names, label keys). */
export function at(base: string, key: string): string {
  const seg = IDENT.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (base === '') return seg;
  return seg.startsWith('[') ? `${base}${seg}` : `${base}.${seg}`;
}

/** `base.a.b` for a dotted path of field names written in code (not user-provided keys). */
export function atPath(base: string, dotted: string): string {
  return dotted.split('.').reduce((p, seg) => at(p, seg), base);
}

/** `base[i]`. */
export function idx(base: string, i: number): string {
  return `${base}[${i}]`;
}

/** Sorted entries of a string-keyed map, for deterministic error order. */
export function sortedEntries<V>(map: Readonly<Record<string, V>> | undefined): Array<[string, V]> {
  if (!map) return [];
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
