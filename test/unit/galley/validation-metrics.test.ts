/**
 * Which verdicts the config directory and the webhook count in galley_validation_passed/_failed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../../src/galley/config-store.js';
import { DirectorySource } from '../../../src/galley/sources/directory-source.js';
import { documentResource, readFileResources } from '../../../src/galley/sources/file-resources.js';
import { wasValidated } from '../../../src/galley/webhook/admission.js';
import { silentLogger } from '../../../src/util/log.js';
import type {
  ResourceLabels,
  ValidationFailureReason,
  ValidationMetrics,
} from '../../../src/util/metrics.js';

const GOOD = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: good, namespace: default }
spec: { hosts: [a], http: [{ route: [{ destination: { host: a } }] }] }
`;
const BAD = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: bad, namespace: default }
spec: { host: '' }
`;
const UNKNOWN = `apiVersion: example.com/v1
kind: Widget
metadata: { name: w }
`;

class Recorder implements ValidationMetrics {
  readonly seen: string[] = [];
  validationPassed(r: ResourceLabels): void {
    this.seen.push(`passed ${r.group}/${r.version}/${r.resource}`);
  }
  validationFailed(r: ResourceLabels, reason: ValidationFailureReason): void {
    this.seen.push(`failed ${r.group}/${r.version}/${r.resource} ${reason}`);
  }
}

describe('readFileResources verdicts', () => {
  it('gives one verdict per document, with its group, version, plural and reason', () => {
    const r = readFileResources([GOOD, BAD, UNKNOWN].join('---\n'), 'f.yaml', new Map());
    expect(r.verdicts).toEqual([
      { resource: { group: 'networking.istio.io', version: 'v1beta1', resource: 'virtualservices' } },
      {
        resource: { group: 'networking.istio.io', version: 'v1', resource: 'destinationrules' },
        failure: 'invalid_resource',
      },
      { resource: { group: 'example.com', version: 'v1', resource: 'widget' }, failure: 'unknown_type' },
    ]);
    expect(readFileResources('a: [', 'f.yaml', new Map()).verdicts).toEqual([]);
    expect(documentResource(null)).toEqual({ group: '', version: '', resource: '' });
  });
});

describe('DirectorySource metrics', () => {
  it('counts each changed file once, and a YAML syntax error as yaml_decode_error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mp-metrics-'));
    try {
      writeFileSync(path.join(dir, 'a.yaml'), `${GOOD}---\n${BAD}`);
      writeFileSync(path.join(dir, 'b.yaml'), 'a: [');
      const metrics = new Recorder();
      const source = new DirectorySource({
        dir,
        store: new ConfigStore(silentLogger()),
        logger: silentLogger(),
        watch: false,
        metrics,
      });
      await source.start();
      await source.resync();
      expect(metrics.seen.sort()).toEqual([
        'failed // yaml_decode_error',
        'failed networking.istio.io/v1/destinationrules invalid_resource',
        'passed networking.istio.io/v1beta1/virtualservices',
      ]);
      source.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('wasValidated', () => {
  const review = (request: Record<string, unknown>): unknown => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'u', ...request },
  });
  it('is true only for CREATE/UPDATE of a validated Istio kind', () => {
    const kind = { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' };
    expect(wasValidated(review({ operation: 'CREATE', kind }))).toBe(true);
    expect(wasValidated(review({ operation: 'UPDATE', kind }))).toBe(true);
    expect(wasValidated(review({ operation: 'DELETE', kind }))).toBe(false);
    expect(wasValidated(review({ operation: 'CREATE', kind: { group: 'apps', kind: 'Deployment' } }))).toBe(
      false,
    );
    expect(wasValidated(review({ operation: 'CREATE', kind: { ...kind, kind: 'Widget' } }))).toBe(false);
    expect(wasValidated(null)).toBe(false);
  });
});
