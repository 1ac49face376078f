import { ARRAY_TYPES, type DType, type TypedArray } from '../../dtype.js';
import { noteFreshBytes } from './malloc-thresholds.js';
import { markRecyclable, recycledArray } from './storage-recycling.js';

function fresh(dtype: DType, n: number): TypedArray {
  const a = new ARRAY_TYPES[dtype](n);
  noteFreshBytes(a.byteLength);
  return a;
}

/**
 * Allocates zeroed storage for `n` elements of `dtype`. Large arrays may be
 * recycled from dead tensors (zeroed here): writing memory already in use
 * costs no page faults.
 *
 * @example
 * ```ts
 * allocate('float64', 3); // Float64Array [0, 0, 0]
 * ```
 */
export function allocate(dtype: DType, n: number): TypedArray {
  const recycled = recycledArray(dtype, n);
  if (recycled !== undefined) return recycled.fill(0);
  const a = fresh(dtype, n);
  markRecyclable(a);
  return a;
}

/**
 * Allocates storage for `n` elements of `dtype` whose contents are
 * unspecified, for kernels that write every element: a recycled array is
 * handed over without zeroing it.
 *
 * @example
 * ```ts
 * const out = allocateUninit('float32', n);
 * for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!);
 * ```
 */
export function allocateUninit(dtype: DType, n: number): TypedArray {
  const recycled = recycledArray(dtype, n);
  if (recycled !== undefined) return recycled;
  const a = fresh(dtype, n);
  markRecyclable(a);
  return a;
}

