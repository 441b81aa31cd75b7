/**
 * Per-response xDS figures (`pilot_xds_pushes`, `pilot_xds_push_time`, `pilot_proxy_convergence_time`)
 * held in typed arrays until the next scrape, then handed to prom-client in one pass. A push
 * reaches thousands of streams in one loop, and three prom-client updates per response (each
 * hashing its label set) cost more than the rest of a stream's share of that loop (issue 3).
 * The buffer is bounded. Half full, it asks its owner to hand it over soon (`requestFlush`: after
 * the push loop that filled it, so the 16,000 prom-client updates of a full buffer never stall a
 * fan-out); full, it hands it over at once.
 */

/** Where buffered figures go: one call per response, at scrape time. */
export interface TallySink {
  push(type: string): void;
  pushTime(type: string, seconds: number): void;
  convergence(seconds: number): void;
}

const DEFAULT_CAPACITY = 16_384;

export interface TallyOptions {
  /** Responses held before they are handed over at once (default 16,384). */
  readonly capacity?: number;
  /** Called once when the buffer is half full: the owner should `flush` soon, outside the loop. */
  readonly requestFlush?: () => void;
}

export class ResponseTally {
  private readonly labels: string[] = [];
  private readonly labelOf = new Map<string, number>();
  private readonly type: Uint16Array;
  /** NaN: not measured. */
  private readonly elapsed: Float64Array;
  private readonly converged: Float64Array;
  private size = 0;
  private flushRequested = false;

  private readonly capacity: number;
  private readonly requestFlush: (() => void) | undefined;

  constructor(
    private readonly label: (typeUrl: string) => string,
    private readonly sink: TallySink,
    options: TallyOptions = {},
  ) {
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.requestFlush = options.requestFlush;
    this.type = new Uint16Array(this.capacity);
    this.elapsed = new Float64Array(this.capacity);
    this.converged = new Float64Array(this.capacity);
  }

  /** One response of `typeUrl`; times in seconds, NaN when not measured. */
  add(typeUrl: string, elapsedSeconds: number, convergenceSeconds: number): void {
    let t = this.labelOf.get(typeUrl);
    if (t === undefined) {
      t = this.labels.push(this.label(typeUrl)) - 1;
      this.labelOf.set(typeUrl, t);
    }
    const i = this.size++;
    this.type[i] = t;
    this.elapsed[i] = elapsedSeconds;
    this.converged[i] = convergenceSeconds;
    if (this.size === this.capacity) this.flush();
    else if (this.size * 2 === this.capacity && this.requestFlush && !this.flushRequested) {
      this.flushRequested = true;
      this.requestFlush();
    }
  }

  /** Hands every buffered response to the sink (at scrape, or when the buffer is full). */
  flush(): void {
    this.flushRequested = false;
    const n = this.size;
    this.size = 0;
    for (let i = 0; i < n; i++) {
      const type = this.labels[this.type[i]!]!;
      this.sink.push(type);
      const elapsed = this.elapsed[i]!;
      if (!Number.isNaN(elapsed)) this.sink.pushTime(type, elapsed);
      const converged = this.converged[i]!;
      if (!Number.isNaN(converged)) this.sink.convergence(converged);
    }
  }
}
