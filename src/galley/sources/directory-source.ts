/**
 * The config-directory source (the embedded default, design §3 "Config directory"): every
 * `*.yaml` / `*.yml` file under a directory, recursively, multi-document, watched live.
 *
 * Rules, so that a typo never takes the mesh down:
 * - a resource that fails validation is rejected with an error log naming the file, kind/namespace/
 *   name and field path; the last good version of that resource (from the same file) keeps being
 *   served, and so does everything else;
 * - a file with a YAML syntax error keeps all of its previously good resources as they were;
 * - a resource removed from a file that still parses is deleted; a deleted file deletes its
 *   resources;
 * - the same kind/namespace/name in two files: the first file in sorted path order wins, the other
 *   is reported;
 * - a rejected document whose identity cannot be read (no kind or name) cannot be matched to its
 *   last good version, so the file's other previously good resources are all kept until it is fixed.
 *
 * Watching: one non-recursive `fs.watch` per directory (recursive watch is unreliable on Linux in
 * Node 20). An event naming a YAML file re-reads that file only, so one edit among thousands of
 * files costs one read; an event without a name, on a directory, or on a `..`-prefixed entry (the
 * symlink swap by which Kubernetes updates a mounted ConfigMap) rescans the whole tree, reading
 * only files whose size, inode or change time moved. A file renamed into place is complete
 * (atomic writers: editors, `kubectl cp`, ConfigMaps) and is read after a short settle; an
 * in-place write may still be under way, so it waits for the full quiet period. Hidden entries
 * (`.foo.yaml`, editor temp and lock files) are never served.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { fileStamp, listTree, pathKind, YAML_FILE, type Listing } from './directory-tree.js';
import { configKey, type Config } from '../../model/config.js';
import { contentHash } from '../../util/hash.js';
import type { Logger } from '../../util/log.js';
import type { ValidationMetrics } from '../../util/metrics.js';
import type { ConfigId, ConfigStore } from '../config-store.js';
import { formatConfigError, type ConfigError } from '../validation/result.js';
import { configIdOf, readFileResources } from './file-resources.js';
import { FileOwnership } from './file-ownership.js';

export interface DirectorySourceOptions {
  readonly dir: string;
  readonly store: ConfigStore;
  readonly logger: Logger;
  /** Quiet period after an in-place write before reading it (default 50 ms). */
  readonly debounceMs?: number;
  /** Settle time after a file is renamed into place (default 5 ms, capped by `debounceMs`). */
  readonly renameSettleMs?: number;
  /** Watch for changes after the initial load (default true). */
  readonly watch?: boolean;
  /** Counts each document validated (a changed file's documents) and each file that fails to parse. */
  readonly metrics?: ValidationMetrics;
}

interface FileState {
  /** Content hash of the last version read; an unchanged file is not re-parsed. */
  hash: string;
  /** `size:ino:ctimeNs` when last read: a full rescan skips files whose stamp did not move. */
  stamp: string;
  /** Last good resources of this file, by `Kind/ns/name`. */
  good: Map<string, Config>;
  /** Current problems of this file (syntax or validation). */
  errors: ConfigError[];
}

const RETRY_MS = 1000;

/** What the next rescan must look at: everything, or the named paths. */
type Dirty = { readonly all: true } | { readonly all: false; readonly paths: Set<string> };

export class DirectorySource {
  private readonly dir: string;
  private readonly store: ConfigStore;
  private readonly log: Logger;
  private readonly debounceMs: number;
  private readonly watchEnabled: boolean;
  private readonly metrics: ValidationMetrics | undefined;
  private readonly files = new Map<string, FileState>();
  /** What this source has written to the store, by key. */
  private readonly served = new Map<string, Config>();
  /** Which file serves each key. */
  private readonly ownership = new FileOwnership();
  /** Current duplicate reports, by key. */
  private readonly duplicates = new Map<string, ConfigError[]>();
  /** Keys whose owner or content may have changed since the last reconcile. */
  private affected = new Set<string>();
  /** Directory → its watcher and the inode it watches (a directory replaced under the same name needs a new one). */
  private readonly watchers = new Map<string, { watcher: FSWatcher; ino: number }>();
  private readonly renameSettleMs: number;
  private timer: NodeJS.Timeout | undefined;
  private dirty: Dirty = { all: false, paths: new Set() };
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private dirError: string | undefined;

  constructor(options: DirectorySourceOptions) {
    this.dir = options.dir;
    this.store = options.store;
    this.log = options.logger.child({ source: 'directory', dir: options.dir });
    this.debounceMs = options.debounceMs ?? 50;
    this.renameSettleMs = Math.min(options.renameSettleMs ?? 5, this.debounceMs);
    this.watchEnabled = options.watch ?? true;
    this.metrics = options.metrics;
  }

