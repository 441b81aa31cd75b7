/**
 * What the config-directory source has read (directory-source.ts does the watching and reading):
 * per file, its content hash, stamp, last good resources and current errors; which file serves
 * each key (the first in sorted path order wins, the others are reported as duplicates); and
 * what the store was given. Changes accumulate as affected keys and reach the store in one batch
 * per `reconcile`.
 */
import { configKey, type Config } from '../../model/config.js';
import { contentHash } from '../../util/hash.js';
import type { Logger } from '../../util/log.js';
import type { ValidationMetrics } from '../../util/metrics.js';
import type { ConfigId, ConfigStore } from '../config-store.js';
import { formatConfigError, type ConfigError } from '../validation/result.js';
import { configIdOf, readFileResources } from './file-resources.js';
import { FileOwnership } from './file-ownership.js';

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

export class LoadedFiles {
  private readonly files = new Map<string, FileState>();
  /** What this source has written to the store, by key. */
  private readonly served = new Map<string, Config>();
  /** Which file serves each key. */
  private readonly ownership = new FileOwnership();
  /** Current duplicate reports, by key. */
  private readonly duplicates = new Map<string, ConfigError[]>();
  /** Keys whose owner or content may have changed since the last reconcile. */
  private affected = new Set<string>();

  constructor(
    private readonly store: ConfigStore,
    private readonly log: Logger,
    private readonly metrics: ValidationMetrics | undefined,
  ) {}

  count(): number {
    return this.files.size;
  }

  servedCount(): number {
    return this.served.size;
  }

  paths(): string[] {
    return [...this.files.keys()];
  }

  /** The stamp of `file` when it was last read (undefined: never read). */
  stampOf(file: string): string | undefined {
    return this.files.get(file)?.stamp;
  }

  /** Forgets a file that is gone (its resources go at the next reconcile); false if unknown. */
  remove(file: string): boolean {
    if (!this.files.delete(file)) return false;
    this.track(this.ownership.setFile(file, undefined));
    this.log.info({ file }, 'config file removed');
    return true;
  }

  /** Current rejected files and resources (syntax, validation, duplicates). */
  errors(): ConfigError[] {
    return [...[...this.files.values()].flatMap((f) => f.errors), ...[...this.duplicates.values()].flat()];
  }

  /** A file listed or named by an event could not be read. */
  readFailed(file: string, err: unknown): void {
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
  }

  /** Parses and validates a file's text and records its resources (the store follows at `reconcile`). */
  apply(file: string, stamp: string, text: string): void {
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
  reconcile(): void {
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
}
