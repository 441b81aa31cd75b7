/**
 * Issue 8 around the code: the CLI flags of replica-aware status and the RBAC deploy/ grants
 * for them (report ConfigMaps, leader Lease, in meshplane's namespace only).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseArgs } from '../../../../src/options.js';

type Obj = Record<string, any>;
const deploy = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../deploy');
const manifests = parseAllDocuments(readFileSync(path.join(deploy, 'meshplane.yaml'), 'utf8'))
  .map((d) => d.toJS() as Obj | null)
  .filter((d): d is Obj => d !== null);

describe('replica status flags', () => {
  it('defaults: no replica id (main.ts fills in the pod name), meshplane-system, 45 s TTL, 15 s lease', () => {
    const r = parseArgs(['discovery']);
    expect(r.ok && r.options).toMatchObject({
      statusNamespace: 'meshplane-system',
      statusReportTtlMs: 45_000,
      leaderLeaseDurationMs: 15_000,
    });
    expect(r.ok && r.options.command === 'discovery' && r.options.replicaId).toBeUndefined();
  });

  it('parses durations and names', () => {
    const r = parseArgs([
      'discovery',
      '--replica-id',
      'meshplane-7d9f-abc',
      '--status-namespace=istio-system',
      '--status-report-ttl',
      '6s',
      '--leader-lease-duration',
      '4s',
    ]);
    expect(r.ok && r.options).toMatchObject({
      replicaId: 'meshplane-7d9f-abc',
      statusNamespace: 'istio-system',
      statusReportTtlMs: 6000,
      leaderLeaseDurationMs: 4000,
    });
  });

  it('refuses a replica id that cannot name a ConfigMap, and the flags on other commands', () => {
    expect(parseArgs(['discovery', '--replica-id', 'Bad_Id']).ok).toBe(false);
    expect(parseArgs(['discovery', '--status-report-ttl', 'soon']).ok).toBe(false);
    // A Pilot apart publishes its own report (split topology); validate has no replica.
    expect(parseArgs(['pilot', '--mcp-server', '127.0.0.1:9901', '--replica-id', 'a']).ok).toBe(true);
    expect(parseArgs(['validate', '-f', 'x.yaml', '--replica-id', 'a']).ok).toBe(false);
  });
});

describe('deploy/meshplane.yaml: RBAC of replica-aware status', () => {
  it('a Role in meshplane-system for report ConfigMaps and the leader Lease, bound to meshplane', () => {
    const role = manifests.find((m) => m.kind === 'Role' && m.metadata.name === 'meshplane-status')!;
    expect(role.metadata.namespace).toBe('meshplane-system');
    const rules = role.rules as Obj[];
    const cms = rules.find((r) => r.resources.includes('configmaps'))!;
    expect(cms.apiGroups).toEqual(['']);
    expect([...cms.verbs].sort()).toEqual(['create', 'delete', 'get', 'list', 'update', 'watch']);
    const leases = rules.find((r) => r.resources.includes('leases'))!;
    expect(leases.apiGroups).toEqual(['coordination.k8s.io']);
    expect([...leases.verbs].sort()).toEqual(['create', 'get', 'update']);
    const binding = manifests.find(
      (m) => m.kind === 'RoleBinding' && m.metadata.name === 'meshplane-status',
    )!;
    expect(binding.metadata.namespace).toBe('meshplane-system');
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'meshplane-status' });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'meshplane', namespace: 'meshplane-system' },
    ]);
  });

  it('the Deployment gives each replica its pod name and namespace', () => {
    const container = manifests.find((m) => m.kind === 'Deployment')!.spec.template.spec.containers[0] as Obj;
    expect(container.args).toContain('--status-namespace=$(POD_NAMESPACE)');
    const env = container.env as Obj[];
    expect(env.find((e) => e.name === 'POD_NAME')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.name' },
    });
  });
});
