/**
 * The file-system side of the config-directory source: listing the YAML files of a tree, and the
 * cheap checks a rescan uses to decide what to read again.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const YAML_FILE = /\.ya?ml$/i;

export interface Listing {
  readonly files: readonly string[];
  /** Directory path → inode. */
  readonly dirs: ReadonlyMap<string, number>;
}

/** Every YAML file (sorted) and every directory under `root` (root included), skipping hidden names. */
export async function listTree(root: string): Promise<Listing> {
  const files: string[] = [];
  const dirs = new Map<string, number>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    dirs.set(dir, (await stat(dir)).ino);
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const s = await stat(path).catch(() => undefined);
        isDir = s?.isDirectory() ?? false;
        isFile = s?.isFile() ?? false;
      }
      // Depth bound: a symlink loop must not hang the scan.
      if (isDir && depth < 16) {
        await walk(path, depth + 1).catch(() => undefined);
      } else if (isFile && YAML_FILE.test(entry.name)) {
        files.push(path);
      }
    }
  };
  await walk(root, 0);
  return { files: files.sort(), dirs };
}

/**
 * Size, inode, change and modification times (ns): any write or replacement moves at least one
 * of them, so a full rescan reads only files whose stamp moved.
 */
export function stampOf(s: { size: bigint; ino: bigint; ctimeNs: bigint; mtimeNs: bigint }): string {
  return `${s.size}:${s.ino}:${s.ctimeNs}:${s.mtimeNs}`;
}

/** The stamp of `path`; undefined when the file cannot be stat'ed. */
export async function fileStamp(path: string): Promise<string | undefined> {
  try {
    return stampOf(await stat(path, { bigint: true }));
  } catch {
    return undefined;
  }
}
