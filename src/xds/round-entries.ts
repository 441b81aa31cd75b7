/**
 * A round's few entries keyed by type URL, in two arrays. Every stream resets its round for every
 * push, and `Map.prototype.clear` allocates a new hash table through the runtime: it was 18% of a
 * 2,000-stream fan-out; a round holds at most one entry per watched type, so a linear scan wins.
 */
export class RoundEntries<V> {
  private readonly keys: string[] = [];
  private readonly values: V[] = [];

  get size(): number {
    return this.keys.length;
  }

  get(typeUrl: string): V | undefined {
    const i = this.keys.indexOf(typeUrl);
    return i < 0 ? undefined : this.values[i];
  }

  has(typeUrl: string): boolean {
    return this.keys.includes(typeUrl);
  }

  set(typeUrl: string, value: V): void {
    const i = this.keys.indexOf(typeUrl);
    if (i >= 0) this.values[i] = value;
    else {
      this.keys.push(typeUrl);
      this.values.push(value);
    }
  }

  clear(): void {
    this.keys.length = 0;
    this.values.length = 0;
  }
}
