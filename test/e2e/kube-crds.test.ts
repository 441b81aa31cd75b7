/**
 * e2e: meshplane's deploy/ manifests on a real kube-apiserver + etcd (built by
 * test/e2e/peers/build-kube.sh, started on loopback). The CRDs must be accepted as structural
 * schemas, serve all three versions, and accept every document of Istio's corpus that istiod
 * accepts; the CRD layer rejects only what Istio's CRDs reject by `required` fields (the rest is
 * the webhook's job). Fails, never skips, when the peers or the corpus are missing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ISTIO_CRDS } from '../../src/galley/sources/kube-resources.js';
import { corpusNamespaces, loadCorpus, type CorpusDocument } from './support/istio-corpus.js';
import { ClusterSlot, mapLimit } from './support/kube-fixtures.js';
import { REPO_ROOT } from './support/kube-peers.js';

const DEPLOY = path.join(REPO_ROOT, 'deploy');
const SA = 'system:serviceaccount:meshplane-system:meshplane';

/**
 * Invalid corpus documents that Istio's own CRDs reject by schema (README note 4): a missing
 * `spec` on ServiceEntry/WorkloadEntry/WorkloadGroup, DestinationRule without `host`,
 * ServiceEntry without `hosts`, WorkloadGroup without `template`. Everything else invalid is
 * rejected by the webhook only.
 */
const CRD_REJECTS = [
  'galley/testdatasets/validation/dataset/networking-v1alpha3-DestinationRule-invalid.yaml#0',
  'galley/testdatasets/validation/dataset/networking-v1alpha3-ServiceEntry-invalid.yaml#0',
  'galley/testdatasets/validation/dataset/networking-v1alpha3-WorkloadGroup-invalid.yaml#0',
  'galley/testdatasets/validation/dataset/networking-v1beta-DestinationRule-invalid.yaml#0',
  'pkg/config/validation/testdata/crds/serviceentry-invalid.yaml#0',
  'pkg/config/validation/testdata/crds/serviceentry-invalid.yaml#1',
  'pkg/config/validation/testdata/crds/workloadentry-invalid.yaml#0',
  'pkg/config/validation/testdata/crds/workloadgroup-invalid.yaml#0',
];

