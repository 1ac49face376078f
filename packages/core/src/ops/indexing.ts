import { DTypeError, IndexError, ShapeError, fmtShape } from '../errors.js';
import { apply } from '../primitives/apply.js';
import { broadcastShapes, normalizeDim, shapesEqual } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor/tensor.js';
import { arange } from '../tensor/creation.js';
import { canReadSync, copyData, requireSyncRead, where } from './elementwise.js';
import { reshape, expand, narrow, unsqueeze } from './movement.js';
import { physicalOf } from '../primitives/batching.js';

function checkIndexDtype(op: string, index: Tensor): void {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be an int32 tensor, got ${index.dtype}`);
}

/** `t` with every broadcast dim (stride 0) narrowed to its first element: each stored value once. */
function distinctElements(t: Tensor): Tensor {
  let out = t;
  for (let d = 0; d < t.ndim; d++) if (t.strides[d] === 0 && t.shape[d]! > 1) out = narrow(out, d, 0, 1);
  return out;
}

/**
 * Throws unless every index is in [0, size). Skipped on a device read only
 * asynchronously (a GPU), where the kernels define the out-of-range case:
 * gather reads NaN (0 for integers), scatterAdd drops the element.
 */
function checkRange(op: string, index: Tensor, size: number, what: string): void {
  if (!canReadSync(index)) return;
  // Inside vmap, the indices of every example; an expanded index (indexSelect's) read once per distinct element.
  const data = copyData(distinctElements(physicalOf(index)), 'int32');
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < 0 || v >= size) throw new IndexError(`${op}: index ${v} is out of range for ${what} of size ${size}`);
  }
}

/**
 * `out[p] = x[p with p[dim] = index[p]]`; `index` is int32 with as many dims as `x`.
 *
 * @example
 * ```ts
 * gather(tensor([[1, 2], [3, 4]]), 1, tensor([[1], [0]], { dtype: 'int32' })); // [[2], [3]]
 * ```
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndexDtype('gather', index);
  const d = normalizeDim('gather', dim, x.ndim);
  if (index.ndim !== x.ndim || index.shape.some((s, k) => k !== d && s > x.shape[k]!)) {
    throw new ShapeError(`gather: index of shape ${fmtShape(index.shape)} does not fit input of shape ${fmtShape(x.shape)} along dim ${dim}: same number of dims, and no larger than the input outside dim`);
  }
  checkRange('gather', index, x.shape[d] ?? 1, `dim ${dim}`);
  return apply('gather', [x, index], { dim: d });
}

/**
 * A copy of `x` with `src[p]` added at `p with p[dim] = index[p]` for every
 * position `p` of `index`; repeated indices add up.
 *
 * @example
 * ```ts
 * scatterAdd(zeros([3]), 0, tensor([0, 2, 0], { dtype: 'int32' }), tensor([1, 2, 3])); // [4, 0, 2]
 * ```
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkIndexDtype('scatterAdd', index);
  const d = normalizeDim('scatterAdd', dim, x.ndim);
  const fits = index.ndim === x.ndim && src.ndim === x.ndim && index.shape.every((s, k) => s <= src.shape[k]! && (k === d || s <= x.shape[k]!));
  if (!fits) {
    throw new ShapeError(`scatterAdd: index ${fmtShape(index.shape)}, src ${fmtShape(src.shape)} and input ${fmtShape(x.shape)} must have the same number of dims, with index no larger than src, nor than the input outside dim ${dim}`);
  }
  checkRange('scatterAdd', index, x.shape[d] ?? 1, `dim ${dim}`);
  return apply('scatterAdd', [x, index, src.to(x.dtype)], { dim: d });
}

/**
 * The entries of `x` at the 1-D int32 `index` along `dim`.
 *
 * @example
 * ```ts
 * indexSelect(embeddings, 0, tensor([3, 1], { dtype: 'int32' }));
 * ```
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndexDtype('indexSelect', index);
  if (index.ndim > 1) throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(index.shape)}`);
  const d = normalizeDim('indexSelect', dim, x.ndim);
  checkRange('indexSelect', index, x.shape[d] ?? 1, `dim ${dim}`);
  const n = index.numel;
  const shape = x.shape.map((s, k) => (k === d ? n : s));
  const idx = expand(reshape(index, x.shape.map((_, k) => (k === d ? n : 1))), shape);
  return gather(x, d, idx);
}

/**
 * `x` with the elements where the bool `mask` is true replaced by `value`;
 * the mask broadcasts to `x`'s shape.
 *
 * @example
 * ```ts
 * maskedFill(scores, causalMask, -Infinity);
 * ```
 */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorLike): Tensor {
  if (mask.dtype !== 'bool') throw new DTypeError(`maskedFill: mask must be a bool tensor, got ${mask.dtype}`);
  const shape = broadcastShapes('maskedFill', x.shape, mask.shape);
  if (!shapesEqual(shape, x.shape)) {
    throw new ShapeError(`maskedFill: mask of shape ${fmtShape(mask.shape)} must broadcast to the input's shape ${fmtShape(x.shape)}`);
  }
  const v = typeof value === 'number' ? value : value.to(x.dtype);
  return where(mask, v, x).to(x.dtype);
}

/**
 * One-hot encoding of int32 class indices: a new last dim of `numClasses`
 * (by default the largest index + 1), int32 like PyTorch's integer result.
 *
 * @example
 * ```ts
 * oneHot(tensor([0, 2], { dtype: 'int32' }), 3); // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot(index: Tensor, numClasses = -1): Tensor {
  checkIndexDtype('oneHot', index);
  if (numClasses < 0) requireSyncRead('oneHot (finding numClasses from the largest index; pass numClasses)', index);
  if (!canReadSync(index)) return unsqueeze(index, -1).eq(arange(numClasses, { dtype: 'int32', device: index.device })).to('int32');
  const data = copyData(index, 'int32');
  let max = -1;
  for (let i = 0; i < data.length; i++) max = Math.max(max, data[i]!);
  const classes = numClasses < 0 ? max + 1 : numClasses;
  checkRange('oneHot', index, classes, 'numClasses');
  return unsqueeze(index, -1).eq(arange(classes, { dtype: 'int32', device: index.device })).to('int32');
}
