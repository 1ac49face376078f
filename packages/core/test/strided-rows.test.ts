import { describe, expect, it } from 'vitest';
import { jsKernels } from '../src/backend/js/js-kernels.js';
import type { ArrayView as View } from '../src/backend/cpu/cpu-kernels.js';
import { coalesce, coalesceAnyOrder, rowOffsets } from '../src/backend/js/strided-rows.js';

// The run-by-run walk that strided copies, overlap-adds and broadcast
// arithmetic use, against offsets computed element by element.

/** Storage offset of every element of a view, row-major, the slow obvious way. */
function offsetsOf(v: View): number[] {
  const out: number[] = [];
  const idx = v.shape.map(() => 0);
  const n = v.shape.reduce((p, s) => p * s, 1);
  for (let i = 0; i < n; i++) {
    out.push(v.offset + idx.reduce((p, x, d) => p + x * v.strides[d]!, 0));
    for (let d = v.shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < v.shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

const data = Float32Array.from({ length: 400 }, (_, i) => i);
// Permuted, flipped, sliced, broadcast and size-1 layouts of a [2, 3, 4, 5] block.
const views: View[] = [
  { data, shape: [2, 3, 4, 5], strides: [60, 20, 5, 1], offset: 0 },
  { data, shape: [5, 4, 3, 2], strides: [1, 5, 20, 60], offset: 0 },
  { data, shape: [3, 2, 5, 4], strides: [20, 60, 1, 5], offset: 7 },
  { data, shape: [2, 3, 4, 5], strides: [60, 20, -5, -1], offset: 19 },
  { data, shape: [2, 1, 4, 5], strides: [60, 999, 10, 2], offset: 3 },
  { data, shape: [2, 3, 4, 5], strides: [0, 1, 0, 0], offset: 2 },
];

describe('strided rows', () => {
  it('visit every element once, at the same offsets as element-by-element indexing', () => {
    for (const v of views) {
      const layout = coalesce(v.shape, [v.strides]);
      const last = layout.shape.length - 1;
      const got: number[] = [];
      for (const base of rowOffsets(layout, [v.offset]).a) for (let j = 0; j < layout.shape[last]!; j++) got.push(base + j * layout.strides[0]![last]!);
      expect(got).toEqual(offsetsOf(v));
    }
  });

  it('merges contiguous dims into one run and keeps a transpose apart', () => {
    expect(coalesce([2, 3, 4], [[12, 4, 1]])).toEqual({ shape: [24], strides: [[1]] });
    expect(coalesce([2, 3], [[1, 2]])).toEqual({ shape: [2, 3], strides: [[1, 2]] });
    expect(coalesce([1, 1], [[5, 7]])).toEqual({ shape: [1], strides: [[1]] });
  });

  it('in any order, walk a long, fine-strided dim innermost and pair both stride sets', () => {
    // Windows of 3 along a dim of 32: the run is the 32, not the 3.
    const l = coalesceAnyOrder([32, 3], [[1, 32], [3, 1]]);
    expect(l).toEqual({ shape: [3, 32], strides: [[32, 1], [1, 3]] });
    // Pairs visited in any order are the same set as in row-major order.
    for (const v of views) {
      const out = v.shape.map((_, d) => v.shape.slice(d + 1).reduce((p, s) => p * s, 1));
      const any = coalesceAnyOrder(v.shape, [v.strides, out]);
      const last = any.shape.length - 1;
      const rows = rowOffsets(any, [v.offset, 0]);
      const pairs: string[] = [];
      for (let r = 0; r < rows.a.length; r++) {
        for (let j = 0; j < any.shape[last]!; j++) pairs.push(`${rows.b[r]! + j * any.strides[1]![last]!}:${rows.a[r]! + j * any.strides[0]![last]!}`);
      }
      const want = offsetsOf(v).map((o, i) => `${i}:${o}`);
      expect(pairs.sort()).toEqual(want.sort());
    }
  });

  it('drive copy, broadcast arithmetic and overlap-add to the element-by-element results', () => {
    for (const v of views) {
      expect(Array.from(jsKernels.copy(v, 'float32'))).toEqual(offsetsOf(v));
      const ones: View = { data: new Float32Array([1]), shape: v.shape, strides: v.shape.map(() => 0), offset: 0 };
      expect(Array.from(jsKernels.binary('add', v, ones, 'float32'))).toEqual(offsetsOf(v).map((o) => o + 1));
    }
    // fold of all-ones windows (3 wide, step 1) over 6 positions counts the windows covering each.
    const windows: View = { data: new Float32Array(12).fill(1), shape: [4, 3], strides: [3, 1], offset: 0 };
    expect(Array.from(jsKernels.fold(windows, 0, 3, 1, 1, 6, 'float32'))).toEqual([1, 2, 3, 3, 2, 1]);
  });
});
