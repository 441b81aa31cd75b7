/** Content hashes for versions: equal content, equal version, across replicas and restarts. */
import { createHash } from 'node:crypto';

export function contentHash(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}
