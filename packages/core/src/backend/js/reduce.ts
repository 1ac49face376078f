import { allocateUninit, type DType, type TypedArray } from '../../dtype.js';
import type { ArgReduceKernel, ReduceKernel, View } from '../backend.js';
import { isContiguous } from '../../shape.js';
import { stridedOffsets } from './strided.js';

/**
 * Splits a view into (kept dims, reduced dims): `outN` results of `inner`
 * elements each, the element `i` of result `o` at `offs[o·inner + i]`. A
 * contiguous view reduced over its trailing dims (rows: a softmax's max, a
 * loss's sum) needs no table: `offs` is then null and the element is at
 * `offset + o·inner + i`.
 */
function reducedLayout(x: View, axes: readonly number[]): { outN: number; inner: number; offs: Int32Array | null } {
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

/** Where element `j` of the reduced layout is in storage. */
function elementAt(x: View, offs: Int32Array | null): (j: number) => number {
  const o = x.offset;
  return offs === null ? (j) => o + j : (j) => offs[j]!;
}

/**
 * Reduces the sorted `axes` of a view with sum, max, min or prod. Sums
 * accumulate in float64 whatever the storage type.
 *
 * @example
 * ```ts
 * reduce('sum', view, [1], 'float32');
 * ```
 */
export function reduce(op: ReduceKernel, x: View, axes: readonly number[], outDtype: DType): TypedArray {
  const { outN, inner, offs } = reducedLayout(x, axes);
  const out = allocateUninit(outDtype, outN);
  const d = x.data;
  const at = elementAt(x, offs);
  for (let o = 0, base = 0; o < outN; o++, base += inner) {
    let acc: number;
    switch (op) {
      case 'sum':
        acc = 0;
        for (let i = 0; i < inner; i++) acc += d[at(base + i)]!;
        break;
      case 'prod':
        acc = 1;
        for (let i = 0; i < inner; i++) acc *= d[at(base + i)]!;
        break;
      case 'max':
        acc = -Infinity;
        for (let i = 0; i < inner; i++) {
          const v = d[at(base + i)]!;
          if (v > acc || v !== v) acc = v;
          if (acc !== acc) break;
        }
        break;
      case 'min':
        acc = Infinity;
        for (let i = 0; i < inner; i++) {
          const v = d[at(base + i)]!;
          if (v < acc || v !== v) acc = v;
          if (acc !== acc) break;
        }
        break;
    }
    out[o] = acc;
  }
  return out;
}

/**
 * Index of the first maximum (or minimum) along `axis`; NaN counts as the extreme, as in PyTorch.
 *
 * @example
 * ```ts
 * argReduce('argmax', view, 1);
 * ```
 */
export function argReduce(op: ArgReduceKernel, x: View, axis: number): Int32Array {
  const { outN, inner, offs } = reducedLayout(x, [axis]);
  const out = new Int32Array(outN);
  const d = x.data;
  const at = elementAt(x, offs);
  const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  for (let o = 0, base = 0; o < outN; o++, base += inner) {
    let best = d[at(base)]!;
    let pos = 0;
    for (let i = 1; i < inner && best === best; i++) {
      const v = d[at(base + i)]!;
      if (better(v, best) || v !== v) {
        best = v;
        pos = i;
      }
    }
    out[o] = pos;
  }
  return out;
}
