/**
 * The Kubernetes envelope of an Istio object: `apiVersion`, `kind`, `metadata`, `spec`. Checked the
 * way the API server and istiod's webhook do: known group/version and kind, a DNS-1123 name, a
 * DNS-1123 label namespace (defaulted to `default`), string label and annotation maps, no unknown
 * top-level fields, and no internal-only annotations.
 */
import { DEFAULT_NAMESPACE, ISTIO_GROUP, ISTIO_VERSIONS } from '../../model/config.js';
import { VALIDATED_KINDS } from '../../model/istio/index.js';
import type { ValidatedKind } from '../../model/istio/index.js';
import { type Issues, at, sortedEntries } from './issues.js';
import { checkLabelKey, checkLabelValue, isDNS1123Label, isDNS1123Subdomain } from './labels.js';

export interface ParsedEnvelope {
  readonly apiVersion: string;
  readonly kind: ValidatedKind;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly resourceVersion?: string;
  readonly creationTimestamp?: string;
  readonly spec: unknown;
  readonly hasSpec: boolean;
}

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
/** ObjectMeta fields (k8s.io/apimachinery); anything else is an unknown field. */
const OBJECT_META = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);
/** Annotations istiod's webhook refuses on user objects (`pkg/config/constants`, `istio.io/dry-run`). */
const FORBIDDEN_ANNOTATIONS: ReadonlyArray<[string, string]> = [
  ['internal.istio.io/webhook-always-reject', 'annotation found, rejecting'],
  ['internal.istio.io/parent-namespace', 'annotation found, this may not be set by users'],
  ['internal.istio.io/parents', 'annotation found, this may not be set by users'],
];

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Best-effort identity of a (possibly invalid) object, for error messages. */
export function refOf(obj: unknown): { kind: string; namespace: string; name: string } | undefined {
  if (!isRecord(obj)) return undefined;
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (!kind && !name) return undefined;
  const namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : DEFAULT_NAMESPACE;
  return { kind: kind || '<unknown kind>', namespace, name: name || '<unnamed>' };
}

function stringMap(
  v: unknown,
  path: string,
  issues: Issues,
  what: 'label' | 'annotation',
): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === undefined || v === null) return out;
  if (!isRecord(v)) {
    issues.error(path, `${what}s must be a map of strings`);
    return out;
  }
  for (const [k, val] of sortedEntries(v)) {
    if (typeof val !== 'string') {
      issues.error(at(path, k), `${what} value must be a string`);
      continue;
    }
    out[k] = val;
    if (what === 'label') {
      issues.check(at(path, k), checkLabelKey(k));
      issues.check(at(path, k), checkLabelValue(val));
    } else {
      issues.check(at(path, k), checkLabelKey(k));
    }
  }
  return out;
}

/** Checks the envelope; returns it when it is usable (kind known, name present), even if other errors were recorded. */
export function parseEnvelope(obj: unknown, issues: Issues): ParsedEnvelope | undefined {
  if (!isRecord(obj)) {
    issues.error('', 'a config object must be a YAML/JSON map');
    return undefined;
  }
  for (const k of Object.keys(obj).sort()) {
    if (!TOP_LEVEL.has(k)) issues.error(k, `unknown field ${JSON.stringify(k)}`);
  }
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const [group, version, extra] = apiVersion.split('/');
  if (apiVersion === '') {
    issues.error('apiVersion', 'apiVersion is required');
  } else if (
    group !== ISTIO_GROUP ||
    extra !== undefined ||
    !(ISTIO_VERSIONS as readonly string[]).includes(version ?? '')
  ) {
    issues.error(
      'apiVersion',
      `unsupported apiVersion ${JSON.stringify(apiVersion)}: expected ${ISTIO_VERSIONS.map((v) => `${ISTIO_GROUP}/${v}`).join(', ')}`,
    );
  }
  const kindRaw = obj.kind;
  let kind: ValidatedKind | undefined;
  if (typeof kindRaw !== 'string' || kindRaw === '') {
    issues.error('kind', 'kind is required');
  } else if (!(VALIDATED_KINDS as readonly string[]).includes(kindRaw)) {
    issues.error(
      'kind',
      `unknown kind ${JSON.stringify(kindRaw)}: expected one of ${VALIDATED_KINDS.join(', ')}`,
    );
  } else {
    kind = kindRaw as ValidatedKind;
  }

  const meta = obj.metadata;
  if (!isRecord(meta)) {
    issues.error('metadata', 'metadata is required');
    return undefined;
  }
  for (const k of Object.keys(meta).sort()) {
    if (!OBJECT_META.has(k)) issues.error(at('metadata', k), `unknown field ${JSON.stringify(k)}`);
  }
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (name === '') issues.error('metadata.name', 'name is required');
  else if (!isDNS1123Subdomain(name)) {
    issues.error(
      'metadata.name',
      `invalid name ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    );
  }
  let namespace = DEFAULT_NAMESPACE;
  if (meta.namespace !== undefined && meta.namespace !== null && meta.namespace !== '') {
    if (
      typeof meta.namespace !== 'string' ||
      !isDNS1123Label(meta.namespace) ||
      meta.namespace !== meta.namespace.toLowerCase()
    ) {
      issues.error(
        'metadata.namespace',
        `invalid namespace ${JSON.stringify(meta.namespace)}: must be a lowercase RFC 1123 label`,
      );
    } else {
      namespace = meta.namespace;
    }
  }
  const labels = stringMap(meta.labels, 'metadata.labels', issues, 'label');
  const annotations = stringMap(meta.annotations, 'metadata.annotations', issues, 'annotation');
  for (const [key, why] of FORBIDDEN_ANNOTATIONS) {
    if (key in annotations) issues.error(at('metadata.annotations', key), `${JSON.stringify(key)} ${why}`);
  }
  if ('istio.io/dry-run' in annotations) {
    issues.error(
      at('metadata.annotations', 'istio.io/dry-run'),
      `${namespace}/${name} has unsupported annotation istio.io/dry-run, please remove the annotation`,
    );
  }
  if (!kind || name === '') return undefined;
  return {
    apiVersion,
    kind,
    name,
    namespace,
    labels,
    annotations,
    resourceVersion: typeof meta.resourceVersion === 'string' ? meta.resourceVersion : undefined,
    creationTimestamp: typeof meta.creationTimestamp === 'string' ? meta.creationTimestamp : undefined,
    spec: obj.spec,
    hasSpec: obj.spec !== undefined && obj.spec !== null,
  };
}
