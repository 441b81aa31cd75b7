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
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { fileStamp, listTree, stampOf, YAML_FILE, type Listing } from './directory-tree.js';
import type { Logger } from '../../util/log.js';
import type { ValidationMetrics } from '../../util/metrics.js';
import type { ConfigStore } from '../config-store.js';
import type { ConfigError } from '../validation/result.js';
import { LoadedFiles } from './loaded-files.js';

export interface DirectorySourceOptions {
  readonly dir: string;
  readonly store: ConfigStore;
  readonly logger: Logger;
  /** Quiet period after an in-place write before reading it (default 50 ms). */
  readonly debounceMs?: number;
  /**
   * Settle time after a file is renamed into place (default 0: read in the next turn of the event
   * loop, with the other events of the same burst; capped by `debounceMs`).
   */
  readonly renameSettleMs?: number;
  /** Watch for changes after the initial load (default true). */
  readonly watch?: boolean;
  /** Counts each document validated (a changed file's documents) and each file that fails to parse. */
  readonly metrics?: ValidationMetrics;
}

const RETRY_MS = 1000;

/** What the next rescan must look at: everything, or the named paths. */
type Dirty = { readonly all: true } | { readonly all: false; readonly paths: Set<string> };

export class DirectorySource {
  private readonly dir: string;
  private readonly log: Logger;
  private readonly debounceMs: number;
  private readonly watchEnabled: boolean;
  /** What each file holds, and what of it the store serves. */
  private readonly files: LoadedFiles;
  /** Directory → its watcher and the inode it watches (a directory replaced under the same name needs a new one). */
  private readonly watchers = new Map<string, { watcher: FSWatcher; ino: number }>();
  private readonly renameSettleMs: number;
  private timer: NodeJS.Timeout | undefined;
  /** A rescan due in this turn (`schedule(0)`); a later event that must wait the quiet period cancels it. */
  private immediate: NodeJS.Immediate | undefined;
  private dirty: Dirty = { all: false, paths: new Set() };
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;
  private dirError: string | undefined;

  constructor(options: DirectorySourceOptions) {
    this.dir = options.dir;
    this.log = options.logger.child({ source: 'directory', dir: options.dir });
    this.debounceMs = options.debounceMs ?? 50;
    this.renameSettleMs = Math.min(options.renameSettleMs ?? 0, this.debounceMs);
    this.watchEnabled = options.watch ?? true;
    this.files = new LoadedFiles(options.store, this.log, options.metrics);
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
    this.log.info(
      { resources: this.files.servedCount(), files: this.files.count() },
      'config directory loaded',
    );
  }

  /** Stops watching; what was loaded stays in the store. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
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
    const all = [...this.files.errors()];
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
    // A YAML file renamed into place is complete: read it now. A rename that leaves the name
    // missing (deleted, or an editor moving the old file aside before writing the new one) waits
    // the quiet period, so a file being replaced never reads as deleted.
    const renamedIn =
      event === 'rename' &&
      filename !== null &&
      YAML_FILE.test(filename) &&
      statSync(join(dir, filename), { throwIfNoEntry: false })?.isFile() === true;
    this.schedule(renamedIn ? this.renameSettleMs : this.debounceMs);
  }

  /** Fires a rescan `ms` after the last event; a later event restarts the wait (a burst is read once). */
  private schedule(ms = this.debounceMs): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    if (ms === 0) {
      // A file renamed into place is complete: read it in this turn's check phase. setTimeout(0)
      // waits a millisecond at least, a fifth of the time from write to push on an endpoint change.
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        void this.enqueue();
      });
      this.immediate.unref();
      return;
    }
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
    for (const file of this.files.paths()) if (!present.has(file)) this.files.remove(file);
    for (const file of listing.files) {
      const stamp = await fileStamp(file);
      if (stamp !== undefined && this.files.stampOf(file) === stamp) continue;
      await this.loadFile(file, stamp ?? '');
    }
    this.files.reconcile();
    return listing.dirs;
  }

  /**
   * Re-reads only the files watch events named. Anything that is not a plain change of a YAML
   * file we know how to place (a directory appeared or vanished) falls back to a full rescan.
   */
  private async syncPaths(paths: ReadonlySet<string>): Promise<ReadonlyMap<string, number> | undefined> {
    if (paths.size === 0) return undefined;
    // A handful of small files: read synchronously, one system call each, rather than a round
    // trip through the thread pool per stat, open, read and close (an endpoint change waits on it).
    for (const path of [...paths].sort()) {
      let stats;
      try {
        stats = statSync(path, { bigint: true, throwIfNoEntry: false });
      } catch {
        stats = undefined;
      }
      if (stats?.isDirectory()) return this.sync(false);
      if (!stats) {
        if (!this.files.remove(path) && this.files.paths().some((f) => f.startsWith(`${path}${sep}`)))
          return this.sync(false);
        continue;
      }
      if (!stats.isFile() || !YAML_FILE.test(path)) continue;
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        this.files.readFailed(path, err);
        continue;
      }
      this.files.apply(path, stampOf(stats), text);
    }
    this.files.reconcile();
    return undefined;
  }

  private async loadFile(file: string, stamp: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      this.files.readFailed(file, err);
      return;
    }
    this.files.apply(file, stamp, text);
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
