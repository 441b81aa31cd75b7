import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigStore } from '../../../src/galley/config-store.js';
import { DirectorySource } from '../../../src/galley/sources/directory-source.js';
import type { ConfigEvent } from '../../../src/model/config-store.js';

function capture(): { logger: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out.push(String(chunk));
      cb();
    },
  });
  const logger = pino({ level: 'info' }, stream);
  return {
    logger,
    lines: () =>
      out
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const se = (name: string, host: string, port = 80) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
  namespace: default
spec:
  hosts: [${host}]
  ports:
    - number: ${port}
      name: http
      protocol: HTTP
  resolution: DNS
`;

const dr = (name: string, host: string) => `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: default
spec:
  host: ${host}
`;

/** A ServiceEntry that validation rejects (no hosts) but whose identity is readable. */
const badSe = (name: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${name}
  namespace: default
spec:
  ports:
    - number: 80
      name: http
      protocol: HTTP
  resolution: DNS
`;

const docs = (...d: string[]) => d.join('---\n');

let dir: string;
let source: DirectorySource | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshplane-dir-'));
});
afterEach(async () => {
  source?.stop();
  source = undefined;
  await rm(dir, { recursive: true, force: true });
});

function names(store: ConfigStore, kind: 'ServiceEntry' | 'DestinationRule' = 'ServiceEntry'): string[] {
  return store.list(kind).map((c) => c.meta.name);
}

function port(store: ConfigStore, name: string): unknown {
  const spec = store.get('ServiceEntry', 'default', name)?.spec as
    { ports: Array<{ number: number }> } | undefined;
  return spec?.ports[0]?.number;
}

async function open(watch = false) {
  const store = new ConfigStore();
  const log = capture();
  source = new DirectorySource({ dir, store, logger: log.logger, watch, debounceMs: 20 });
  await source.start();
  return { store, log, src: source };
}

