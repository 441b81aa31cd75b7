/**
 * Builds the Istio CustomResourceDefinitions in `deploy/crds.yaml` from meshplane's own zod schemas
 * (`src/model/istio/`), so the API server's first line of defence and the validator describe the
 * same fields. Pure: `scripts/gen-crds.ts` writes the result; a unit test checks it is current.
 *
 * zod 4 exports JSON Schema (OpenAPI 3.0 flavour); Kubernetes wants a *structural* schema
 * (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema):
 * every node typed, no `$ref`, `additionalProperties` never `false` nor beside `properties`, and
 * no types inside `anyOf`. The post-processing below enforces that:
 * - `additionalProperties: false` (zod strict objects) is dropped: the API server already prunes
 *   or, with kubectl's strict field validation, rejects unknown fields of a structural schema;
 * - proto3 64-bit integers, which protojson accepts as a number or a decimal string (our
 *   `uint64` union), become `x-kubernetes-int-or-string`;
 * - anything else unsupported throws, so a new zod construct cannot silently weaken the CRD.
 *
 * Semantic rules (host syntax, RE2 regexes, port ranges...) are the admission webhook's job, with
 * the same validator; the CRD only adds the `required` fields Istio's own CRDs declare, each of
 * which our validator also rejects when missing, so the two layers never disagree on a verdict.
 */
import { z, type ZodType } from 'zod';
import { ISTIO_GROUP } from '../src/model/config.js';
import { VALIDATED_SPEC_SCHEMAS, type ValidatedKind } from '../src/model/istio/index.js';
import {
  ISTIO_CRD_VERSIONS,
  ISTIO_CRDS,
  ISTIO_STORAGE_VERSION,
} from '../src/galley/sources/kube-resources.js';

export type JsonSchema = { [key: string]: unknown };

const isObject = (v: unknown): v is JsonSchema => typeof v === 'object' && v !== null && !Array.isArray(v);

const ALLOWED_KEYS = new Set([
  'type',
  'properties',
  'additionalProperties',
  'items',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'pattern',
  'required',
  'description',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
]);

/** The zod `uint64` union: integer or decimal string. */
function isIntOrString(branches: unknown): boolean {
  if (!Array.isArray(branches) || branches.length !== 2) return false;
  const types = branches.map((b) => (isObject(b) ? b.type : undefined)).sort();
  return types[0] === 'integer' && types[1] === 'string';
}

/** Rewrites one zod JSON Schema node (recursively) into structural-schema form. */
export function toStructural(node: JsonSchema, path = ''): JsonSchema {
  if (node.anyOf !== undefined) {
    if (isIntOrString(node.anyOf)) return { 'x-kubernetes-int-or-string': true };
    throw new Error(`${path || '<root>'}: unsupported anyOf ${JSON.stringify(node.anyOf)}`);
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema') continue;
    if (key === 'additionalProperties' && value === false) continue;
    // ±Number.MAX_SAFE_INTEGER bounds come from zod's int(): not a rule of the API.
    if (key === 'maximum' && value === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'minimum' && value === -Number.MAX_SAFE_INTEGER) continue;
    if (!ALLOWED_KEYS.has(key)) throw new Error(`${path || '<root>'}: unsupported schema keyword ${key}`);
    if (key === 'properties' && isObject(value)) {
      const props: JsonSchema = {};
      for (const name of Object.keys(value).sort()) {
        props[name] = toStructural(value[name] as JsonSchema, `${path}.${name}`);
      }
      out.properties = props;
    } else if ((key === 'items' || key === 'additionalProperties') && isObject(value)) {
      out[key] = toStructural(value, `${path}[]`);
    } else out[key] = value;
  }
  if (out.type === undefined && out['x-kubernetes-int-or-string'] === undefined) {
    throw new Error(`${path || '<root>'}: untyped schema node`);
  }
  if (out.properties !== undefined && out.additionalProperties !== undefined) {
    throw new Error(`${path}: properties and additionalProperties together are not structural`);
  }
  return out;
}

/** The OpenAPI v3 schema of one kind's `spec`, from its zod schema. */
export function specSchemaOf(schema: ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    cycles: 'throw',
  });
  return toStructural(json as JsonSchema);
}

