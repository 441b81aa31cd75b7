/** Turns zod issues into field-path errors like `spec.http[0].route[1].weight: ...`. */
import type { z } from 'zod';
import { type Issues, at, idx } from './issues.js';

export function zodPath(base: string, path: ReadonlyArray<PropertyKey>): string {
  let p = base;
  for (const seg of path) {
    if (typeof seg === 'number') p = idx(p, seg);
    else p = at(p, String(seg));
  }
  return p;
}

export function addZodIssues(error: z.ZodError, base: string, issues: Issues): void {
  for (const issue of error.issues) {
    const p = zodPath(base, issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.error(at(p, key), `unknown field ${JSON.stringify(key)}`);
    } else {
      issues.error(p, issue.message);
    }
  }
}
