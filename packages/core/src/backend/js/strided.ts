import { isContiguous, type Shape } from '../../shape.js';
import type { ArrayView } from '../cpu/cpu-kernels.js';

/**
 * Storage offsets of every element of a view, in row-major order. Kernels use
 * it for views that are not contiguous; the innermost dim runs without lookups.
 *
 * @example
 * ```ts
 * stridedOffsets([2, 2], [1, 2], 0); // Int32Array [0, 2, 1, 3]
 * ```
 */
export function stridedOffsets(shape: Shape, strides: readonly number[], offset: number): Int32Array {
  const ndim = shape.length;
  let n = 1;
  for (const s of shape) n *= s;
  const out = new Int32Array(n);
  if (n === 0) return out;
  if (ndim === 0) {
    out[0] = offset;
    return out;
  }
  const inner = shape[ndim - 1]!;
  const innerStride = strides[ndim - 1]!;
  const idx = new Array<number>(ndim).fill(0);
  let base = offset;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = base + j * innerStride;
    // advance the outer counter (dims 0..ndim-2)
    for (let d = ndim - 2; d >= 0; d--) {
      const i = idx[d]! + 1;
      if (i < shape[d]!) {
        idx[d] = i;
        base += strides[d]!;
        break;
      }
      base -= strides[d]! * (shape[d]! - 1);
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Offsets of a view, or `null` when it is contiguous (then offset + i is element i).
 *
 * @example
 * ```ts
 * offsetsOrNull(view) ?? 'contiguous';
 * ```
 */
export function offsetsOrNull(v: ArrayView): Int32Array | null {
  return isContiguous(v.shape, v.strides) ? null : stridedOffsets(v.shape, v.strides, v.offset);
}