interface KindExtras {
  readonly description: string;
  /** Top-level required fields (Istio's CRDs require `spec` on these kinds). */
  readonly required?: readonly string[];
  /** Required fields of `spec`, as in Istio's CRDs. */
  readonly specRequired?: readonly string[];
  readonly columns?: ReadonlyArray<{ name: string; type: string; jsonPath: string; description: string }>;
}

const AGE = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the object was created.',
};

const EXTRAS: Readonly<Record<ValidatedKind, KindExtras>> = {
  DestinationRule: {
    description: 'Policies applied to traffic for a service after routing has occurred.',
    specRequired: ['host'],
    columns: [
      { name: 'Host', type: 'string', jsonPath: '.spec.host', description: 'The name of a service.' },
      AGE,
    ],
  },
  Gateway: { description: 'A load balancer at the edge of the mesh.', columns: [AGE] },
  ServiceEntry: {
    description: "Entries added to the mesh's internal service registry.",
    required: ['spec'],
    specRequired: ['hosts'],
    columns: [
      { name: 'Hosts', type: 'string', jsonPath: '.spec.hosts', description: 'The hosts of the entry.' },
      {
        name: 'Location',
        type: 'string',
        jsonPath: '.spec.location',
        description: 'Inside or outside the mesh.',
      },
      {
        name: 'Resolution',
        type: 'string',
        jsonPath: '.spec.resolution',
        description: 'Endpoint discovery.',
      },
      AGE,
    ],
  },
  Sidecar: { description: 'The configuration of sidecar proxies and their reach.', columns: [AGE] },
  VirtualService: {
    description: 'Traffic routing rules for a set of hosts.',
    columns: [
      { name: 'Gateways', type: 'string', jsonPath: '.spec.gateways', description: 'Where the rules apply.' },
      { name: 'Hosts', type: 'string', jsonPath: '.spec.hosts', description: 'The destination hosts.' },
      AGE,
    ],
  },
  WorkloadEntry: {
    description: 'A non-Kubernetes workload (VM, bare metal) in the mesh.',
    required: ['spec'],
    columns: [
      {
        name: 'Address',
        type: 'string',
        jsonPath: '.spec.address',
        description: 'The address of the workload.',
      },
      AGE,
    ],
  },
  WorkloadGroup: {
    description: 'A template for WorkloadEntries of auto-registered workloads (validated, not served).',
    required: ['spec'],
    specRequired: ['template'],
    columns: [AGE],
  },
};

/** One CustomResourceDefinition per Istio kind, sorted by name. */
export function buildCrds(): JsonSchema[] {
  return ISTIO_CRDS.map((names) => {
    const extras = EXTRAS[names.kind];
    const spec = specSchemaOf(VALIDATED_SPEC_SCHEMAS[names.kind]);
    if (extras.specRequired) spec.required = [...extras.specRequired];
    const openAPIV3Schema: JsonSchema = {
      type: 'object',
      description: extras.description,
      properties: {
        spec,
        // Written by meshplane's status reporter (validation conditions); its shape is free-form.
        status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
      ...(extras.required ? { required: [...extras.required] } : {}),
    };
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: `${names.plural}.${ISTIO_GROUP}`,
        labels: { 'app.kubernetes.io/part-of': 'meshplane' },
      },
      spec: {
        group: ISTIO_GROUP,
        names: {
          kind: names.kind,
          listKind: `${names.kind}List`,
          plural: names.plural,
          singular: names.singular,
          ...(names.shortNames.length > 0 ? { shortNames: [...names.shortNames] } : {}),
          categories: ['istio-io', 'networking-istio-io'],
        },
        scope: 'Namespaced',
        versions: ISTIO_CRD_VERSIONS.map((version) => ({
          name: version,
          served: true,
          storage: version === ISTIO_STORAGE_VERSION,
          schema: { openAPIV3Schema },
          subresources: { status: {} },
          ...(extras.columns ? { additionalPrinterColumns: extras.columns.map((c) => ({ ...c })) } : {}),
        })),
      },
    };
  });
}
