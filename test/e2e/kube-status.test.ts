/**
 * e2e: an invalid Istio object that reached the API server (the webhook is NOT registered here, so
 * it is stored) is reported back to its author in its own `status`, as issue 4 asks: meshplane
 * (`dist/main.js discovery --kubeconfig`) writes a `Valid=False` condition naming the field path,
 * flips it to `True` once a fixed version is applied, writes each state once (not per event), and
 * counts the rejection in `galley_validation_failed` on `/metrics`. Fails, never skips, when the
 * peers are missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll } from '../integration/support/fixtures.js';
import { waitFor, type MeshplaneProcess } from '../integration/support/harness.js';
import { ClusterSlot } from './support/kube-fixtures.js';
import { pickPorts, startMeshplaneOnKube, type MeshplanePorts } from './support/meshplane-kube.js';

const kube = new ClusterSlot();
let ports: MeshplanePorts;
let meshplane: MeshplaneProcess | undefined;

const c = kube.get;

const FAILED_SERIES =
  'galley_validation_failed{group="networking.istio.io",version="v1",resource="virtualservices",reason="invalid_resource"}';

/** A VirtualService whose URI regex is valid RE2 or not (the CRD schema accepts both). */
const vs = (name: string, regex: string): string =>
  JSON.stringify({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: 'default' },
    spec: {
      hosts: [`${name}.default.svc.cluster.local`],
      http: [
        {
          match: [{ uri: { regex } }],
          route: [{ destination: { host: `${name}.default.svc.cluster.local` } }],
        },
      ],
    },
  });

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

interface Stored {
  metadata: { generation: number };
  status?: { conditions?: Condition[]; observedGeneration?: number };
}

async function stored(name: string): Promise<Stored> {
  return JSON.parse(
    await c().kubectlOk(['get', 'virtualservice', name, '-n', 'default', '-o', 'json']),
  ) as Stored;
}

async function validCondition(name: string): Promise<Condition | undefined> {
  return (await stored(name)).status?.conditions?.find((x) => x.type === 'Valid');
}

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${ports.http}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** meshplane's log lines saying it wrote the status of `name`. */
const statusWrites = (name: string): number =>
  meshplane!.logs.filter((l) => l.msg === 'status condition written' && l['name'] === name).length;

beforeAll(async () => {
  if (!(await kube.start({ crds: true }))) return;
  ports = await pickPorts();
  // No ValidatingWebhookConfiguration: the API server stores what its CRD schema accepts.
  meshplane = await startMeshplaneOnKube(c(), ports);
}, 240_000);

afterAll(() => stopAll(meshplane, kube), 60_000);

describe('validation status written back to Kubernetes objects', () => {
  it('reports an invalid VirtualService in its status with the field path, and counts it', async () => {
    const before = sample(await scrape(), FAILED_SERIES);
    await c().kubectlOk(['apply', '-f', '-'], vs('reviews', '('));
    const condition = await waitFor(
      'the Valid=False condition',
      () => validCondition('reviews'),
      20_000,
      100,
    );
    expect(condition).toMatchObject({ type: 'Valid', status: 'False', reason: 'ValidationFailed' });
    expect(condition.message).toContain('spec.http[0].match[0].uri');
    expect(condition.message).toContain('missing closing )');
    expect(typeof condition.lastTransitionTime).toBe('string');
    const obj = await stored('reviews');
    expect(obj.status?.observedGeneration).toBe(obj.metadata.generation);
    expect(condition.observedGeneration).toBe(obj.metadata.generation);

    expect(sample(await scrape(), FAILED_SERIES)).toBe(before + 1);
    expect(
      meshplane!.errorLines().some((l) => l.includes('spec.http[0].match[0].uri') && l.includes('reviews')),
    ).toBe(true);
  });

  it('writes the failure once: its own status write does not trigger another one', async () => {
    await waitFor('the write to be logged', () => statusWrites('reviews') >= 1, 10_000, 50);
    // Our write comes back as a watch event; nothing changes, so nothing more is written or counted.
    await new Promise((r) => setTimeout(r, 1500));
    expect(statusWrites('reviews')).toBe(1);
    const text = await scrape();
    expect(sample(text, FAILED_SERIES)).toBe(1);
    expect(sample(text, 'pilot_k8s_cfg_events{type="VirtualService",event="add"}')).toBeGreaterThanOrEqual(1);
  });

  it('flips the condition to True once a fixed version is applied', async () => {
    const failed = (await validCondition('reviews'))!;
    await new Promise((r) => setTimeout(r, 1100)); // lastTransitionTime has second precision
    await c().kubectlOk(['apply', '-f', '-'], vs('reviews', '/api/v[0-9]+'));
    const fixed = await waitFor(
      'the Valid=True condition',
      async () => {
        const cond = await validCondition('reviews');
        return cond?.status === 'True' && cond;
      },
      20_000,
      100,
    );
    expect(fixed).toMatchObject({ type: 'Valid', status: 'True', reason: 'ValidationPassed' });
    expect(fixed.lastTransitionTime).not.toBe(failed.lastTransitionTime);
    const obj = await stored('reviews');
    expect(obj.metadata.generation).toBe(2);
    expect(fixed.observedGeneration).toBe(2);
    expect(obj.status?.observedGeneration).toBe(2);
    const text = await scrape();
    expect(
      sample(
        text,
        'galley_validation_passed{group="networking.istio.io",version="v1",resource="virtualservices"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'pilot_k8s_cfg_events{type="VirtualService",event="update"}')).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('leaves the status of valid objects alone', async () => {
    await c().kubectlOk(['apply', '-f', '-'], vs('ratings', '/ok'));
    await new Promise((r) => setTimeout(r, 1500));
    expect((await stored('ratings')).status?.conditions ?? []).toEqual([]);
    expect(statusWrites('ratings')).toBe(0);
  });
});
