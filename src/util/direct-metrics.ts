/**
 * A Counter and a Histogram for prom-client whose hot path is a plain number and a small typed
 * array per label value, counted where the event happens. A push reaches thousands of streams in
 * one loop; prom-client's own `inc`/`observe` hash the label set on every call, and buffering the
 * events for later costs a burst of those calls right when the next push is being delivered
 * (issue 3). These classes keep prom-client's exposition (names, `le` labels, cumulative buckets,
 * `_sum`, `_count`) and only replace where the numbers live: `get()` builds the values at scrape.
 *
 * Each metric has at most one label (istiod's `type` for `pilot_xds_pushes` and
 * `pilot_xds_push_time`), or none.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

type CounterData = Awaited<ReturnType<Counter['get']>>;
type HistogramData = Awaited<ReturnType<Histogram['get']>>;

export interface DirectMetricConfig {
  readonly name: string;
  readonly help: string;
  /** The one label, or none. */
  readonly labelName?: string;
  readonly registry: Registry;
}

/** One counter series: add to `value`. */
export interface CounterCell {
  value: number;
}

export class DirectCounter extends Counter<string> {
  private cells = new Map<string, CounterCell>();

  constructor(private readonly config: DirectMetricConfig) {
    super({ name: config.name, help: config.help, labelNames: labelNames(config), registers: [] });
    config.registry.registerMetric(this);
  }

  /** The series of one label value ('' when the counter has no label); kept by the caller. */
  cell(labelValue = ''): CounterCell {
    let c = this.cells.get(labelValue);
    if (!c) this.cells.set(labelValue, (c = { value: 0 }));
    return c;
  }

  override get(): Promise<CounterData> {
    const label = this.config.labelName;
    const values = [...this.cells].map(([v, c]) => ({
      labels: label ? { [label]: v } : {},
      value: c.value,
    }));
    return Promise.resolve({ ...exposition(this.config, 'counter'), values });
  }

  override reset(): void {
    // Called by prom-client's constructor too, before this class's fields exist.
    for (const c of this.cells?.values() ?? []) c.value = 0;
  }
}

/** One histogram series: per-bucket counts (not cumulative), sum and count. */
export class BucketCounts {
  /** `counts[i]`: observations in (bounds[i-1], bounds[i]]; above the last bound only in `count`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (value <= b[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

export class DirectHistogram extends Histogram<string> {
  private series = new Map<string, BucketCounts>();
  private readonly bounds: readonly number[];

  constructor(private readonly config: DirectMetricConfig & { readonly buckets: readonly number[] }) {
    super({
      name: config.name,
      help: config.help,
      labelNames: labelNames(config),
      buckets: [...config.buckets],
      registers: [],
    });
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    config.registry.registerMetric(this);
  }

  /** The series of one label value ('' when the histogram has no label); kept by the caller. */
  counts(labelValue = ''): BucketCounts {
    let s = this.series.get(labelValue);
    if (!s) this.series.set(labelValue, (s = new BucketCounts(this.bounds)));
    return s;
  }

  override get(): Promise<HistogramData> {
    const { name, labelName } = this.config;
    const values: HistogramData['values'] = [];
    for (const [v, s] of this.series) {
      const labels = labelName ? { [labelName]: v } : {};
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({ metricName: `${name}_bucket`, labels: { le: this.bounds[i]!, ...labels }, value: acc });
      }
      values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', ...labels }, value: s.count });
      values.push({ metricName: `${name}_sum`, labels, value: s.sum });
      values.push({ metricName: `${name}_count`, labels, value: s.count });
    }
    return Promise.resolve({ ...exposition(this.config, 'histogram'), values });
  }

  /** prom-client's registry prefers this to `get()` when a metric has it; same values here. */
  getForPromString(): Promise<HistogramData> {
    return this.get();
  }

  override reset(): void {
    // Called by prom-client's constructor too, before this class's fields exist.
    for (const s of this.series?.values() ?? []) s.clear();
  }
}

/**
 * What prom-client's registry prints around the values. Its typings declare `type` as a numeric
 * enum its JavaScript never defines; the registry prints the string it gets.
 */
function exposition(config: DirectMetricConfig, type: 'counter' | 'histogram'): Omit<CounterData, 'values'> {
  return {
    name: config.name,
    help: config.help,
    type: type as unknown as CounterData['type'],
    aggregator: 'sum',
    collect: () => undefined,
  };
}

function labelNames(config: DirectMetricConfig): string[] {
  return config.labelName ? [config.labelName] : [];
}
