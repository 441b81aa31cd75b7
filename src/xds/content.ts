/**
 * The content of one type for one subscription, and the difference between two contents, each
 * computed once and shared (design §5). A ResourceSource that memoizes its GenerateResult per
 * group and subscription (XdsResourceSource does) hands the same object to every stream of the
 * group, so the sorting, hashing and diffing here run once per group per push, not once per
 * stream; a source that does not memoize still works, at per-stream cost.
 */
import { buildSotwContent } from './build-response.js';
import type { EncodedResource, GenerateResult } from './source.js';
import type { Subscription } from './type-state.js';

export interface TypeContent {
  readonly typeUrl: string;
  /** Sorted by name, unique, restricted to the subscription. */
  readonly resources: readonly EncodedResource[];
  readonly byName: ReadonlyMap<string, EncodedResource>;
  /** Content hash over (name, version): the SotW `version_info`. */
  readonly version: string;
  /** The source's push version (delta `system_version_info`). */
  readonly pushVersion: string;
}

export interface ContentDiff {
  /** Resources new or changed in `to`, sorted by name. */
  readonly changed: readonly EncodedResource[];
  /** Some of `changed` were absent from `from` (a name appeared). */
  readonly added: boolean;
  /** Names of `from` missing in `to`, sorted. */
  readonly removed: readonly string[];
}

const contents = new WeakMap<GenerateResult, { sub: Subscription; typeUrl: string; content: TypeContent }>();
const diffs = new WeakMap<TypeContent, { to: TypeContent; diff: ContentDiff }>();

/** The content of `generated` for `typeUrl` and `sub` (memoized per GenerateResult). */
export function contentOf(generated: GenerateResult, typeUrl: string, sub: Subscription): TypeContent {
  const hit = contents.get(generated);
  // Subscriptions are per stream, their interned name Sets are shared.
  if (hit && hit.typeUrl === typeUrl && hit.sub.names === sub.names && hit.sub.wildcard === sub.wildcard)
    return hit.content;
  const own = generated.resources.filter((r) => r.typeUrl === typeUrl);
  const { resources, version } = buildSotwContent(own, sub);
  const content: TypeContent = {
    typeUrl,
    resources,
    byName: new Map(resources.map((r) => [r.name, r])),
    version,
    pushVersion: generated.pushVersion,
  };
  contents.set(generated, { sub, typeUrl, content });
  return content;
}

/** What changed from `from` to `to` (memoized for the latest `to` of each `from`). */
export function diffContent(from: TypeContent, to: TypeContent): ContentDiff {
  const hit = diffs.get(from);
  if (hit && hit.to === to) return hit.diff;
  const changed: EncodedResource[] = [];
  let added = false;
  for (const r of to.resources) {
    const before = from.byName.get(r.name);
    if (before === r) continue;
    if (!before) added = true;
    else if (before.version === r.version) continue;
    changed.push(r);
  }
  const removed: string[] = [];
  for (const r of from.resources) if (!to.byName.has(r.name)) removed.push(r.name);
  const diff: ContentDiff = { changed, added, removed };
  diffs.set(from, { to, diff });
  return diff;
}

/** An empty content for `typeUrl` (what a stream holds before its first response). */
export function emptyContent(typeUrl: string): TypeContent {
  return { typeUrl, resources: [], byName: new Map(), version: 'empty', pushVersion: '' };
}
