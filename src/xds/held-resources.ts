/**
 * What a delta client holds of one type (name → version), the base every delta is computed
 * against. A client in step with its group holds exactly a shared TypeContent, and then this
 * object holds only a reference to it: N clients of one group cost one map, not N (design §5).
 * Anything that sets it apart (a reconnect's `initial_resource_versions`, an unsubscription, a
 * deferred removal) copies the map on write; once it matches a content again it goes back to
 * sharing.
 */
import type { TypeContent } from './content.js';

export class HeldResources {
  private base: TypeContent | undefined;
  private own: Map<string, string> | undefined;

  constructor(initial?: ReadonlyMap<string, string>) {
    if (initial && initial.size > 0) this.own = new Map(initial);
  }

  /** The shared content held exactly, if this client is in step with one. */
  get content(): TypeContent | undefined {
    return this.base;
  }

  get size(): number {
    return this.own ? this.own.size : (this.base?.resources.length ?? 0);
  }

  has(name: string): boolean {
    return this.own ? this.own.has(name) : (this.base?.byName.has(name) ?? false);
  }

  version(name: string): string | undefined {
    return this.own ? this.own.get(name) : this.base?.byName.get(name)?.version;
  }

  names(): IterableIterator<string> {
    return this.own ? this.own.keys() : (this.base?.byName.keys() ?? new Map<string, string>().keys());
  }

  /** A read-only name → version view (builders that take a map). */
  view(): ReadonlyMap<string, string> {
    return this.materialized();
  }

  /** The client now holds exactly `content`. */
  setContent(content: TypeContent): void {
    this.base = content;
    this.own = undefined;
  }

  set(name: string, version: string): void {
    if (!this.own && this.base?.byName.get(name)?.version === version) return;
    this.writable().set(name, version);
  }

  delete(name: string): void {
    if (!this.has(name)) return;
    this.writable().delete(name);
  }

  /** Shares `content` again when this client holds exactly it. */
  settle(content: TypeContent): void {
    if (!this.own) {
      if (this.base === content) return;
      if (this.base && sameVersions(this.base.byName, content)) this.setContent(content);
      return;
    }
    if (this.own.size !== content.resources.length) return;
    for (const r of content.resources) if (this.own.get(r.name) !== r.version) return;
    this.setContent(content);
  }

  private materialized(): Map<string, string> {
    if (this.own) return this.own;
    const map = new Map<string, string>();
    if (this.base) for (const r of this.base.resources) map.set(r.name, r.version);
    return map;
  }

  private writable(): Map<string, string> {
    if (!this.own) {
      this.own = this.materialized();
      this.base = undefined;
    }
    return this.own;
  }
}

function sameVersions(
  held: ReadonlyMap<string, { readonly version: string }>,
  content: TypeContent,
): boolean {
  if (held.size !== content.resources.length) return false;
  for (const r of content.resources) if (held.get(r.name)?.version !== r.version) return false;
  return true;
}
