import type { View } from '../backend/backend.js';
import { allocate, dtypeOfArray, type DType, type TypedArray } from '../dtype.js';
import { shapesEqual, tensorStrides, type Shape } from '../shape.js';
import { Storage } from './storage.js';
import { Tensor } from './tensor.js';

/**
 * A contiguous tensor over freshly computed data (no copy).
 *
 * @example
 * ```ts
 * fromData(new Float32Array([1, 2]), [2]);
 * ```
 */
export function fromData(data: TypedArray, shape: Shape, dtype: DType = dtypeOfArray(data)): Tensor {
  return new Tensor(new Storage(data), shape, tensorStrides(shape), 0, dtype);
}

/**
 * A tensor over `t`'s storage with another layout. It is not yet a view for
 * autograd: `apply` makes the output of a view primitive one (it knows how to
 * take the view again); `detach` leaves its alias out of the graph.
 *
 * @example
 * ```ts
 * viewOf(t, [3, 2], [1, 3], 0); // a transpose of a contiguous [2, 3]
 * ```
 */
export function viewOf(t: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  return new Tensor(t.storage, shape, strides, offset, t.dtype);
}

/**
 * What a kernel reads of a tensor.
 *
 * @example
 * ```ts
 * getBackend().unary('exp', kernelView(t), 'float32');
 * ```
 */
export function kernelView(t: Tensor): View {
  return { data: t.storage.data, shape: t.shape, strides: t.strides, offset: t.offset };
}

/**
 * A kernel view of `t` broadcast to `shape` (stride 0 on expanded dims).
 *
 * @example
 * ```ts
 * broadcastView(bias, [32, 10]);
 * ```
 */
export function broadcastView(t: Tensor, shape: Shape): View {
  if (t.shape === shape || shapesEqual(t.shape, shape)) return kernelView(t);
  const lead = shape.length - t.ndim;
  const strides = shape.map((s, i) => {
    if (i < lead) return 0;
    const own = t.shape[i - lead]!;
    return own === 1 && s !== 1 ? 0 : t.strides[i - lead]!;
  });
  return { data: t.storage.data, shape, strides, offset: t.offset };
}

// 0-d constants are immutable once made (no user holds them to write into),
// so the most recent ones are shared: ops with plain-number operands are common.
const SCALAR_CACHE_SIZE = 256;
const scalarCache: Record<DType, Map<number, Tensor>> = { float32: new Map(), float64: new Map(), int32: new Map(), bool: new Map() };

/**
 * A shared 0-d tensor holding `value`, for a plain-number operand.
 *
 * @example
 * ```ts
 * constant(0.5, 'float32');
 * ```
 */
export function constant(value: number, dtype: DType): Tensor {
  const cache = scalarCache[dtype];
  let t = cache.get(value);
  if (t === undefined || Object.is(value, -0) || Number.isNaN(value)) {
    t = scalar(value, dtype);
    if (cache.size >= SCALAR_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(value, t);
  }
  return t;
}

/**
 * A 0-d tensor holding `value`.
 *
 * @example
 * ```ts
 * scalar(2, 'float64');
 * ```
 */
export function scalar(value: number, dtype: DType): Tensor {
  const data = allocate(dtype, 1);
  data[0] = dtype === 'bool' ? (value ? 1 : 0) : value;
  return fromData(data, [], dtype);
}
