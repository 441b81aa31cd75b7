/**
 * Multi-document YAML parsing for config files and `meshplane validate`. Pure: text in, plain
 * objects out. Empty documents (a trailing `---`, comment-only fragments) are skipped; a syntax
 * error becomes a {@link ConfigError} with file, line and column, and the other documents of the
 * file are still returned.
 */
import { LineCounter, Scalar, isScalar, isSeq, parseAllDocuments, visit } from 'yaml';
import type { Document } from 'yaml';
import type { ConfigError } from './validation/result.js';

export interface ParsedDocument {
  /** 0-based position of the document in the file, counting skipped empty documents. */
  readonly index: number;
  readonly object: unknown;
}

export interface ParsedFile {
  readonly documents: ParsedDocument[];
  readonly errors: ConfigError[];
}

export function parseYamlDocuments(text: string, source: string): ParsedFile {
  const documents: ParsedDocument[] = [];
  const errors: ConfigError[] = [];
  const lineCounter = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    // YAML 1.2 core schema: `on`/`yes` stay strings and `1.2.3.4/16` is not a number, as in Kubernetes.
    docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    errors.push({ source, path: '', message: `YAML: ${e instanceof Error ? e.message : String(e)}` });
    return { documents, errors };
  }
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const pos = lineCounter.linePos(err.pos[0]);
        const firstLine = err.message.split('\n')[0] ?? err.message;
        errors.push({
          source: `${source}:${pos.line}:${pos.col}`,
          path: '',
          message: `YAML syntax error: ${firstLine}`,
        });
      }
      return;
    }
    if (doc.contents === null) return;
    goYamlFlowScalars(doc, text);
    let object: unknown;
    try {
      object = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push({
        source,
        path: '',
        message: `YAML: document ${index}: ${e instanceof Error ? e.message : String(e)}`,
      });
      return;
    }
    if (object === null || object === undefined) return;
    documents.push({ index, object });
  });
  return { documents, errors };
}

/**
 * `[1.2.3.4, 001:db8::]`: YAML 1.2 reads `001:db8::` in a flow sequence as the one-pair map
 * `{"001:db8:": null}`, because a `:` right before `,` or `]` is a value indicator there. The Go
 * YAML parser Kubernetes and istiod use ends a plain scalar only at `:` followed by a blank, so it
 * reads the string `001:db8::` (an IPv6 address; Istio's own ServiceEntry test data relies on it).
 * We follow Go: such implicit pairs with no value become the plain string again.
 */
function goYamlFlowScalars(doc: Document, text: string): void {
  visit(doc, {
    Map(_key, map, path) {
      const parent = path[path.length - 1];
      if (!isSeq(parent) || !parent.flow || !map.flow || map.items.length !== 1) return undefined;
      const pair = map.items[0];
      if (!pair || !isScalar(pair.key) || pair.key.type !== 'PLAIN' || !pair.key.range) return undefined;
      if (!isScalar(pair.value) || pair.value.value !== null || pair.value.source !== '') return undefined;
      const start = pair.key.range[0];
      const end = pair.key.range[1];
      // Only an implicit pair (no braces), with the colon glued to the key and to a flow indicator.
      if (map.range?.[0] !== start || text[end] !== ':' || !',]}'.includes(text[end + 1] ?? ' '))
        return undefined;
      const scalar = new Scalar(text.slice(start, end + 1));
      scalar.type = 'PLAIN';
      return scalar;
    },
  });
}
