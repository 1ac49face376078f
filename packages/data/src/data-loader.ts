import { checkOptions, optionRules, randperm, type Generator, type OptionRules } from '@tapegrad/core';
import { defaultCollate, type Collated } from './collate.js';
import type { Dataset } from './dataset.js';
import { DataError } from './errors.js';

/**
 * Options of {@link DataLoader}.
 *
 * @example
 * ```ts
 * const opts: DataLoaderOptions<Tensor[], Tensor[]> = { batchSize: 32, shuffle: true, generator: new Generator(0) };
 * ```
 */
export interface DataLoaderOptions<I, B> {
  /** Items per batch (1 by default). */
  readonly batchSize?: number;
  /** Draw a new random order at the start of every pass (false by default). */
  readonly shuffle?: boolean;
  /** Draws the shuffled orders (core's default generator otherwise). */
  readonly generator?: Generator;
  /** Drop the last batch when it is smaller than `batchSize` (false by default). */
  readonly dropLast?: boolean;
  /** Makes a batch of a list of items ({@link defaultCollate} by default). */
  readonly collate?: (items: I[]) => B;
}

const dataLoaderRules: OptionRules = {
  batchSize: optionRules.positiveInteger,
  shuffle: optionRules.boolean,
  generator: optionRules.generator,
  dropLast: optionRules.boolean,
  collate: optionRules.function,
};

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/**
 * Iterates a dataset in mini-batches, PyTorch's `DataLoader` without worker
 * processes: `for (const batch of loader)` for datasets whose `get` returns
 * items, `for await (const batch of loader)` for any dataset, including those
 * whose `get` returns promises (the items of a batch are then awaited
 * together). Each pass draws a new order when `shuffle` is set. Without a
 * custom `collate`, a dataset's `getBatch` (as {@link TensorDataset} has) makes
 * each batch at once.
 *
 * @example
 * ```ts
 * const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 64, shuffle: true, generator: new Generator(0) });
 * for (const [xb, yb] of loader) {
 *   // xb: [64, …], yb: [64]
 * }
 * ```
 */
export class DataLoader<I, B = Collated<I>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: Dataset<I | Promise<I>>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator | undefined;
  private readonly collate: ((items: I[]) => B) | undefined;

  constructor(dataset: Dataset<I | Promise<I>>, options: DataLoaderOptions<I, B> = {}) {
    checkOptions('DataLoader', options, dataLoaderRules);
    const d = dataset as Partial<Dataset<unknown>> | null | undefined;
    if (typeof d !== 'object' || d === null || !Number.isInteger(d.length) || (d.length as number) < 0 || typeof d.get !== 'function') {
      throw new DataError('DataLoader: the dataset must be an object with an integer length >= 0 and a get(index) method');
    }
    this.dataset = dataset;
    this.batchSize = options.batchSize ?? 1;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.generator = options.generator;
    this.collate = options.collate;
  }

  /**
   * The number of batches one pass yields.
   *
   * @example
   * ```ts
   * new DataLoader(new TensorDataset(zeros([10, 2])), { batchSize: 4 }).length; // 3 (2 with dropLast)
   * ```
   */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The index lists of one pass, in order. */
  private batches(): number[][] {
    const n = this.dataset.length;
    const order = this.shuffle ? Array.from(randperm(n, this.generator === undefined ? { device: 'cpu' } : { device: 'cpu', generator: this.generator }).data) : Array.from({ length: n }, (_, i) => i);
    const out: number[][] = [];
    for (let b = 0; b < this.length; b++) out.push(order.slice(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize)));
    return out;
  }

  private make(items: I[]): B {
    return this.collate !== undefined ? this.collate(items) : (defaultCollate(items) as B);
  }

  /**
   * One pass over the dataset, synchronously; throws a `DataError` if the dataset returns promises.
   *
   * @example
   * ```ts
   * for (const [xb, yb] of loader) model.forward(xb);
   * ```
   */
  *[Symbol.iterator](): Iterator<B> {
    const getBatch = this.collate === undefined ? this.dataset.getBatch : undefined;
    for (const indices of this.batches()) {
      if (getBatch !== undefined) {
        const batch = getBatch.call(this.dataset, indices);
        if (isThenable(batch)) throw asyncDataset('getBatch');
        yield batch as unknown as B;
        continue;
      }
      const items = indices.map((i) => this.dataset.get(i));
      if (items.some(isThenable)) throw asyncDataset('get');
      yield this.make(items as I[]);
    }
  }

  /**
   * One pass over the dataset, awaiting the items of each batch together.
   *
   * @example
   * ```ts
   * for await (const batch of new DataLoader(filesDataset, { batchSize: 8 })) train(batch);
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const getBatch = this.collate === undefined ? this.dataset.getBatch : undefined;
    for (const indices of this.batches()) {
      if (getBatch !== undefined) {
        yield (await getBatch.call(this.dataset, indices)) as B;
        continue;
      }
      const items = await Promise.all(indices.map((i) => this.dataset.get(i)));
      yield this.make(items);
    }
  }
}

function asyncDataset(method: string): DataError {
  return new DataError(`DataLoader: the dataset's ${method} returned a promise; iterate this loader with for await (const batch of loader)`);
}
