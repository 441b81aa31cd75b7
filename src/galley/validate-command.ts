/**
 * `meshplane validate -f FILE...`: offline validation with the same validator as the config
 * sources and the admission webhook (like `istioctl validate`). Prints one line per error and per
 * warning (file, kind namespace/name, field path, message), then a summary; exit code 1 when any
 * document or file is invalid.
 */
import { readFile } from 'node:fs/promises';
import { parseYamlDocuments } from './parse.js';
import { formatConfigError } from './validation/result.js';
import { validateDocument } from './validation/validate.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export async function runValidate(files: string[], out: (line: string) => void): Promise<number> {
  let docs = 0;
  let invalid = 0;
  let errors = 0;
  let warnings = 0;
  let badFiles = 0;
  if (files.length === 0) {
    out('error: no files given (use -f FILE)');
    return 1;
  }
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      out(`${file}: cannot read file: ${e instanceof Error ? e.message : String(e)}`);
      badFiles++;
      errors++;
      continue;
    }
    const parsed = parseYamlDocuments(text, file);
    if (parsed.errors.length > 0) badFiles++;
    for (const e of parsed.errors) {
      out(formatConfigError(e));
      errors++;
    }
    for (const doc of parsed.documents) {
      docs++;
      const r = validateDocument(doc.object, file);
      const ref = r.ok ? r.value.meta : r.ref;
      const who = ref ? `${ref.kind} ${ref.namespace}/${ref.name}` : `document ${doc.index}`;
      for (const w of r.warnings ?? []) {
        out(`${file}: ${who}: warning: ${w}`);
        warnings++;
      }
      if (!r.ok) {
        invalid++;
        for (const e of r.errors) {
          out(formatConfigError(e.ref ? e : { ...e, source: `${file}: ${who}` }));
          errors++;
        }
      }
    }
  }
  const summary = `${plural(docs, 'document')} in ${plural(files.length, 'file')}: ${docs - invalid} valid, ${invalid} invalid; ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
  out(errors > 0 || badFiles > 0 ? `validation failed: ${summary}` : `validation succeeded: ${summary}`);
  return errors > 0 || badFiles > 0 ? 1 : 0;
}
