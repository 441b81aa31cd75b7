import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DirectCounter, DirectHistogram } from '../../../src/util/direct-metrics.js';

const BUCKETS = [0.01, 0.1, 1, 3];
const OBSERVED: [string, number][] = [
  ['cds', 0.005],
  ['cds', 0.01],
  ['eds', 0.2],
  ['cds', 2.5],
  ['eds', 7],
  ['lds', 0],
  ['eds', 0.1],
];

/** The same metrics through prom-client's own classes and through the direct ones. */
function both() {
  const own = new Registry();
  const direct = new Registry();
  const ownCounter = new Counter({ name: 'c', help: 'h', labelNames: ['type'], registers: [own] });
  const ownHist = new Histogram({
    name: 'x',
    help: 'h',
    labelNames: ['type'],
    buckets: BUCKETS,
    registers: [own],
  });
  const ownPlain = new Histogram({ name: 'y', help: 'h', buckets: BUCKETS, registers: [own] });
  const dCounter = new DirectCounter({ name: 'c', help: 'h', labelName: 'type', registry: direct });
  const dHist = new DirectHistogram({
    name: 'x',
    help: 'h',
    labelName: 'type',
    buckets: BUCKETS,
    registry: direct,
  });
  const dPlain = new DirectHistogram({ name: 'y', help: 'h', buckets: BUCKETS, registry: direct });
  for (const [type, v] of OBSERVED) {
    ownCounter.inc({ type });
    ownHist.observe({ type }, v);
    ownPlain.observe(v);
    dCounter.cell(type).value++;
    dHist.counts(type).observe(v);
    dPlain.counts().observe(v);
  }
  return { own, direct };
}

/** The values of JSON metrics, without prom-client's exemplar slots (the direct ones have none). */
function samples(metrics: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) {
  return metrics.map((m) => ({
    name: m.name,
    type: m.type,
    values: m.values.map((v) => ({ ...v, exemplar: undefined })),
  }));
}

describe('DirectCounter and DirectHistogram', () => {
  it("expose exactly what prom-client's Counter and Histogram expose for the same events", async () => {
    const { own, direct } = both();
    const text = await direct.metrics();
    expect(text).toBe(await own.metrics());
    expect(text).toContain('x_bucket{le="0.01",type="cds"} 2');
    expect(text).toContain('x_bucket{le="+Inf",type="eds"} 3');
    expect(text).toContain('y_count 7');
    expect(samples(await direct.getMetricsAsJSON())).toEqual(samples(await own.getMetricsAsJSON()));
  });

  it('count observations above the last bucket only in +Inf, _sum and _count', async () => {
    const registry = new Registry();
    const h = new DirectHistogram({ name: 'z', help: 'h', buckets: [1], registry });
    h.counts().observe(5);
    const text = await registry.metrics();
    expect(text).toContain('z_bucket{le="1"} 0');
    expect(text).toContain('z_bucket{le="+Inf"} 1');
    expect(text).toContain('z_sum 5');
  });

  it('reset to zero with the registry, and keep counting in the cells callers hold', async () => {
    const { direct } = both();
    direct.resetMetrics();
    expect(await direct.metrics()).toContain('c{type="cds"} 0');
    expect(await direct.metrics()).toContain('y_count 0');
    const counter = direct.getSingleMetric('c') as DirectCounter;
    counter.cell('cds').value++;
    expect(await direct.metrics()).toContain('c{type="cds"} 1');
  });
});