  /** Loads the directory once (rejects when it cannot be read), then starts watching. */
  async start(): Promise<void> {
    this.stopped = false;
    const dirs = await this.sync(true);
    if (this.watchEnabled && !this.stopped) {
      this.updateWatchers(dirs);
      // Anything written between the first scan and the watchers starting.
      this.dirty = { all: true };
      this.schedule();
    }
    this.log.info({ resources: this.served.size, files: this.files.size }, 'config directory loaded');
  }

  /** Stops watching; what was loaded stays in the store. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.closeWatchers();
  }

  private closeWatchers(): void {
    for (const w of this.watchers.values()) w.watcher.close();
    this.watchers.clear();
  }

  /** Rescans now (tests, SIGHUP); resolves when the store reflects the directory. */
  resync(): Promise<void> {
    return this.enqueue(true);
  }

  /** Current rejected files and resources (syntax, validation, duplicates), sorted by file. */
  errors(): readonly ConfigError[] {
    const all = [
      ...[...this.files.values()].flatMap((f) => f.errors),
      ...[...this.duplicates.values()].flat(),
    ];
    if (this.dirError) all.push({ source: this.dir, path: '', message: this.dirError });
    return all.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  }

  /** Records a watch event in `dir` and schedules a rescan. */
  private noteEvent(dir: string, event: string, filename: string | null): void {
    if (this.stopped) return;
    // `..data` and friends: Kubernetes swapped a ConfigMap's files; no name: the kernel lost track.
    if (!filename || filename.startsWith('..') || filename.includes('/')) this.dirty = { all: true };
    else if (filename.startsWith('.'))
      return; // an editor's or atomic writer's temp file
    else if (!this.dirty.all) this.dirty.paths.add(join(dir, filename));
    const renamed = event === 'rename' && filename !== null && YAML_FILE.test(filename);
    this.schedule(renamed ? this.renameSettleMs : this.debounceMs);
  }

