/**
 * Locating a peer binary built into the peer cache (outside the clone) by its build script: the
 * binary must be executable and the cache's stamp must match the sources, or the error names the
 * command that fixes it. The e2e suite fails on it, it never skips.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { peerCacheDir } from './kube-peers.js';

export interface PeerBinary {
  /** The directory under the peer cache, e.g. `grpc-go`. */
  readonly cacheName: string;
  /** The binary's name under `<cache>/bin/`. */
  readonly binary: string;
  /** What the stamp file must hold for the sources as they are now. */
  readonly expectedStamp: () => string;
  /** The error's start, e.g. `MOSN test peer`. */
  readonly label: string;
  /** The sources the stamp covers, for the error. */
  readonly sources: string;
  readonly buildCommand: string;
  /** The measured cold build time, for the error, e.g. `about 2.5 minutes`. */
  readonly coldBuild: string;
}

/** The peer's binary path, or an Error saying how to build it. */
export function findPeerBinary(p: PeerBinary): string {
  const cache = path.join(peerCacheDir(), p.cacheName);
  const bin = path.join(cache, 'bin', p.binary);
  let executable = true;
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    executable = false;
  }
  const stampFile = path.join(cache, 'stamp');
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
  if (!executable || stamp !== p.expectedStamp()) {
    const why = executable
      ? `stale: ${stampFile} does not match ${p.sources} and ${p.buildCommand}`
      : `missing: ${bin}`;
    throw new Error(
      `${p.label} not usable (${why}). Build it with \`${p.buildCommand}\` ` +
        `(cold build measured at ${p.coldBuild} on 2 cores; set MESHPLANE_PEER_CACHE to choose the cache directory).`,
    );
  }
  return bin;
}
