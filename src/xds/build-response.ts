/**
 * Pure builders of what one response carries, from a type's generated resources and the
 * stream's state. The resource bytes are never touched: they are the shared
 * `EncodedResource.value`, written by prepared-response.ts (encode once per version, design §5).
 */
import { contentHash } from '../util/hash.js';
import type { EncodedResource } from './source.js';
import { isSubscribed, type Subscription } from './type-state.js';

/** Resources by name, first occurrence wins: a response never names a resource twice. */
function byName(resources: readonly EncodedResource[]): Map<string, EncodedResource> {
  const map = new Map<string, EncodedResource>();
  for (const r of resources) if (!map.has(r.name)) map.set(r.name, r);
  return map;
}

/**
 * The deterministic type version: a hash over the sorted (name, version) set, so equal state
 * gives an equal `version_info` on every replica and after restarts.
 */
export function versionOf(resources: readonly EncodedResource[]): string {
  if (resources.length === 0) return 'empty';
  return contentHash(resources.map((r) => `${r.name}\u0000${r.version}`).join('\u0001'));
}

export interface SotwContent {
  /** Sorted by name, unique, restricted to the subscription. */
  readonly resources: readonly EncodedResource[];
  readonly version: string;
}

/**
 * What a SotW response carries: every subscribed resource that exists (all of them when
 * wildcard). For LDS/CDS this is the full state the protocol requires; for RDS/EDS it is the
 * requested names that exist, unknown names skipped.
 */
export function buildSotwContent(generated: readonly EncodedResource[], sub: Subscription): SotwContent {
  const resources = [...byName(generated).values()]
    .filter((r) => isSubscribed(sub, r.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { resources, version: versionOf(resources) };
}

export interface DeltaForce {
  readonly names: ReadonlySet<string>;
  readonly all: boolean;
}

export interface DeltaContent {
  /** New or changed resources (and forced ones), sorted by name. */
  readonly resources: readonly EncodedResource[];
  /** Names the client holds that no longer exist for it, and forced names that do not exist. */
  readonly removed: readonly string[];
}

/**
 * The delta against what the client holds (`held`: name → version). `generated` must be the
 * complete current set for the subscription: a held name missing from it is removed.
 */
export function buildDeltaContent(
  generated: readonly EncodedResource[],
  sub: Subscription,
  held: ReadonlyMap<string, string>,
  force: DeltaForce,
): DeltaContent {
  const current = byName(generated);
  const resources: EncodedResource[] = [];
  for (const r of current.values()) {
    const forced = force.all || force.names.has(r.name);
    if (!forced && !isSubscribed(sub, r.name) && !held.has(r.name)) continue;
    if (forced || held.get(r.name) !== r.version) resources.push(r);
  }
  const removed = new Set<string>();
  for (const name of held.keys()) if (!current.has(name)) removed.add(name);
  for (const name of force.names) if (!current.has(name)) removed.add(name);
  resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { resources, removed: [...removed].sort() };
}