describe('DirectorySource', () => {
  it('loads every yaml/yml file recursively, multi-document, skipping other and hidden files', async () => {
    await writeFile(join(dir, 'a.yaml'), docs(se('a', 'a.example.com'), dr('a', 'a.example.com')));
    await mkdir(join(dir, 'sub', 'deeper'), { recursive: true });
    await writeFile(join(dir, 'sub', 'deeper', 'b.yml'), se('b', 'b.example.com'));
    await writeFile(join(dir, 'notes.txt'), se('c', 'c.example.com'));
    await writeFile(join(dir, '.hidden.yaml'), se('d', 'd.example.com'));
    await writeFile(join(dir, 'empty.yaml'), '# nothing\n---\n');
    const { store, src } = await open();
    expect(names(store)).toEqual(['a', 'b']);
    expect(names(store, 'DestinationRule')).toEqual(['a']);
    expect(store.get('ServiceEntry', 'default', 'b')?.meta.source).toBe(join(dir, 'sub', 'deeper', 'b.yml'));
    expect(store.get('ServiceEntry', 'default', 'a')?.meta.resourceVersion).toMatch(/\S/);
    expect(src.errors()).toEqual([]);
  });

  it('rejects when the directory cannot be read', async () => {
    const store = new ConfigStore();
    const s = new DirectorySource({
      dir: join(dir, 'missing'),
      store,
      logger: capture().logger,
      watch: false,
    });
    await expect(s.start()).rejects.toThrow(/ENOENT/);
  });

  it('a rejected resource keeps its last good version and is logged with file, name and path', async () => {
    const file = join(dir, 'mesh.yaml');
    await writeFile(file, docs(se('a', 'a.example.com', 80), se('b', 'b.example.com', 80)));
    const { store, log, src } = await open();
    await writeFile(file, docs(badSe('a'), se('b', 'b.example.com', 81)));
    await src.resync();
    // b updated, a kept as it was
    expect(port(store, 'b')).toBe(81);
    expect(port(store, 'a')).toBe(80);
    expect((store.get('ServiceEntry', 'default', 'a')?.spec as { hosts: string[] }).hosts).toEqual([
      'a.example.com',
    ]);
    const errs = src.errors();
    expect(errs.length).toBeGreaterThan(0);
    expect(errs.every((e) => e.source === file && e.ref?.name === 'a' && e.ref.kind === 'ServiceEntry')).toBe(
      true,
    );
    const line = log.lines().find((l) => l.level === 50);
    expect(line).toBeDefined();
    expect(String(line!.msg)).toContain(file);
    expect(String(line!.msg)).toContain('ServiceEntry default/a');
    expect(String(line!.msg)).toMatch(/spec\.hosts/);
    // fixed: served again, errors cleared
    await writeFile(file, docs(se('a', 'a.example.com', 82), se('b', 'b.example.com', 81)));
    await src.resync();
    expect(port(store, 'a')).toBe(82);
    expect(src.errors()).toEqual([]);
  });

  it('a rejected resource never seen good is not served', async () => {
    await writeFile(join(dir, 'x.yaml'), docs(badSe('bad'), se('ok', 'ok.example.com')));
    const { store, src } = await open();
    expect(names(store)).toEqual(['ok']);
    expect(src.errors().map((e) => e.ref?.name)).toContain('bad');
  });

  it('a YAML syntax error keeps every previously good resource of the file', async () => {
    const file = join(dir, 'mesh.yaml');
    await writeFile(file, docs(se('a', 'a.example.com'), dr('d', 'a.example.com')));
    const { store, log, src } = await open();
    const events: ConfigEvent[] = [];
    store.onChange((e) => events.push(...e));
    await writeFile(
      file,
      'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: a\nspec: [\n',
    );
    await src.resync();
    expect(events).toEqual([]);
    expect(names(store)).toEqual(['a']);
    expect(names(store, 'DestinationRule')).toEqual(['d']);
    expect(src.errors()).not.toEqual([]);
    expect(src.errors()[0]!.source.startsWith(file)).toBe(true);
    const line = log.lines().find((l) => l.level === 50);
    expect(String(line?.msg)).toContain(file);
    expect(String(line?.msg)).toMatch(/line|:\d+/i);
    // recovery: removing the DestinationRule in the fixed file deletes it
    await writeFile(file, se('a', 'a.example.com'));
    await src.resync();
    expect(names(store, 'DestinationRule')).toEqual([]);
    expect(src.errors()).toEqual([]);
  });

  it('a resource removed from a file that still parses is deleted', async () => {
    const file = join(dir, 'mesh.yaml');
    await writeFile(file, docs(se('a', 'a.example.com'), se('b', 'b.example.com')));
    const { store, src } = await open();
    await writeFile(file, se('b', 'b.example.com'));
    await src.resync();
    expect(names(store)).toEqual(['b']);
  });

  it('the same resource in two files: the first file wins, the other is reported', async () => {
    await writeFile(join(dir, 'a.yaml'), se('dup', 'a.example.com', 80));
    await writeFile(join(dir, 'b.yaml'), se('dup', 'b.example.com', 81));
    const { store, log, src } = await open();
    expect(port(store, 'dup')).toBe(80);
    const errs = src.errors();
    expect(errs).toHaveLength(1);
    expect(errs[0]!.source).toBe(join(dir, 'b.yaml'));
    expect(errs[0]!.message).toContain(join(dir, 'a.yaml'));
    expect(log.lines().some((l) => l.level === 50 && String(l.msg).includes('already defined'))).toBe(true);
    // the winner goes away: the other definition takes over
    await rm(join(dir, 'a.yaml'));
    await src.resync();
    expect(port(store, 'dup')).toBe(81);
    expect(src.errors()).toEqual([]);
  });

  it('several bad files are each reported, and fixing them recovers', async () => {
    await writeFile(join(dir, 'one.yaml'), 'kind: [\n');
    await writeFile(join(dir, 'two.yaml'), badSe('two'));
    await writeFile(join(dir, 'three.yaml'), se('three', 'three.example.com'));
    const { store, src } = await open();
    expect(names(store)).toEqual(['three']);
    const sources = new Set(src.errors().map((e) => e.source.replace(/:\d+:\d+$/, '')));
    expect(sources).toEqual(new Set([join(dir, 'one.yaml'), join(dir, 'two.yaml')]));
    await writeFile(join(dir, 'one.yaml'), se('one', 'one.example.com'));
    await writeFile(join(dir, 'two.yaml'), se('two', 'two.example.com'));
    await src.resync();
    expect(names(store)).toEqual(['one', 'three', 'two']);
    expect(src.errors()).toEqual([]);
  });

  it('a bad document without a readable identity keeps the file’s other last good resources', async () => {
    const file = join(dir, 'mesh.yaml');
    await writeFile(file, docs(se('a', 'a.example.com'), se('b', 'b.example.com')));
    const { store, src } = await open();
    await writeFile(
      file,
      docs(se('a', 'a.example.com'), 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nspec: {}\n'),
    );
    await src.resync();
    expect(names(store)).toEqual(['a', 'b']);
    expect(src.errors().length).toBeGreaterThan(0);
  });

  it('watches live: add, modify, editor rename-save, delete', async () => {
    await writeFile(join(dir, 'a.yaml'), se('a', 'a.example.com', 80));
    const { store } = await open(true);
    const until = (fn: () => void) => vi.waitFor(fn, { timeout: 5000, interval: 20 });

    await writeFile(join(dir, 'b.yaml'), se('b', 'b.example.com'));
    await until(() => expect(names(store)).toEqual(['a', 'b']));

    await writeFile(join(dir, 'a.yaml'), se('a', 'a.example.com', 90));
    await until(() => expect(port(store, 'a')).toBe(90));

    // editors that save through a temporary file and a rename
    await writeFile(join(dir, '.a.yaml.swp'), se('a', 'a.example.com', 91));
    await rename(join(dir, '.a.yaml.swp'), join(dir, 'a.yaml'));
    await until(() => expect(port(store, 'a')).toBe(91));

    // a new subdirectory is watched too
    await mkdir(join(dir, 'team'));
    await writeFile(join(dir, 'team', 'c.yaml'), se('c', 'c.example.com'));
    await until(() => expect(names(store)).toEqual(['a', 'b', 'c']));
    await writeFile(join(dir, 'team', 'c.yaml'), se('c', 'c.example.com', 99));
    await until(() => expect(port(store, 'c')).toBe(99));

    await rm(join(dir, 'b.yaml'));
    await until(() => expect(names(store)).toEqual(['a', 'c']));
    await rm(join(dir, 'team'), { recursive: true });
    await until(() => expect(names(store)).toEqual(['a']));
  });

  it('follows a Kubernetes ConfigMap volume update (the ..data symlink swap)', async () => {
    // The kubelet's atomic writer: files live in a timestamped hidden directory, `..data` points
    // at it, and each visible name is a symlink through `..data`; an update swaps `..data`.
    await mkdir(join(dir, '..2026_01'));
    await writeFile(join(dir, '..2026_01', 'se.yaml'), se('a', 'a.example.com', 80));
    await symlink('..2026_01', join(dir, '..data'));
    await symlink(join('..data', 'se.yaml'), join(dir, 'se.yaml'));
    const { store } = await open(true);
    expect(port(store, 'a')).toBe(80);

    await mkdir(join(dir, '..2026_02'));
    await writeFile(join(dir, '..2026_02', 'se.yaml'), se('a', 'a.example.com', 81));
    await symlink('..2026_02', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, '..2026_01'), { recursive: true });
    await vi.waitFor(() => expect(port(store, 'a')).toBe(81), { timeout: 5000, interval: 20 });
  });

  it('a file renamed into place is read after a short settle, not the full quiet period', async () => {
    const store = new ConfigStore();
    source = new DirectorySource({ dir, store, logger: capture().logger, debounceMs: 2000 });
    await source.start();
    await writeFile(join(dir, '.tmp-a'), se('a', 'a.example.com'));
    const started = Date.now();
    await rename(join(dir, '.tmp-a'), join(dir, 'a.yaml'));
    await vi.waitFor(() => expect(names(store)).toEqual(['a']), { timeout: 5000, interval: 5 });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('a file moved aside and written anew (vim without backupcopy) never reads as deleted', async () => {
    await writeFile(join(dir, 'a.yaml'), se('a', 'a.example.com', 80));
    const store = new ConfigStore();
    source = new DirectorySource({ dir, store, logger: capture().logger, debounceMs: 100 });
    await source.start();
    const seen: string[] = [];
    store.onChange((events) => seen.push(...events.map((e) => e.type)));
    await rename(join(dir, 'a.yaml'), join(dir, 'a.yaml~'));
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(join(dir, 'a.yaml'), se('a', 'a.example.com', 81));
    await rm(join(dir, 'a.yaml~'));
    await vi.waitFor(() => expect(port(store, 'a')).toBe(81), { timeout: 5000, interval: 5 });
    expect(seen).not.toContain('delete');
  });

  it('stop() stops watching', async () => {
    const { store, src } = await open(true);
    src.stop();
    await writeFile(join(dir, 'late.yaml'), se('late', 'late.example.com'));
    await new Promise((r) => setTimeout(r, 200));
    expect(names(store)).toEqual([]);
  });
});
