/**
 * A bounded memo whose entries belong to a push version: insertion-ordered, the oldest dropped
 * beyond `max`, and everything not of the versions still served dropped on a new push.
 */
interface Memo<T> {
  readonly pushVersion: string;
  readonly value: T;
}

export class BoundedMemo<T> {
  private readonly entries = new Map<string, Memo<T>>();
  constructor(private readonly max: number) {}

  get(key: string): T | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: string, pushVersion: string, value: T): void {
    this.entries.set(key, { pushVersion, value });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Keeps only entries of the given push versions. */
  retain(versions: ReadonlySet<string>): void {
    for (const [key, memo] of this.entries) if (!versions.has(memo.pushVersion)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
