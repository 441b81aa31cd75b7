/**
 * Istio's precedence between configs that compete for the same host: the oldest wins
 * (`sortConfigByCreationTime`: creation time, then name, then namespace). Configs without a
 * timestamp (a config directory) sort first and fall back to name and namespace. Pure.
 */
import type { Config } from '../config.js';

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareConfigsByAge(a: Config, b: Config): number {
  return (
    cmp(a.meta.creationTimestamp ?? '', b.meta.creationTimestamp ?? '') ||
    cmp(a.meta.name, b.meta.name) ||
    cmp(a.meta.namespace, b.meta.namespace)
  );
}

export function sortByAge<T extends Config>(configs: readonly T[]): T[] {
  return [...configs].sort(compareConfigsByAge);
}
