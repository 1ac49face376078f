import { ShapeError, Tensor, fmtShape, tensor } from '@tapegrad/core';
import { checkIndex, type Dataset } from './dataset.js';
import { DataError } from './errors.js';

/**
 * A dataset of tensors indexed along their first dimension, PyTorch's
 * `TensorDataset`: item `i` is `[t0[i], t1[i], …]`. Every tensor must have the
 * same first dimension; the item type is the tuple of tensors given. Batches are taken with one `indexSelect` per tensor
 * rather than one view per item.
 *
 * @example
 * ```ts
 * const ds = new TensorDataset(randn([100, 3]), tensor(labels, { dtype: 'int32' }));
 * const [x, y] = ds.get(0); // x: [3], y: [] (0-d)
 * ```
 */
export class TensorDataset<T extends Tensor[] = Tensor[]> implements Dataset<T> {
  readonly tensors: Readonly<T>;

  constructor(...tensors: T) {
    if (tensors.length === 0) throw new DataError('TensorDataset: needs at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new DataError(`TensorDataset: argument ${i} is not a tensor`);
      if (t.ndim === 0) throw new ShapeError(`TensorDataset: tensor ${i} is 0-d (shape []); every tensor needs a first dimension to index`);
    });
    const n = tensors[0]!.shape[0]!;
    if (tensors.some((t) => t.shape[0] !== n)) {
      throw new ShapeError(`TensorDataset: every tensor must have the same size in the first dimension, got shapes ${tensors.map((t) => fmtShape(t.shape)).join(', ')}`);
    }
    this.tensors = [...tensors] as T;
  }

  /**
   * The number of items: the first dimension of the tensors.
   *
   * @example
   * ```ts
   * new TensorDataset(zeros([5, 2])).length; // 5
   * ```
   */
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  /**
   * Item `index`: a view of row `index` of each tensor.
   *
   * @example
   * ```ts
   * const [x, y] = ds.get(3);
   * ```
   */
  get(index: number): T {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => t.select(0, index)) as T;
  }

  /**
   * The rows at `indices` of each tensor, stacked: the batch the default collate would make.
   *
   * @example
   * ```ts
   * const [xb, yb] = ds.getBatch([0, 5, 2]); // xb: [3, …], yb: [3, …]
   * ```
   */
  getBatch(indices: readonly number[]): T {
    for (const i of indices) checkIndex('TensorDataset.getBatch', i, this.length);
    // Made on the CPU and moved to each tensor's device (the tensors may sit on different ones).
    const index = tensor(Int32Array.from(indices), { device: 'cpu' });
    return this.tensors.map((t) => t.indexSelect(0, index.to(t.device))) as T;
  }
}
