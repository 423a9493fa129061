import { LabelChildren } from './label-children';

/**
 * Counters and histograms whose hot path is a field update. prom-client's own label children
 * re-validate and re-hash their labels on every `inc()` and `observe()`; these keep one plain
 * cell per label combination (made once, found through LabelChildren) and turn the cells into
 * samples only when Prometheus scrapes. They register with a prom-client Registry through its
 * metric interface (`name`, `help`, `type`, `aggregator`, `get()`), so the text format, the
 * JSON that cluster workers send their primary and the primary's sums are prom-client's own
 * (docs/metrics.md, decision 0311).
 */

/** One sample as prom-client's registries read it (`metricName` for histogram parts). */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** What prom-client's Registry reads from a metric at each scrape. */
interface MetricSnapshot {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Sample[];
  aggregator: 'sum';
}

export class CounterCell {
  value = 0;

  inc(): void {
    this.value++;
  }
}

export class HistogramCell {
  /** Observations per bucket, not cumulative: bucket i holds bounds[i-1] < v <= bounds[i]. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]) index++;
    if (index < bounds.length) this.counts[index]++;
    this.sum += value;
    this.count++;
  }
}

abstract class Series<T> {
  readonly aggregator = 'sum' as const;
  readonly cells: LabelChildren<T>;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    make: () => T,
  ) {
    this.cells = new LabelChildren<T>(Math.max(1, labelNames.length), make);
  }

  /** The label object of one cell, by the values LabelChildren recorded for it. */
  protected labelsOf(values: readonly string[]): Record<string, string> {
    const labels: Record<string, string> = {};
    this.labelNames.forEach((label, index) => (labels[label] = values[index]));
    return labels;
  }
}

/** A counter; with no label names its one cell is `cells.one('')`, use `unlabelled()`. */
export class CounterSeries extends Series<CounterCell> {
  readonly type = 'counter';

  constructor(name: string, help: string, labelNames: readonly string[]) {
    super(name, help, labelNames, () => new CounterCell());
  }

  get(): MetricSnapshot {
    const values = this.cells.entries().map(([labelValues, cell]) => ({
      labels: this.labelsOf(labelValues),
      value: cell.value,
    }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}

/** A histogram with fixed bucket bounds (seconds), exported as Prometheus expects. */
export class HistogramSeries extends Series<HistogramCell> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames, () => new HistogramCell(bounds));
  }

  /** The one cell of a histogram without labels. */
  unlabelled(): HistogramCell {
    return this.cells.one('');
  }

  get(): MetricSnapshot {
    const values: Sample[] = [];
    for (const [labelValues, cell] of this.cells.entries()) {
      const labels = this.labelsOf(labelValues);
      let cumulative = 0;
      this.bounds.forEach((bound, index) => {
        cumulative += cell.counts[index];
        values.push({
          labels: { ...labels, le: bound },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      });
      values.push(
        { labels: { ...labels, le: '+Inf' }, value: cell.count, metricName: `${this.name}_bucket` },
        { labels, value: cell.sum, metricName: `${this.name}_sum` },
        { labels, value: cell.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}
