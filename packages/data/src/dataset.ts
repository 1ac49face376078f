import { DataError } from './errors.js';

/**
 * Anything with a length and an item per index, PyTorch's map-style dataset.
 * Any object with these members is a dataset; `get` may return a promise, for
 * data read on demand (iterate its loader with `for await`).
 *
 * `getBatch`, when present, returns at once the collated batch of the given
 * indices (what the default collate of their items would give); a
 * `DataLoader` without a custom `collate` uses it instead of one `get` per item.
 *
 * @example
 * ```ts
 * const squares: Dataset<[number, number]> = { length: 10, get: (i) => [i, i * i] };
 * ```
 */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
  getBatch?(indices: readonly number[]): T;
}

/**
 * The item type of a dataset, without the promise of an async one.
 *
 * @example
 * ```ts
 * type Pair = ItemOf<TensorDataset>; // Tensor[]
 * ```
 */
export type ItemOf<D> = D extends Dataset<infer T> ? Awaited<T> : never;

/** Checks an index against a length, as every dataset here does (negative indices are not accepted). */
export function checkIndex(op: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new DataError(`${op}: index ${String(index)} is out of range for a dataset of length ${length}`);
  }
}

/**
 * The items of `dataset` at `indices`, in that order, as a dataset of its own.
 *
 * @example
 * ```ts
 * const firstTen = new Subset(dataset, Array.from({ length: 10 }, (_, i) => i));
 * ```
 */
export class Subset<T> implements Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: readonly number[];

  constructor(dataset: Dataset<T>, indices: readonly number[]) {
    for (const i of indices) checkIndex('Subset', i, dataset.length);
    this.dataset = dataset;
    this.indices = [...indices];
    // Only where the wrapped dataset batches, so that a loader falls back to `get` otherwise.
    const inner = dataset.getBatch;
    if (inner !== undefined) {
      this.getBatch = (batch: readonly number[]): T => {
        for (const i of batch) checkIndex('Subset.getBatch', i, this.indices.length);
        return inner.call(dataset, batch.map((i) => this.indices[i]!));
      };
    }
  }

  /**
   * The number of items.
   *
   * @example
   * ```ts
   * new Subset(dataset, [0, 2]).length; // 2
   * ```
   */
  get length(): number {
    return this.indices.length;
  }

  /**
   * The item at `index` of the subset, that is `dataset.get(indices[index])`.
   *
   * @example
   * ```ts
   * new Subset(dataset, [5, 7]).get(1); // dataset.get(7)
   * ```
   */
  get(index: number): T {
    checkIndex('Subset.get', index, this.indices.length);
    return this.dataset.get(this.indices[index]!);
  }

  /**
   * The collated batch of the given subset indices, when the underlying dataset batches.
   *
   * @example
   * ```ts
   * new Subset(tensorDataset, [5, 7]).getBatch?.([0, 1]);
   * ```
   */
  readonly getBatch?: (indices: readonly number[]) => T;
}

