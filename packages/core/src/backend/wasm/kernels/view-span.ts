import { numelOf } from '../../../shape.js';
import type { ArrayView } from '../../cpu/cpu-kernels.js';

/**
 * The range of storage elements `[lo, hi)` a view touches (strides may be
 * negative after a flip, or zero where broadcast), or null when it is empty.
 *
 * @example
 * ```ts
 * viewSpan({ data, shape: [2, 3], strides: [1, 2], offset: 0 }); // { lo: 0, hi: 6 }
 * ```
 */
export function viewSpan(v: ArrayView): { lo: number; hi: number } | null {
  let lo = v.offset;
  let hi = v.offset;
  for (let d = 0; d < v.shape.length; d++) {
    const n = v.shape[d]!;
    if (n === 0) return null;
    const reach = v.strides[d]! * (n - 1);
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  return { lo, hi: hi + 1 };
}

/**
 * `viewSpan` of a view worth copying into wasm memory whole: null when it is
 * empty or reaches far beyond its elements (a small slice of a big tensor),
 * where staging the span would cost more than the kernel saves.
 *
 * @example
 * ```ts
 * const span = stageableSpan(x);
 * if (span === null) return null; // the reference's loop instead
 * ```
 */
export function stageableSpan(v: ArrayView): { lo: number; hi: number } | null {
  const span = viewSpan(v);
  return span === null || span.hi - span.lo > 4 * numelOf(v.shape) + 4096 ? null : span;
}
