import type { DType, TypedArray } from '../../dtype.js';
import { allocateUninit } from '../cpu/allocate.js';
import type { ArrayView } from '../cpu/cpu-kernels.js';
import type { ArgReduceKernel, ReduceKernel } from '../../primitives/primitives.js';
import { isContiguous } from '../../shape.js';
import { stridedOffsets } from './strided.js';

/**
 * Splits a view into (kept dims, reduced dims): `outN` results of `inner`
 * elements each, the element `i` of result `o` at `offs[o·inner + i]`. A
 * contiguous view reduced over its trailing dims (rows: a softmax's max, a
 * loss's sum) needs no table: `offs` is then null and the element is at
 * `offset + o·inner + i`.
 */
function reducedLayout(x: ArrayView, axes: readonly number[]): { outN: number; inner: number; offs: Int32Array | null } {
  const nd = x.shape.length;
  if (isContiguous(x.shape, x.strides) && axes.every((d, i) => d === nd - axes.length + i)) {
    let inner = 1;
    for (const d of axes) inner *= x.shape[d]!;
    let outN = 1;
    for (let d = 0; d < nd - axes.length; d++) outN *= x.shape[d]!;
    return { outN, inner, offs: null };
  }
  const kept: number[] = [];
  for (let d = 0; d < x.shape.length; d++) if (!axes.includes(d)) kept.push(d);
  const order = [...kept, ...axes];
  const shape = order.map((d) => x.shape[d]!);
  const strides = order.map((d) => x.strides[d]!);
  let outN = 1;
  for (const d of kept) outN *= x.shape[d]!;
  let inner = 1;
  for (const d of axes) inner *= x.shape[d]!;
  return { outN, inner, offs: stridedOffsets(shape, strides, x.offset) };
}

/**
 * Calls `each(o, data, start)` for every result `o` with its `inner`
 * elements contiguous in `data` from `start`: the view's own storage when
 * the layout needs no table, otherwise a row gathered into a scratch array.
 */
function forEachRow(x: ArrayView, layout: ReturnType<typeof reducedLayout>, each: (o: number, data: ArrayLike<number>, start: number) => void): void {
  const { outN, inner, offs } = layout;
  if (offs === null) {
    for (let o = 0; o < outN; o++) each(o, x.data, x.offset + o * inner);
    return;
  }
  const row = new Float64Array(inner);
  const d = x.data;
  for (let o = 0, base = 0; o < outN; o++, base += inner) {
    for (let i = 0; i < inner; i++) row[i] = d[offs[base + i]!]!;
    each(o, row, 0);
  }
}

/**
 * `op` over `n` elements of `d` from `start`, continuing from `acc` (a NaN
 * wins max and min, as in PyTorch, and stays once in).
 */
function reduceRow(op: ReduceKernel, d: ArrayLike<number>, start: number, n: number, acc: number): number {
  const end = start + n;
  switch (op) {
    case 'sum':
      for (let i = start; i < end; i++) acc += d[i]!;
      return acc;
    case 'prod':
      for (let i = start; i < end; i++) acc *= d[i]!;
      return acc;
    case 'max':
      for (let i = start; i < end && acc === acc; i++) {
        const v = d[i]!;
        if (v > acc || v !== v) acc = v;
      }
      return acc;
    case 'min':
      for (let i = start; i < end && acc === acc; i++) {
        const v = d[i]!;
        if (v < acc || v !== v) acc = v;
      }
      return acc;
  }
}

/** Where each reduction starts. */
const START: Record<ReduceKernel, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

/**
 * Reduces the sorted `axes` of a view with sum, max, min or prod. Sums
 * accumulate in float64 whatever the storage type.
 *
 * @example
 * ```ts
 * reduce('sum', view, [1], 'float32');
 * ```
 */
export function reduce(op: ReduceKernel, x: ArrayView, axes: readonly number[], outDtype: DType): TypedArray {
  const linear = reduceInOrder(op, x, axes, outDtype);
  if (linear !== null) return linear;
  const layout = reducedLayout(x, axes);
  const out = allocateUninit(outDtype, layout.outN);
  forEachRow(x, layout, (o, d, start) => (out[o] = reduceRow(op, d, start, layout.inner, START[op])));
  return out;
}

