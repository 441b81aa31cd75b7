/**
 * A round's few entries keyed by type URL, in two arrays and a count. Every stream resets its
 * round for every push: `Map.prototype.clear` allocates a new hash table through the runtime (18%
 * of a 2,000-stream fan-out), and so does shrinking an array by setting its `length` (13%); a
 * round holds at most one entry per watched type, so a count and a linear scan win. Cleared
 * slots drop their values (a round's changed-name Sets are not kept alive until the next one).
 */
export class RoundEntries<V> {
  private readonly keys: string[] = [];
  private readonly values: (V | undefined)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(typeUrl: string): V | undefined {
    const i = this.indexOf(typeUrl);
    return i < 0 ? undefined : this.values[i];
  }

  has(typeUrl: string): boolean {
    return this.indexOf(typeUrl) >= 0;
  }

  set(typeUrl: string, value: V): void {
    const i = this.indexOf(typeUrl);
    if (i >= 0) {
      this.values[i] = value;
      return;
    }
    const n = this.count++;
    if (n < this.keys.length) {
      this.keys[n] = typeUrl;
      this.values[n] = value;
    } else {
      this.keys.push(typeUrl);
      this.values.push(value);
    }
  }

  clear(): void {
    for (let i = 0; i < this.count; i++) this.values[i] = undefined;
    this.count = 0;
  }

  private indexOf(typeUrl: string): number {
    for (let i = 0; i < this.count; i++) if (this.keys[i] === typeUrl) return i;
    return -1;
  }
}
