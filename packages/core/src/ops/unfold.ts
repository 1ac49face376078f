import { IndexError, ShapeError, fmtShape } from '../errors.js';
import { apply } from '../primitives/apply.js';
import { normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor/tensor.js';

function checkWindow(op: string, size: number, step: number, dilation: number): void {
  const bad = (v: number): boolean => !Number.isInteger(v) || v < 1;
  if (bad(size) || bad(step) || bad(dilation)) {
    throw new IndexError(`${op}: size, step and dilation must be positive integers, got size ${size}, step ${step}, dilation ${dilation}`);
  }
}

/**
 * The sliding windows of `size` elements along `dim`, one every `step`
 * elements, as a view (PyTorch's `Tensor.unfold`): `dim` becomes the window
 * index and a new last dim runs through each window. With `dilation` > 1 the
 * elements of a window are `dilation` apart. Windows may overlap; their
 * gradients add up ({@link fold}).
 *
 * @example
 * ```ts
 * unfold(arange(5), 0, 3, 1).toArray(); // [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
 * ```
 */
export function unfold(x: Tensor, dim: number, size: number, step: number, dilation = 1): Tensor {
  if (x.ndim === 0) throw new ShapeError('unfold: a 0-d tensor has no dim to slide a window along');
  const d = normalizeDim('unfold', dim, x.ndim);
  checkWindow('unfold', size, step, dilation);
  const length = x.shape[d]!;
  const span = dilation * (size - 1) + 1;
  if (span > length) {
    throw new ShapeError(`unfold: a window spanning ${span} elements (size ${size}, dilation ${dilation}) does not fit in dim ${dim} of size ${length} (shape ${fmtShape(x.shape)})`);
  }
  return apply('unfold', [x], { dim: d, size, step, dilation, length });
}

/**
 * Overlap-add, the adjoint of {@link unfold}: `x` holds windows (their index
 * at `dim`, their elements in the last dim), which are summed back into a
 * dim of `length` elements where they were taken from.
 *
 * @example
 * ```ts
 * fold(ones([3, 3]), 0, 3, 1, 5).toArray(); // [1, 2, 3, 2, 1]
 * ```
 */
export function fold(x: Tensor, dim: number, size: number, step: number, length: number, dilation = 1): Tensor {
  checkWindow('fold', size, step, dilation);
  if (x.ndim < 2 || x.shape[x.ndim - 1] !== size) {
    throw new ShapeError(`fold: expected windows of ${size} elements in the last dim, got shape ${fmtShape(x.shape)}`);
  }
  const d = normalizeDim('fold', dim, x.ndim - 1);
  const windows = length < dilation * (size - 1) + 1 ? 0 : Math.floor((length - dilation * (size - 1) - 1) / step) + 1;
  if (x.shape[d] !== windows) {
    throw new ShapeError(`fold: ${length} elements hold ${windows} windows of size ${size} (step ${step}, dilation ${dilation}), but dim ${dim} of ${fmtShape(x.shape)} has ${x.shape[d]}`);
  }
  return apply('fold', [x], { dim: d, size, step, dilation, length });
}
