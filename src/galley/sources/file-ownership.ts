/**
 * Which file serves each config of a config directory: the first file in sorted path order that
 * defines it (design §3: the same kind/namespace/name in two files, the first wins, the other is
 * reported). Kept incrementally, so one edited file among thousands costs the keys it defines,
 * not a pass over every file. Pure.
 */
import { describeConfig, type Config } from '../../model/config.js';
import type { ConfigError } from '../validation/result.js';
import { configIdOf } from './file-resources.js';

export class FileOwnership {
  /** File → the configs it defines, by key. */
  private readonly byFile = new Map<string, ReadonlyMap<string, Config>>();
  /** Key → the files defining it, sorted. */
  private readonly byKey = new Map<string, string[]>();

  /**
   * Replaces what `file` defines (`undefined`: the file is gone). Returns the keys whose owner or
   * content may have changed.
   */
  setFile(file: string, configs: ReadonlyMap<string, Config> | undefined): string[] {
    const before = this.byFile.get(file);
    const affected = new Set<string>();
    for (const key of before?.keys() ?? []) {
      if (configs?.has(key)) continue;
      affected.add(key);
      const files = this.byKey.get(key)?.filter((f) => f !== file) ?? [];
      if (files.length > 0) this.byKey.set(key, files);
      else this.byKey.delete(key);
    }
    for (const [key, config] of configs ?? []) {
      if (before?.get(key) === config) continue;
      affected.add(key);
      const files = this.byKey.get(key) ?? [];
      if (!files.includes(file)) this.byKey.set(key, [...files, file].sort());
    }
    if (configs && configs.size > 0) this.byFile.set(file, configs);
    else this.byFile.delete(file);
    return [...affected];
  }

  /** Every key some file defines. */
  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  /** The config served for `key`, or undefined when no file defines it. */
  winner(key: string): Config | undefined {
    const first = this.byKey.get(key)?.[0];
    return first === undefined ? undefined : this.byFile.get(first)?.get(key);
  }

  /** The files defining `key` after the first, each reported as a duplicate. */
  duplicates(key: string): ConfigError[] {
    const files = this.byKey.get(key) ?? [];
    const out: ConfigError[] = [];
    for (const file of files.slice(1)) {
      const config = this.byFile.get(file)?.get(key);
      if (!config) continue;
      out.push({
        source: file,
        ref: configIdOf(config),
        path: 'metadata.name',
        message: `${describeConfig(config.meta)} is already defined in ${files[0]}; ignored here (the first file in sorted order wins)`,
      });
    }
    return out;
  }
}