/** `acc` combined with `v` by `op`; a NaN stays once it is in. */
function combine(op: ReduceKernel, acc: number, v: number): number {
  switch (op) {
    case 'sum':
      return acc + v;
    case 'prod':
      return acc * v;
    case 'max':
      return acc !== acc ? acc : v > acc || v !== v ? v : acc;
    case 'min':
      return acc !== acc ? acc : v < acc || v !== v ? v : acc;
  }
}

/**
 * A contiguous view reduced over dims that are not only trailing (a conv
 * bias's gradient sums `[N, C, H, W]` over N, H and W), walked once in
 * storage order, row by row of its last dim, into float64 accumulators.
 * Each result meets its elements in the same order as the general path, so
 * the sums are the same to the bit. Null for other layouts.
 */
function reduceInOrder(op: ReduceKernel, x: ArrayView, axes: readonly number[], outDtype: DType): TypedArray | null {
  const nd = x.shape.length;
  if (nd < 2 || !isContiguous(x.shape, x.strides) || axes.every((d, i) => d === nd - axes.length + i)) return null;
  // The stride of each dim in the output (0 where reduced).
  const outStrides = new Array<number>(nd).fill(0);
  let outN = 1;
  for (let d = nd - 1; d >= 0; d--) {
    if (axes.includes(d)) continue;
    outStrides[d] = outN;
    outN *= x.shape[d]!;
  }
  const acc = new Float64Array(outN).fill(START[op]);
  const len = x.shape[nd - 1]!;
  const lastReduced = outStrides[nd - 1] === 0 && axes.includes(nd - 1);
  const d = x.data;
  const index = new Array<number>(nd - 1).fill(0);
  const rows = len === 0 ? 0 : x.shape.slice(0, nd - 1).reduce((a, b) => a * b, 1);
  for (let r = 0, start = x.offset, o = 0; r < rows; r++, start += len) {
    if (lastReduced) acc[o] = reduceRow(op, d, start, len, acc[o]!);
    else if (op === 'sum') for (let j = 0; j < len; j++) acc[o + j] = acc[o + j]! + d[start + j]!;
    else for (let j = 0; j < len; j++) acc[o + j] = combine(op, acc[o + j]!, d[start + j]!);
    // Next row: bump the index like an odometer, moving `o` along.
    for (let k = nd - 2; k >= 0; k--) {
      o += outStrides[k]!;
      if (++index[k]! < x.shape[k]!) break;
      o -= outStrides[k]! * x.shape[k]!;
      index[k] = 0;
    }
  }
  const out = allocateUninit(outDtype, outN);
  for (let i = 0; i < outN; i++) out[i] = acc[i]!;
  return out;
}

/** Position of the first maximum (or minimum) of `n` elements of `d` from `start`; a NaN is the extreme. */
function argRow(op: ArgReduceKernel, d: ArrayLike<number>, start: number, n: number): number {
  let best = d[start]!;
  let pos = 0;
  if (best !== best) return 0;
  const sign = op === 'argmax' ? 1 : -1;
  for (let i = 1; i < n; i++) {
    const v = d[start + i]!;
    if (sign * v > sign * best) {
      best = v;
      pos = i;
    } else if (v !== v) return i;
  }
  return pos;
}

/**
 * Index of the first maximum (or minimum) along `axis`; NaN counts as the extreme, as in PyTorch.
 *
 * @example
 * ```ts
 * argReduce('argmax', view, 1);
 * ```
 */
export function argReduce(op: ArgReduceKernel, x: ArrayView, axis: number): Int32Array {
  const layout = reducedLayout(x, [axis]);
  const out = new Int32Array(layout.outN);
  forEachRow(x, layout, (o, d, start) => (out[o] = argRow(op, d, start, layout.inner)));
  return out;
}
