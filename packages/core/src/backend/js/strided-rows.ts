import type { Shape } from '../../shape.js';

/**
 * A layout walked by {@link rowOffsets}: the same shape read through one or
 * two sets of strides, with adjacent dims merged where every set allows it.
 *
 * @example
 * ```ts
 * const l: RowLayout = { shape: [6], strides: [[1]] };
 * ```
 */
export interface RowLayout {
  readonly shape: readonly number[];
  readonly strides: readonly (readonly number[])[];
}

/**
 * Drops size-1 dims and merges dim `d` into `d + 1` wherever, for every set
 * of strides, stepping `d` is the same as stepping `d + 1` to its end: a
 * contiguous block, or a transposed one read row by row, becomes a few long
 * runs instead of many short ones. Always keeps at least one dim.
 *
 * @example
 * ```ts
 * coalesce([2, 3, 4], [[12, 4, 1]]); // { shape: [24], strides: [[1]] }
 * coalesce([2, 3], [[1, 2]]); // unchanged: a transpose
 * ```
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): RowLayout {
  return merged(shape, strides);
}

/**
 * {@link coalesce} after moving to the end the dim best walked innermost: a
 * long one (16 or more) if there is one, the one the first set of strides
 * steps through most finely among those, the longest on a tie. For kernels
 * whose result does not depend on the order they visit elements in (a copy
 * into a strided destination, an overlap-add), this makes the inner loop a
 * long, cache-friendly one even when the last dim is short.
 *
 * @example
 * ```ts
 * coalesceAnyOrder([32, 3], [[1, 32], [3, 1]]); // { shape: [3, 32], strides: [[32, 1], [1, 3]] }
 * ```
 */
export function coalesceAnyOrder(shape: Shape, strides: readonly (readonly number[])[]): RowLayout {
  const first = strides[0]!;
  const rank = (d: number): [number, number, number] => [shape[d]! >= 16 ? 0 : 1, Math.abs(first[d]!), -shape[d]!];
  const better = (x: [number, number, number], y: [number, number, number]): boolean =>
    x[0] !== y[0] ? x[0] < y[0] : x[1] !== y[1] ? x[1] < y[1] : x[2] < y[2];
  let best = -1;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d]! === 1 || first[d] === 0) continue;
    if (best < 0 || better(rank(d), rank(best))) best = d;
  }
  if (best < 0 || best === shape.length - 1) return merged(shape, strides);
  const order = [...shape.keys()].filter((d) => d !== best).concat(best);
  return merged(
    order.map((d) => shape[d]!),
    strides.map((s) => order.map((d) => s[d]!)),
  );
}

function merged(shape: Shape, strides: readonly (readonly number[])[]): RowLayout {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    const merges = last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size);
    if (merges) {
      outShape[last] = outShape[last]! * size;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [1]) };
  return { shape: outShape, strides: outStrides };
}

/**
 * The offsets of the first element of every run of the last dim of
 * `layout`, in row-major order, under the first set of strides (`a`) and the
 * second (`b`, zeros when there is one set). A kernel then loops over each
 * run itself with the last strides. The tables hold one entry per run, not
 * per element, so a copy of millions of elements builds a few thousand.
 *
 * @example
 * ```ts
 * const l = coalesce(view.shape, [view.strides]);
 * const { a } = rowOffsets(l, [view.offset]);
 * const n = l.shape.at(-1)!, s = l.strides[0]!.at(-1)!;
 * let o = 0;
 * for (const base of a) for (let j = 0; j < n; j++) out[o++] = data[base + j * s]!;
 * ```
 */
export function rowOffsets(layout: RowLayout, offsets: readonly number[]): { a: Int32Array; b: Int32Array } {
  const { shape } = layout;
  const sa = layout.strides[0]!;
  const sb = layout.strides[1] ?? sa.map(() => 0);
  const outer = shape.length - 1;
  let rows = 1;
  for (let d = 0; d < outer; d++) rows *= shape[d]!;
  if (shape[outer] === 0) rows = 0;
  const ra = new Int32Array(rows);
  const rb = new Int32Array(rows);
  const idx = new Array<number>(outer).fill(0);
  let a = offsets[0]!;
  let b = offsets[1] ?? 0;
  for (let r = 0; r < rows; r++) {
    ra[r] = a;
    rb[r] = b;
    for (let d = outer - 1; d >= 0; d--) {
      const i = idx[d]! + 1;
      if (i < shape[d]!) {
        idx[d] = i;
        a += sa[d]!;
        b += sb[d]!;
        break;
      }
      a -= sa[d]! * (shape[d]! - 1);
      b -= sb[d]! * (shape[d]! - 1);
      idx[d] = 0;
    }
  }
  return { a: ra, b: rb };
}

/**
 * The runs of `layout` ready for a kernel's loop: their length, the step
 * along a run under each set of strides (`stepB` is 0 with one set), and the
 * start of every run under each ({@link rowOffsets}).
 *
 * @example
 * ```ts
 * const { len, stepA, a } = runs(coalesce(view.shape, [view.strides]), [view.offset]);
 * let o = 0;
 * for (const base of a) for (let j = 0; j < len; j++) out[o++] = data[base + j * stepA]!;
 * ```
 */
export function runs(layout: RowLayout, offsets: readonly number[]): { len: number; stepA: number; stepB: number; a: Int32Array; b: Int32Array } {
  const last = layout.shape.length - 1;
  const { a, b } = rowOffsets(layout, offsets);
  return { len: layout.shape[last]!, stepA: layout.strides[0]![last]!, stepB: layout.strides[1]?.[last] ?? 0, a, b };
}
