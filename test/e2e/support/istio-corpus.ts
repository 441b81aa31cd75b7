/**
 * The Istio validation corpus (`../shared/istio-fixtures`, see its README) as a flat list of
 * documents, each with meshplane's verdict (which the unit conformance suite holds equal to
 * istiod's). Missing corpus is an error, never a skip.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseYamlDocuments } from '../../../src/galley/parse.js';
import { formatConfigError } from '../../../src/galley/validation/result.js';
import { validateDocument } from '../../../src/galley/validation/validate.js';
import { REPO_ROOT } from './kube-peers.js';

export const CORPUS_DIR = path.resolve(REPO_ROOT, '../shared/istio-fixtures');

export interface CorpusDocument {
  /** `file#index`, e.g. `pkg/config/validation/testdata/crds/serviceentry-invalid.yaml#1`. */
  readonly id: string;
  /** The object without the `_err` test metadata. */
  readonly object: Record<string, unknown>;
  /** The CRD-layer message the corpus states, if any. */
  readonly statedError?: string;
  readonly valid: boolean;
  /** meshplane's errors, joined (empty when valid). */
  readonly errors: string;
}

function yamlFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(path.join(dir, r)).isDirectory()) out.push(...yamlFiles(dir, r));
    else if (/\.ya?ml$/.test(name)) out.push(r);
  }
  return out;
}

export function loadCorpus(): CorpusDocument[] {
  if (!existsSync(path.join(CORPUS_DIR, 'README.md'))) {
    throw new Error(`Istio validation corpus not found at ${CORPUS_DIR}`);
  }
  const docs: CorpusDocument[] = [];
  for (const rel of yamlFiles(CORPUS_DIR)) {
    const parsed = parseYamlDocuments(readFileSync(path.join(CORPUS_DIR, rel), 'utf8'), rel);
    if (parsed.errors.length > 0) throw new Error(`cannot parse ${rel}`);
    parsed.documents.forEach((doc, i) => {
      const object = { ...(doc.object as Record<string, unknown>) };
      const stated = object._err;
      delete object._err;
      const r = validateDocument(object, rel);
      docs.push({
        id: `${rel}#${i}`,
        object,
        ...(typeof stated === 'string' ? { statedError: stated } : {}),
        valid: r.ok,
        errors: r.ok ? '' : r.errors.map(formatConfigError).join('\n'),
      });
    });
  }
  return docs;
}

/** The namespaces the corpus documents live in (`default` when unset). */
export function corpusNamespaces(docs: readonly CorpusDocument[]): string[] {
  const set = new Set<string>();
  for (const d of docs) {
    const meta = d.object.metadata as { namespace?: unknown } | undefined;
    set.add(typeof meta?.namespace === 'string' ? meta.namespace : 'default');
  }
  return [...set].sort();
}
