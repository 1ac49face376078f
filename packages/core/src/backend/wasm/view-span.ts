import type { View } from '../backend.js';

/**
 * The range of storage elements `[lo, hi)` a view touches (strides may be
 * negative after a flip, or zero where broadcast), or null when it is empty.
 *
 * @example
 * ```ts
 * viewSpan({ data, shape: [2, 3], strides: [1, 2], offset: 0 }); // { lo: 0, hi: 6 }
 * ```
 */
export function viewSpan(v: View): { lo: number; hi: number } | null {
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
