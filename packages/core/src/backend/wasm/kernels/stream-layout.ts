import type { ArrayView } from '../../cpu/cpu-kernels.js';

/**
 * How a kernel can stream a (broadcast) view in row-major order:
 * - `contiguous`: element `i` is at `offset + i`;
 * - `scalar`: every element is at `offset`;
 * - `rows`: a contiguous row of `len` elements repeated (a broadcast bias);
 * or null for anything else (transposes, slices with steps), which the
 * reference kernels handle.
 *
 * @example
 * ```ts
 * streamLayout({ data, shape: [256, 512], strides: [0, 1], offset: 0 }); // { kind: 'rows', len: 512 }
 * ```
 */
export type StreamLayout = { readonly kind: 'contiguous' } | { readonly kind: 'scalar' } | { readonly kind: 'rows'; readonly len: number };

/**
 * The streaming layout of a view (see `StreamLayout`).
 *
 * @example
 * ```ts
 * streamLayout(view)?.kind; // 'contiguous'
 * ```
 */
export function streamLayout(v: ArrayView): StreamLayout | null {
  let len = 1;
  let d = v.shape.length - 1;
  // The innermost run of dims laid out contiguously (size-1 dims have any stride).
  for (; d >= 0; d--) {
    const s = v.shape[d]!;
    if (s === 1) continue;
    if (v.strides[d] !== len) break;
    len *= s;
  }
  if (d < 0) return { kind: 'contiguous' };
  for (let e = d; e >= 0; e--) if (v.shape[e] !== 1 && v.strides[e] !== 0) return null;
  return len === 1 ? { kind: 'scalar' } : { kind: 'rows', len };
}
