/**
 * deploy/ stays consistent with the code: crds.yaml is what scripts/gen-crds.ts generates from the
 * zod schemas, the RBAC and the webhook cover exactly the resources meshplane reads, and the
 * Deployment/Service expose istiod's ports and probes. (The e2e suite installs them for real.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { renderCrdsYaml } from '../../../scripts/crds-yaml.js';
import { buildCrds, specSchemaOf, toStructural } from '../../../scripts/crds.js';
import { CORE_RESOURCES, ISTIO_CRDS } from '../../../src/galley/sources/kube-resources.js';
import { validateObject } from '../../../src/galley/validation/validate.js';
import { ISTIO_KINDS } from '../../../src/model/config.js';

const deploy = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../deploy');
type Obj = Record<string, any>;
const load = (file: string): Obj[] =>
  parseAllDocuments(readFileSync(path.join(deploy, file), 'utf8'))
    .map((d) => d.toJS() as Obj | null)
    .filter((d): d is Obj => d !== null);
const manifests = load('meshplane.yaml');
const byKind = (kind: string): Obj => manifests.find((m) => m.kind === kind)!;

describe('deploy/crds.yaml', () => {
  it('is up to date with scripts/gen-crds.ts (regenerate: npx tsx scripts/gen-crds.ts)', () => {
    expect(readFileSync(path.join(deploy, 'crds.yaml'), 'utf8')).toBe(renderCrdsYaml());
  });

  it('has a CRD for every served kind, plus WorkloadGroup (validated only)', () => {
    const kinds = buildCrds().map((c) => (c.spec as Obj).names.kind);
    expect(kinds.sort()).toEqual([...ISTIO_KINDS, 'WorkloadGroup'].sort());
  });

  it('uses only structural-schema keywords (no anyOf, no additionalProperties: false)', () => {
    const text = JSON.stringify(buildCrds());
    expect(text).not.toContain('anyOf');
    expect(text).not.toContain('"additionalProperties":false');
    expect(text).not.toContain('$ref');
  });

  it('maps the uint64 union to int-or-string and keeps numeric bounds', () => {
    const s = specSchemaOf(
      z.strictObject({
        a: z.union([z.number().int().min(0), z.string().regex(/^\d+$/)]),
        b: z.number().int().max(9).optional(),
      }),
    );
    expect(s).toEqual({
      type: 'object',
      properties: { a: { 'x-kubernetes-int-or-string': true }, b: { type: 'integer', maximum: 9 } },
      required: ['a'],
    });
  });

  it('refuses schema constructs it cannot express structurally', () => {
    expect(() => toStructural({ anyOf: [{ type: 'object' }, { type: 'string' }] })).toThrow(/unsupported anyOf/);
    expect(() => toStructural({ type: 'object', properties: { x: { not: {} } } })).toThrow(/x: unsupported/);
    expect(() => toStructural({ properties: {} })).toThrow(/untyped/);
  });
});

describe('deploy/meshplane.yaml', () => {
  it('grants list/watch on exactly the resources meshplane reads, and no writes but status', () => {
    const rules = byKind('ClusterRole').rules as Obj[];
    const read = rules.filter((r) => r.verbs.includes('watch') && !r.resourceNames);
    const readable = read.flatMap((r) => r.resources.map((res: string) => `${r.apiGroups[0]}/${res}`)).sort();
    const expected = [
      ...ISTIO_CRDS.filter((c) => c.served).map((c) => `networking.istio.io/${c.plural}`),
      ...Object.values(CORE_RESOURCES).map((c) => {
        const group = c.apiVersion.includes('/') ? c.apiVersion.split('/')[0] : '';
        return `${group}/${c.path.split('/').pop()}`;
      }),
    ].sort();
    expect(readable).toEqual(expected);
    for (const r of rules) {
      const writes = r.verbs.filter((v: string) => !['get', 'list', 'watch'].includes(v));
      if (writes.length === 0) continue;
      const scoped = r.resourceNames !== undefined || r.resources.every((res: string) => res.endsWith('/status'));
      expect(scoped, JSON.stringify(r)).toBe(true);
    }
  });

  it('lets meshplane get its two CA Secrets by name and create Secrets, in its namespace only', () => {
    const role = byKind('Role');
    expect(role.metadata).toMatchObject({ name: 'meshplane-ca', namespace: 'meshplane-system' });
    const rules = role.rules as Obj[];
    for (const r of rules) expect(r.resources).toEqual(['secrets']);
    const get = rules.find((r) => r.verbs.includes('get'))!;
    expect(get.verbs).toEqual(['get']);
    expect(get.resourceNames.sort()).toEqual(['meshplane-ca', 'meshplane-webhook-ca']);
    // create cannot be limited by resourceNames (the object does not exist yet when authorized).
    const create = rules.find((r) => r.verbs.includes('create'))!;
    expect(create.verbs).toEqual(['create']);
    expect(rules.flatMap((r) => r.verbs).sort()).toEqual(['create', 'get']);
    const binding = byKind('RoleBinding');
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'meshplane-ca' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'meshplane', namespace: 'meshplane-system' }]);
    const args = byKind('Deployment').spec.template.spec.containers[0].args as string[];
    expect(args).toContain('--ca-secret-namespace=$(POD_NAMESPACE)');
    // An explicit --ca-dir would take precedence over the shared Secret.
    expect(args.some((a) => a.startsWith('--ca-dir'))).toBe(false);
  });

  it("exposes istiod's ports and probes /ready and /healthz on 15014", () => {
    const ports = (byKind('Service').spec.ports as Obj[]).map((p) => p.port);
    expect(ports).toEqual([15010, 15012, 15014, 15017]);
    const container = byKind('Deployment').spec.template.spec.containers[0] as Obj;
    const named = Object.fromEntries((container.ports as Obj[]).map((p) => [p.name, p.containerPort]));
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(named[container.readinessProbe.httpGet.port]).toBe(15014);
    expect(named[container.livenessProbe.httpGet.port]).toBe(15014);
  });
});

describe('deploy/webhook.yaml', () => {
  it('sends every Istio kind to the meshplane Service, failing open until meshplane patches it', () => {
    const [cfg] = load('webhook.yaml');
    const hook = cfg!.webhooks[0] as Obj;
    expect(hook.rules[0].resources.sort()).toEqual(ISTIO_CRDS.map((c) => c.plural).sort());
    expect(hook.clientConfig.service).toMatchObject({ name: 'meshplane', namespace: 'meshplane-system', port: 15017 });
    expect(hook.failurePolicy).toBe('Ignore');
    expect(hook.admissionReviewVersions).toEqual(['v1']);
  });
});

describe('deploy/examples/helloworld.yaml', () => {
  it('is valid Istio config', () => {
    const docs = load('examples/helloworld.yaml').filter((d) => d.apiVersion.startsWith('networking.istio.io/'));
    expect(docs).toHaveLength(2);
    for (const d of docs) {
      const r = validateObject(d, 'helloworld.yaml');
      expect(r.ok ? [] : r.errors).toEqual([]);
    }
  });
});
