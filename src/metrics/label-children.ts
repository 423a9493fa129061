/**
 * Pre-bound label children of a metric, made once per distinct label combination and then
 * reused: the hot path looks a child up in nested Maps instead of building a label object per
 * request (prom-client would hash a label object on every call; decision 0311). The number of children per label
 * is capped: a value past the cap is recorded as `other`, so even a caller that passed
 * unbounded input by mistake cannot grow the series without limit (docs/metrics.md).
 */
export const OVERFLOW_LABEL = 'other';

/** Distinct values one label may take before new ones become `other`. */
export const MAX_VALUES_PER_LABEL = 256;

export class LabelChildren<T> {
  private readonly root = new Map<string, unknown>();
  /** Every child made, with its label values, in the order made (read at scrape time). */
  private readonly made: Array<[readonly string[], T]> = [];

  /** `make` builds the child for one combination of label values (in the metric's order). */
  constructor(
    private readonly depth: number,
    private readonly make: (values: string[]) => T,
  ) {}

  one(a: string): T {
    return (this.root.get(a) as T | undefined) ?? this.create([a]);
  }

  two(a: string, b: string): T {
    const inner = this.root.get(a) as Map<string, T> | undefined;
    return inner?.get(b) ?? this.create([a, b]);
  }

  three(a: string, b: string, c: string): T {
    const inner = (this.root.get(a) as Map<string, unknown> | undefined)?.get(b) as
      Map<string, T> | undefined;
    return inner?.get(c) ?? this.create([a, b, c]);
  }

  /** Every child with the label values it was made for. */
  entries(): ReadonlyArray<readonly [readonly string[], T]> {
    return this.made;
  }

  /** The slow path, once per new combination: values past the cap become `other`. */
  private create(values: string[]): T {
    let level = this.root;
    for (let index = 0; index < this.depth; index++) {
      if (!level.has(values[index]) && level.size >= MAX_VALUES_PER_LABEL) {
        values[index] = OVERFLOW_LABEL;
      }
      let next = level.get(values[index]);
      if (next === undefined) {
        if (index === this.depth - 1) {
          next = this.make(values);
          this.made.push([values, next as T]);
        } else {
          next = new Map<string, unknown>();
        }
        level.set(values[index], next);
      }
      if (index === this.depth - 1) return next as T;
      level = next as Map<string, unknown>;
    }
    throw new Error('LabelChildren: depth must be at least 1');
  }
}
