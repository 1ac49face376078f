import type { DType, TypedArray } from '../../dtype.js';
import { allocate } from '../cpu/allocate.js';
import { contiguousStrides } from '../../shape.js';
import type { ArrayView } from '../cpu/cpu-kernels.js';
import { coalesceAnyOrder, runs } from './strided-rows.js';

/**
 * Overlap-add of sliding windows back into the dim they were taken from: the
 * adjoint of `unfold`. Positions covered by several windows get the sum.
 *
 * @example
 * ```ts
 * fold(windows, 2, 3, 1, 1, 8, 'float32'); // [N, C, 6, 3] → [N, C, 8]
 * ```
 */
export function fold(x: ArrayView, dim: number, _size: number, step: number, dilation: number, length: number, outDtype: DType): TypedArray {
  const outShape = x.shape.slice(0, -1);
  outShape[dim] = length;
  const outStrides = contiguousStrides(outShape);
  let n = 1;
  for (const s of outShape) n *= s;
  const out = allocate(outDtype, n);
  // The windows seen as an overlapping view of `out`: writing through it adds up the overlaps.
  const windowStrides = [...outStrides, outStrides[dim]! * dilation];
  windowStrides[dim] = outStrides[dim]! * step;
  const { len, stepA: sx, stepB: sw, a: rx, b: rw } = runs(coalesceAnyOrder(x.shape, [x.strides, windowStrides]), [x.offset, 0]);
  const xd = x.data;
  for (let r = 0; r < rx.length; r++) {
    const a = rx[r]!;
    const b = rw[r]!;
    for (let j = 0; j < len; j++) out[b + j * sw]! += xd[a + j * sx]!;
  }
  return out;
}
