import type { DType, TypedArray } from '../../../dtype.js';
import { allocateUninit } from '../../cpu/allocate.js';
import type { ArrayView } from '../../cpu/cpu-kernels.js';
import { streamLayout } from './stream-layout.js';

function numel(v: ArrayView): number {
  let n = 1;
  for (const s of v.shape) n *= s;
  return n;
}

/**
 * `copy` of a contiguous view by `TypedArray.prototype.set`, which converts
 * between element types natively with the same rules as the reference's
 * element-by-element assignment (rounding to float32, ToInt32 for int32); null
 * for strided views and for bool output (which must normalise to 0/1).
 *
 * @example
 * ```ts
 * typedCopy(maskView, 'float32') ?? jsBackend.copy(maskView, 'float32');
 * ```
 */
export function typedCopy(x: ArrayView, outDtype: DType): TypedArray | null {
  if (outDtype === 'bool' || streamLayout(x)?.kind !== 'contiguous') return null;
  const n = numel(x);
  const out = allocateUninit(outDtype, n);
  out.set(x.data.subarray(x.offset, x.offset + n));
  return out;
}

/**
 * `assign` of a contiguous source into a contiguous destination of the same
 * element type (the in-place ops of an optimizer step) as one block copy, or
 * of a scalar source as a fill; false when the layouts need the reference.
 *
 * @example
 * ```ts
 * if (!typedAssign(dst, src)) jsBackend.assign(dst, src);
 * ```
 */
export function typedAssign(dst: ArrayView, src: ArrayView): boolean {
  if (dst.data.constructor !== src.data.constructor || streamLayout(dst)?.kind !== 'contiguous') return false;
  const n = numel(dst);
  const layout = streamLayout(src);
  if (layout?.kind === 'contiguous') {
    // Same storage and overlapping ranges are fine: set() copies as if through a temporary.
    dst.data.set(src.data.subarray(src.offset, src.offset + n), dst.offset);
    return true;
  }
  if (layout?.kind === 'scalar' && n > 0) {
    dst.data.fill(src.data[src.offset]!, dst.offset, dst.offset + n);
    return true;
  }
  return false;
}
