/**
 * Bad input of every kind in the config directory is rejected with a log line naming the file,
 * the resource and the field path, while a real grpc-js-xds client keeps following the last good
 * config; fixing the files recovers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigDir, routeAllTo, stopAll, twoVersionService, virtualService } from './support/fixtures.js';
import { MeshplaneProcess, waitFor, XdsClientProcess } from './support/harness.js';

const HOST = 'hello.default.svc.cluster.local';
const TARGET = `xds:///${HOST}:50051`;
let cfg: ConfigDir;
let meshplane: MeshplaneProcess;
let client: XdsClientProcess;
const vs = (name: string, host: string, http: string): string => virtualService({ name, host, http });
const toSubset = (s: string): string => routeAllTo(HOST, s);

async function onlyOn(version: string): Promise<void> {
  await waitFor(`all traffic on ${version}`, async () => {
    const c = await client.call(TARGET, 20);
    return Object.keys(c).length > 0 && Object.keys(c).every((k) => k.startsWith(version));
  });
}

function logsMention(...parts: string[]): boolean {
  return meshplane.logs.some((l) => {
    const text = JSON.stringify(l);
    return l.level >= 40 && parts.every((p) => text.includes(p));
  });
}

beforeAll(async () => {
  cfg = ConfigDir.create('bad');
  await cfg.startBackends(['v1', 'v2']);
  cfg.write('se.yaml', twoVersionService({ name: 'hello', host: HOST, backends: cfg.ports }));
  cfg.write('vs.yaml', vs('hello', HOST, toSubset('v2')));
  meshplane = await MeshplaneProcess.start(cfg.dir);
  client = await XdsClientProcess.start(meshplane.xdsPort);
  await onlyOn('v2');
}, 60_000);

afterAll(() => stopAll(client, meshplane, cfg));

describe('bad input in the config directory', () => {
  it('rejects several bad files at once, naming file, resource and field, and keeps the last good config', async () => {
    cfg.write(
      'syntax.yaml',
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: [unclosed\n',
    );
    cfg.write(
      'unknown-kind.yaml',
      'apiVersion: networking.istio.io/v1\nkind: Frobnicator\nmetadata: { name: x }\nspec: {}\n',
    );
    // The live VirtualService loses its destination host: rejected, its last good version stays.
    cfg.write('vs.yaml', vs('hello', HOST, '    - route:\n        - destination: { subset: v1 }'));
    cfg.write(
      'subset-no-name.yaml',
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: nameless, namespace: default }
spec:
  host: other.default.svc.cluster.local
  subsets:
    - labels: { version: v1 }
`,
    );
    cfg.write(
      'dup-subset.yaml',
      `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: dup, namespace: default }
spec:
  host: other.default.svc.cluster.local
  subsets:
    - { name: a, labels: { version: v1 } }
    - { name: a, labels: { version: v2 } }
`,
    );
    cfg.write(
      'bad-regex.yaml',
      vs(
        'regex',
        'other.default.svc.cluster.local',
        `    - match:
        - uri: { regex: "^(?!/admin).*" }
      route:
        - destination: { host: other.default.svc.cluster.local }`,
      ),
    );
    await waitFor('every bad file reported', () =>
      [
        logsMention('syntax.yaml'),
        logsMention('unknown-kind.yaml', 'Frobnicator'),
        logsMention('vs.yaml', 'default/hello', 'spec.http[0].route[0].destination.host'),
        logsMention('subset-no-name.yaml', 'default/nameless', 'spec.subsets[0].name'),
        logsMention('dup-subset.yaml', 'default/dup', 'spec.subsets[1].name'),
        logsMention('bad-regex.yaml', 'default/regex', 'RE2'),
      ].every(Boolean),
    );
    // Traffic still follows the last good VirtualService, and the process is up.
    const counts = await client.call(TARGET, 100);
    expect(counts).toEqual({ v2: 100 });
    expect(meshplane.child.exitCode).toBeNull();
    const health = await fetch(`http://127.0.0.1:${meshplane.httpPort}/healthz`);
    expect(health.status).toBe(200);
  });

  it('recovers when the files are fixed', async () => {
    for (const f of [
      'syntax.yaml',
      'unknown-kind.yaml',
      'subset-no-name.yaml',
      'dup-subset.yaml',
      'bad-regex.yaml',
    ]) {
      cfg.remove(f);
    }
    cfg.write('vs.yaml', vs('hello', HOST, toSubset('v1')));
    await onlyOn('v1');
    const configz = (await (await fetch(`http://127.0.0.1:${meshplane.httpPort}/debug/configz`)).json()) as {
      rejected: unknown[];
    };
    await waitFor('no rejected config left', async () => {
      const c = (await (await fetch(`http://127.0.0.1:${meshplane.httpPort}/debug/configz`)).json()) as {
        rejected: unknown[];
      };
      return c.rejected.length === 0;
    });
    expect(Array.isArray(configz.rejected)).toBe(true);
  });

  it('warns about a route to an undefined subset without crashing', async () => {
    cfg.write('vs.yaml', vs('hello', HOST, toSubset('v3')));
    await waitFor('undefined subset warning', () => logsMention('v3', 'subset'));
    expect(meshplane.child.exitCode).toBeNull();
    cfg.write('vs.yaml', vs('hello', HOST, toSubset('v2')));
    await onlyOn('v2');
  });
});
