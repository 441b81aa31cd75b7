/**
 * What one config file serves, given its text and what it served before: the pure half of the
 * directory source (design §3 "Config directory"). No I/O; never throws on user input.
 *
 * - A YAML syntax error rejects the whole file: every previously good resource is kept as it was.
 * - A document that fails validation is rejected; if it names its kind and name, the last good
 *   version of that resource from this file stays served.
 * - A rejected document that does not say what it is cannot be matched to its last good version,
 *   so every previously good resource of the file that is not otherwise accounted for stays served
 *   until it is fixed (better stale than removed by a typo).
 * - Everything else valid is served; previously good resources absent from a parsing file are gone.
 */
import { configKey, describeConfig, keyOf, type Config } from '../../model/config.js';
import { VALIDATED_SPEC_SCHEMAS } from '../../model/istio/index.js';
import { contentHash } from '../../util/hash.js';
import type { ResourceLabels, ValidationFailureReason } from '../../util/metrics.js';
import type { ConfigId } from '../config-store.js';
import { parseYamlDocuments } from '../parse.js';
import type { ConfigError } from '../validation/result.js';
import { validateObject } from '../validation/validate.js';
import { ISTIO_CRDS } from './kube-resources.js';

/** One document's verdict, for `galley_validation_passed` / `_failed`. */
export interface DocumentVerdict {
  readonly resource: ResourceLabels;
  /** Undefined when the document passed. */
  readonly failure?: ValidationFailureReason;
}

export interface FileResources {
  /** The file did not parse; `good` is the previous set, unchanged. */
  readonly syntaxError: boolean;
  /** What the file serves now, by `Kind/namespace/name`. */
  readonly good: ReadonlyMap<string, Config>;
  readonly errors: readonly ConfigError[];
  /** Keys of rejected resources that keep being served in their last good version. */
  readonly kept: ReadonlySet<string>;
  readonly warnings: ReadonlyArray<{ readonly resource: string; readonly message: string }>;
  /** One per document that was validated (none for a file with a syntax error). */
  readonly verdicts: readonly DocumentVerdict[];
}

/** Group, version and plural of a document, from its own `apiVersion` and `kind`. */
export function documentResource(obj: unknown): ResourceLabels {
  const o = typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>) : {};
  const apiVersion = typeof o['apiVersion'] === 'string' ? o['apiVersion'] : '';
  const kind = typeof o['kind'] === 'string' ? o['kind'] : '';
  const slash = apiVersion.lastIndexOf('/');
  const plural = ISTIO_CRDS.find((c) => c.kind === kind)?.plural ?? kind.toLowerCase();
  return {
    group: slash >= 0 ? apiVersion.slice(0, slash) : '',
    version: apiVersion.slice(slash + 1),
    resource: plural,
  };
}

function isKnownKind(obj: unknown): boolean {
  const kind = typeof obj === 'object' && obj !== null ? (obj as { kind?: unknown }).kind : undefined;
  return typeof kind === 'string' && Object.prototype.hasOwnProperty.call(VALIDATED_SPEC_SCHEMAS, kind);
}

export function readFileResources(
  text: string,
  file: string,
  lastGood: ReadonlyMap<string, Config>,
): FileResources {
  const parsed = parseYamlDocuments(text, file);
  if (parsed.errors.length > 0) {
    return {
      syntaxError: true,
      good: lastGood,
      errors: parsed.errors,
      kept: new Set(lastGood.keys()),
      warnings: [],
      verdicts: [],
    };
  }
  const good = new Map<string, Config>();
  const errors: ConfigError[] = [];
  const kept = new Set<string>();
  const warnings: Array<{ resource: string; message: string }> = [];
  const verdicts: DocumentVerdict[] = [];
  let unidentified = false;
  for (const doc of parsed.documents) {
    if (doc.object === null || doc.object === undefined) continue;
    const result = validateObject(doc.object, file);
    const resource = documentResource(doc.object);
    if (result.ok) verdicts.push({ resource });
    else verdicts.push({ resource, failure: isKnownKind(doc.object) ? 'invalid_resource' : 'unknown_type' });
    if (result.ok) {
      const config = withVersion(result.value, file);
      const key = keyOf(config);
      for (const message of result.warnings)
        warnings.push({ resource: describeConfig(config.meta), message });
      if (good.has(key) && !kept.has(key)) {
        errors.push({
          source: file,
          ref: configIdOf(config),
          path: 'metadata.name',
          message: `${describeConfig(config.meta)} is defined more than once in this file; the first definition wins`,
        });
        continue;
      }
      kept.delete(key);
      good.set(key, config);
      continue;
    }
    errors.push(...result.errors);
    const ref = result.ref;
    if (!ref || !hasIdentity(doc.object)) {
      unidentified = true;
      continue;
    }
    const key = configKey(ref.kind, ref.namespace, ref.name);
    const last = lastGood.get(key);
    if (last && !good.has(key)) {
      good.set(key, last);
      kept.add(key);
    }
  }
  if (unidentified) {
    for (const [key, config] of lastGood) {
      if (good.has(key)) continue;
      good.set(key, config);
      kept.add(key);
    }
  }
  return { syntaxError: false, good, errors, kept, warnings, verdicts };
}

export function configIdOf(config: Config): ConfigId {
  return { kind: config.meta.kind, namespace: config.meta.namespace, name: config.meta.name };
}

/** Whether a document names its kind and name, so a rejected version can be matched to its last good one. */
function hasIdentity(obj: unknown): boolean {
  if (typeof obj !== 'object' || obj === null) return false;
  const { kind, metadata } = obj as { kind?: unknown; metadata?: unknown };
  const name =
    typeof metadata === 'object' && metadata !== null ? (metadata as { name?: unknown }).name : undefined;
  return typeof kind === 'string' && kind !== '' && typeof name === 'string' && name !== '';
}

/** Files carry no resourceVersion of their own: a content hash, so equal content, equal version. */
function withVersion(config: Config, file: string): Config {
  const version =
    config.meta.resourceVersion ||
    contentHash(JSON.stringify([config.spec, config.meta.labels, config.meta.annotations]));
  if (config.meta.resourceVersion === version && config.meta.source === file) return config;
  return { ...config, meta: { ...config.meta, resourceVersion: version, source: file } };
}