  /** Fires a rescan `ms` after the last event; a later event restarts the wait (a burst is read once). */
  private schedule(ms = this.debounceMs): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.enqueue();
    }, ms);
    this.timer.unref();
  }

  /** Rescans are serialized: a rescan never overlaps another. */
  private enqueue(explicit = false): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (this.stopped && !explicit) return;
      const dirty = this.dirty;
      this.dirty = { all: false, paths: new Set() };
      try {
        const dirs = explicit || dirty.all ? await this.sync(false) : await this.syncPaths(dirty.paths);
        if (dirs && this.watchEnabled && !this.stopped) this.updateWatchers(dirs);
      } catch (err) {
        this.log.error({ err }, 'config directory rescan failed');
      }
    });
    return this.queue;
  }

  /** Reads the tree, re-parses changed files, and applies the difference to the store. */
  private async sync(initial: boolean): Promise<ReadonlyMap<string, number>> {
    let listing: Listing;
    try {
      listing = await listTree(this.dir);
      if (this.dirError) this.log.info('config directory readable again');
      this.dirError = undefined;
    } catch (err) {
      if (initial) throw err;
      const message = `cannot read config directory: ${(err as Error).message}; keeping the last loaded config`;
      if (this.dirError !== message) this.log.error({ err }, message);
      this.dirError = message;
      // The watchers may be gone with the directory: poll until it is back, then watch afresh.
      this.closeWatchers();
      this.dirty = { all: true };
      if (this.timer === undefined && !this.stopped) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.enqueue();
        }, RETRY_MS);
        this.timer.unref();
      }
      return new Map();
    }
    const present = new Set(listing.files);
    for (const file of [...this.files.keys()]) {
      if (!present.has(file)) {
        this.files.delete(file);
        this.track(this.ownership.setFile(file, undefined));
        this.log.info({ file }, 'config file removed');
      }
    }
    for (const file of listing.files) {
      const stamp = await fileStamp(file);
      if (stamp !== undefined && this.files.get(file)?.stamp === stamp) continue;
      await this.loadFile(file, stamp ?? '');
    }
    this.reconcile();
    return listing.dirs;
  }

  /**
   * Re-reads only the files watch events named. Anything that is not a plain change of a YAML
   * file we know how to place (a directory appeared or vanished) falls back to a full rescan.
   */
  private async syncPaths(paths: ReadonlySet<string>): Promise<ReadonlyMap<string, number> | undefined> {
    if (paths.size === 0) return undefined;
    for (const path of [...paths].sort()) {
      const kind = await pathKind(path);
      if (kind === 'dir') return this.sync(false);
      if (kind === 'missing') {
        if (this.files.delete(path)) {
          this.track(this.ownership.setFile(path, undefined));
          this.log.info({ file: path }, 'config file removed');
        } else if ([...this.files.keys()].some((f) => f.startsWith(`${path}${sep}`))) return this.sync(false);
        continue;
      }
      if (kind === 'file' && YAML_FILE.test(path)) await this.loadFile(path, (await fileStamp(path)) ?? '');
    }
    this.reconcile();
    return undefined;
  }

  private async loadFile(file: string, stamp: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      // Deleted between listing and reading: the next event's rescan drops it.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      const state = this.files.get(file);
      const error: ConfigError = {
        source: file,
        path: '',
        message: `cannot read file: ${(err as Error).message}`,
      };
      this.log.error({ file }, formatConfigError(error));
      if (state) {
        state.errors = [error];
        // Read it afresh next time, even if its content turns out unchanged.
        state.hash = '';
        state.stamp = '';
      } else this.files.set(file, { hash: '', stamp: '', good: new Map(), errors: [error] });
      return;
    }
    const hash = contentHash(text);
    const previous = this.files.get(file);
    if (previous && previous.hash === hash) {
      previous.stamp = stamp;
      return;
    }
    const state: FileState = previous ?? { hash, stamp, good: new Map(), errors: [] };
    const hadErrors = state.errors.length > 0;
    state.hash = hash;
    state.stamp = stamp;
    this.files.set(file, state);

    const result = readFileResources(text, file, state.good);
    state.good = new Map(result.good);
    this.track(this.ownership.setFile(file, state.good));
    state.errors = [...result.errors];
    for (const v of result.verdicts) {
      if (v.failure) this.metrics?.validationFailed(v.resource, v.failure);
      else this.metrics?.validationPassed(v.resource);
    }
    if (result.syntaxError) {
      this.metrics?.validationFailed({ group: '', version: '', resource: '' }, 'yaml_decode_error');
      for (const e of result.errors) {
        this.log.error({ file }, `${formatConfigError(e)} (file rejected; keeping its last good resources)`);
      }
      return;
    }
    for (const w of result.warnings) this.log.warn({ file, resource: w.resource }, w.message);
    for (const e of result.errors) {
      const ref = e.ref;
      const kept = ref && result.kept.has(configKey(ref.kind, ref.namespace, ref.name));
      this.log.error(
        { file, ...(ref ? { kind: ref.kind, namespace: ref.namespace, name: ref.name } : {}), path: e.path },
        `${formatConfigError(e)}${kept ? ' (rejected; serving its last good version)' : ' (rejected)'}`,
      );
    }
    if (hadErrors && result.errors.length === 0) this.log.info({ file }, 'config file valid again');
  }

  private track(keys: readonly string[]): void {
    for (const k of keys) this.affected.add(k);
  }

  /**
   * Writes the difference for the keys touched since the last call to the store in one batch;
   * the first file in sorted order wins a key, the others are reported once.
   */
  private reconcile(): void {
    const keys = this.affected;
    this.affected = new Set();
    const upserts: Config[] = [];
    const deletes: ConfigId[] = [];
    for (const key of keys) {
      const winner = this.ownership.winner(key);
      const served = this.served.get(key);
      if (winner && winner !== served) {
        upserts.push(winner);
        this.served.set(key, winner);
      } else if (!winner && served) {
        deletes.push(configIdOf(served));
        this.served.delete(key);
      }
      const before = new Set((this.duplicates.get(key) ?? []).map((d) => `${d.source}|${d.message}`));
      const now = this.ownership.duplicates(key);
      for (const d of now) {
        if (!before.has(`${d.source}|${d.message}`)) this.log.error({ file: d.source }, formatConfigError(d));
      }
      if (now.length > 0) this.duplicates.set(key, now);
      else this.duplicates.delete(key);
    }
    if (upserts.length > 0 || deletes.length > 0) this.store.applyBatch({ upserts, deletes });
  }

  private updateWatchers(dirs: ReadonlyMap<string, number>): void {
    for (const [d, w] of this.watchers) {
      if (dirs.get(d) !== w.ino) {
        w.watcher.close();
        this.watchers.delete(d);
      }
    }
    for (const [d, ino] of dirs) {
      if (this.watchers.has(d)) continue;
      try {
        const w = watch(d, { persistent: false }, (event, filename) => this.noteEvent(d, event, filename));
        w.on('error', (err) => {
          this.log.warn({ err, dir: d }, 'directory watch failed; rescanning');
          w.close();
          if (this.watchers.get(d)?.watcher === w) this.watchers.delete(d);
          this.dirty = { all: true };
          this.schedule();
        });
        this.watchers.set(d, { watcher: w, ino });
      } catch (err) {
        this.log.warn({ err, dir: d }, 'cannot watch directory');
      }
    }
  }
}