describe('Istio CRDs and deploy/ on a real kube-apiserver', () => {
  const kube = new ClusterSlot();
  const corpus: CorpusDocument[] = loadCorpus();
  /** Every test fails (none is skipped) with the start error when the peers are missing. */
  const c = kube.get;

  beforeAll(async () => {
    await kube.start();
  }, 240_000);

  afterAll(async () => {
    await kube.stop();
  }, 60_000);

  it('installs crds.yaml and meshplane.yaml; webhook.yaml passes a server-side dry run', async () => {
    await c().kubectlOk(['apply', '-f', path.join(DEPLOY, 'crds.yaml')]);
    await c().kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    const out = await c().kubectlOk(['apply', '-f', path.join(DEPLOY, 'meshplane.yaml')]);
    expect(out).toContain('deployment.apps/meshplane created');
    // Created for real, the service-based webhook would make the API server dial a ClusterIP.
    await c().kubectlOk(['apply', '--dry-run=server', '-f', path.join(DEPLOY, 'webhook.yaml')]);
  });

  it('serves every kind under v1 (storage), v1beta1 and v1alpha3 with a structural schema', async () => {
    for (const crd of ISTIO_CRDS) {
      const obj = JSON.parse(
        await c().kubectlOk(['get', 'crd', `${crd.plural}.networking.istio.io`, '-o', 'json']),
      ) as {
        spec: { versions: Array<{ name: string; served: boolean; storage: boolean }> };
        status: { conditions: Array<{ type: string; status: string }> };
      };
      expect(obj.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
        ['v1', true, true],
        ['v1beta1', true, false],
        ['v1alpha3', true, false],
      ]);
      const conditions = Object.fromEntries(obj.status.conditions.map((c) => [c.type, c.status]));
      expect(conditions).toMatchObject({ Established: 'True', NamesAccepted: 'True' });
      // The API server reports a non-structural schema as this condition.
      expect(conditions.NonStructuralSchema).toBeUndefined();
    }
    const names = await c().kubectlOk(['api-resources', '--api-group=networking.istio.io', '-o', 'name']);
    expect(names.trim().split('\n').sort()).toEqual(
      ISTIO_CRDS.map((c) => `${c.plural}.networking.istio.io`).sort(),
    );
  });

  it("grants meshplane's ServiceAccount read, status writes and its own webhook only", async () => {
    const can = async (...args: string[]): Promise<string> =>
      (await c().kubectl(['auth', 'can-i', `--as=${SA}`, ...args])).stdout.trim();
    expect(await can('watch', 'virtualservices.networking.istio.io', '-A')).toBe('yes');
    expect(await can('list', 'endpointslices.discovery.k8s.io', '-A')).toBe('yes');
    expect(await can('watch', 'pods', '-A')).toBe('yes');
    expect(
      await can('patch', 'virtualservices.networking.istio.io', '--subresource=status', '-n', 'default'),
    ).toBe('yes');
    expect(await can('patch', 'validatingwebhookconfigurations/meshplane-validator')).toBe('yes');
    expect(await can('create', 'virtualservices.networking.istio.io', '-n', 'default')).toBe('no');
    expect(await can('update', 'virtualservices.networking.istio.io', '-n', 'default')).toBe('no');
    expect(await can('get', 'secrets', '-A')).toBe('no');
    expect(await can('patch', 'validatingwebhookconfigurations/other')).toBe('no');
    expect(await can('create', 'pods', '-n', 'default')).toBe('no');
  });

  it("accepts every document istiod accepts and rejects by schema only what Istio's CRDs reject", async () => {
    for (const ns of corpusNamespaces(corpus)) {
      if (ns !== 'default') await c().kubectlOk(['create', 'namespace', ns]);
    }
    const results = await mapLimit(corpus, 4, async (doc) => {
      const r = await c().kubectl(
        ['create', '--dry-run=server', '--validate=strict', '-o', 'name', '-f', '-'],
        JSON.stringify(doc.object),
      );
      return { doc, accepted: r.code === 0, message: r.stderr.trim() };
    });
    const wronglyRejected = results
      .filter((r) => r.doc.valid && !r.accepted)
      .map((r) => `${r.doc.id}: ${r.message}`);
    expect(wronglyRejected).toEqual([]);
    const rejected = results.filter((r) => !r.accepted).map((r) => r.doc.id);
    expect(rejected.sort()).toEqual([...CRD_REJECTS].sort());
    for (const r of results) {
      // Where the corpus states the CRD-layer error of a schema rejection, the API server says it.
      if (!r.accepted && r.doc.statedError?.endsWith('Required value'))
        expect(r.message).toContain(r.doc.statedError);
    }
    expect(results.filter((r) => r.doc.valid)).toHaveLength(50);
  }, 180_000);

  it('rejects unknown fields and wrong types at the CRD layer', async () => {
    const vs = (spec: unknown): string =>
      JSON.stringify({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'bad', namespace: 'default' },
        spec,
      });
    const unknown = await c().kubectl(
      ['create', '--dry-run=server', '-f', '-'],
      vs({ hosts: ['a'], bogus: 1 }),
    );
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('bogus');
    const wrongType = await c().kubectl(['create', '--dry-run=server', '-f', '-'], vs({ hosts: 'a' }));
    expect(wrongType.code).not.toBe(0);
    expect(wrongType.stderr).toContain('spec.hosts');
  });

  it('stores the example config and serves it under every version, across an API server restart', async () => {
    await c().kubectlOk(['apply', '-f', path.join(DEPLOY, 'examples/helloworld.yaml')]);
    const expected = parseAllDocuments(readFileSync(path.join(DEPLOY, 'examples/helloworld.yaml'), 'utf8'))
      .map((d) => d.toJS() as { kind: string; spec: unknown })
      .find((d) => d.kind === 'VirtualService')!;
    await c().restartApiServer();
    for (const version of ['v1', 'v1beta1', 'v1alpha3']) {
      const got = JSON.parse(
        await c().kubectlOk([
          'get',
          `virtualservices.${version}.networking.istio.io`,
          'helloworld',
          '-o',
          'json',
        ]),
      ) as { apiVersion: string; spec: unknown };
      expect(got.apiVersion).toBe(`networking.istio.io/${version}`);
      expect(got.spec).toEqual(expected.spec);
    }
  }, 180_000);
});
