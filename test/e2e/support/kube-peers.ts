/**
 * Locates the Kubernetes test peers (etcd, kube-apiserver, kubectl) built by
 * `test/e2e/peers/build-kube.sh` into the peer cache outside the clone. Missing or stale binaries
 * are an error with the command that fixes it: the e2e suite fails loudly, it never skips.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PEERS_DIR = path.join(REPO_ROOT, 'test/e2e/peers');
export const BUILD_COMMAND = 'test/e2e/peers/build-kube.sh';

export interface KubePeers {
  readonly binDir: string;
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubectl: string;
}

/** `${MESHPLANE_PEER_CACHE:-$HOME/.cache/meshplane-peers}`, as the build script computes it. */
export function peerCacheDir(): string {
  return process.env.MESHPLANE_PEER_CACHE || path.join(os.homedir(), '.cache', 'meshplane-peers');
}

/** The stamp build-kube.sh writes: sha256 of go.mod, go.sum and the script, concatenated. */
export function expectedKubeStamp(): string {
  const h = createHash('sha256');
  for (const f of ['kube/go.mod', 'kube/go.sum', 'build-kube.sh'])
    h.update(readFileSync(path.join(PEERS_DIR, f)));
  return h.digest('hex');
}

/** The peer binaries, or an Error saying how to build them. */
export function findKubePeers(): KubePeers {
  const cache = path.join(peerCacheDir(), 'kube');
  const binDir = path.join(cache, 'bin');
  const peers: KubePeers = {
    binDir,
    etcd: path.join(binDir, 'etcd'),
    kubeApiserver: path.join(binDir, 'kube-apiserver'),
    kubectl: path.join(binDir, 'kubectl'),
  };
  const missing = [peers.etcd, peers.kubeApiserver, peers.kubectl].filter((f) => {
    try {
      accessSync(f, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  const stampFile = path.join(cache, 'stamp');
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
  if (missing.length > 0 || stamp !== expectedKubeStamp()) {
    const why =
      missing.length > 0
        ? `missing: ${missing.join(', ')}`
        : `stale: ${stampFile} does not match test/e2e/peers/kube/{go.mod,go.sum} and ${BUILD_COMMAND}`;
    throw new Error(
      `Kubernetes test peers not usable (${why}). Build them with \`${BUILD_COMMAND}\` ` +
        `(cold build measured at about 7 minutes on 2 shared cores; set MESHPLANE_PEER_CACHE to choose the cache directory).`,
    );
  }
  return peers;
}
