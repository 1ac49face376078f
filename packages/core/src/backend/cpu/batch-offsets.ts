import { stridedOffsets } from '../js/strided.js';

/**
 * The storage offset of each matrix of a batched view `[...batch, rows,
 * cols]`, batch elements in row-major order: how the CPU products walk batch
 * dims that no single stride describes (the heads of attention, `[N, H, L,
 * D]` viewed out of `[N, L, H·D]`), without copying the operand.
 *
 * @example
 * ```ts
 * batchOffsets({ shape: [2, 3, 4, 5], strides: [60, 5, 15, 1], offset: 0 }); // [0, 5, 10, 60, 65, 70]
 * ```
 */
export function batchOffsets(v: { readonly shape: readonly number[]; readonly strides: readonly number[]; readonly offset: number }): Int32Array {
  const nd = v.shape.length;
  return stridedOffsets(v.shape.slice(0, nd - 2), v.strides.slice(0, nd - 2), v.offset);
}
