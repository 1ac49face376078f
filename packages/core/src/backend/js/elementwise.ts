import type { DType, TypedArray } from '../../dtype.js';
import { allocateUninit } from '../cpu/allocate.js';
import type { ArrayView } from '../cpu/cpu-kernels.js';
import type { BinaryKernel, UnaryKernel } from '../../primitives/primitives.js';
import { contiguousStrides, isContiguous } from '../../shape.js';
import { erf } from './erf.js';
import { offsetsOrNull } from './strided.js';
import { coalesce, coalesceAnyOrder, runs } from './strided-rows.js';

type Fn1 = (x: number) => number;
type Fn2 = (a: number, b: number) => number;

const UNARY: Record<UnaryKernel, Fn1> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  // NOTE: two branches so that exp never overflows.
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  relu: (x) => (x < 0 ? 0 : x), // NaN stays NaN, as PyTorch's
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  erf,
  not: (x) => (x ? 0 : 1),
};

const BINARY: Record<BinaryKernel, Fn2> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  and: (a, b) => (a && b ? 1 : 0),
  or: (a, b) => (a || b ? 1 : 0),
};

/**
 * The one-operand kernels, in the table's order.
 *
 * @example
 * ```ts
 * UNARY_KERNELS.includes('exp'); // true
 * ```
 */
export const UNARY_KERNELS = Object.keys(UNARY) as readonly UnaryKernel[];

/**
 * The two-operand kernels, in the table's order.
 *
 * @example
 * ```ts
 * BINARY_KERNELS.includes('mul'); // true
 * ```
 */
export const BINARY_KERNELS = Object.keys(BINARY) as readonly BinaryKernel[];

/** Ops whose results are already 0 or 1. */
const LOGICAL = new Set<string>(['not', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or']);

/**
 * The scalar function of a one-operand primitive producing `outDtype`. Bool
 * storage holds only 0 or 1 (true + true is true, as in PyTorch), so
 * arithmetic into bool is normalised.
 *
 * @example
 * ```ts
 * unaryFn('sqrt', 'float32')(4); // 2
 * ```
 */
export function unaryFn(op: UnaryKernel, outDtype: DType): (x: number) => number {
  const f = UNARY[op];
  return outDtype === 'bool' && !LOGICAL.has(op) ? (x) => (f(x) ? 1 : 0) : f;
}

/**
 * The scalar function of a two-operand primitive producing `outDtype` (bool
 * normalised to 0/1, as `unaryFn`).
 *
 * @example
 * ```ts
 * binaryFn('add', 'bool')(1, 1); // 1
 * ```
 */
export function binaryFn(op: BinaryKernel, outDtype: DType): (a: number, b: number) => number {
  const f = BINARY[op];
  return outDtype === 'bool' && !LOGICAL.has(op) ? (a, b) => (f(a, b) ? 1 : 0) : f;
}

function size(v: ArrayView): number {
  let n = 1;
  for (const s of v.shape) n *= s;
  return n;
}

function isScalarLike(v: ArrayView): boolean {
  return v.strides.every((s) => s === 0);
}

/**
 * Applies a one-operand primitive elementwise.
 *
 * @example
 * ```ts
 * unary('exp', view, 'float32');
 * ```
 */
export function unary(op: UnaryKernel, x: ArrayView, outDtype: DType): TypedArray {
  const f = unaryFn(op, outDtype);
  const n = size(x);
  const out = allocateUninit(outDtype, n);
  const d = x.data;
  if (isContiguous(x.shape, x.strides)) {
    const o = x.offset;
    for (let i = 0; i < n; i++) out[i] = f(d[o + i]!);
    return out;
  }
  const { len, stepA: step, a: rows } = runs(coalesce(x.shape, [x.strides]), [x.offset]);
  let o = 0;
  for (let r = 0; r < rows.length; r++) {
    const p = rows[r]!;
    for (let j = 0; j < len; j++) out[o++] = f(d[p + j * step]!);
  }
  return out;
}

/**
 * Applies a two-operand primitive to views already broadcast to one shape.
 *
 * @example
 * ```ts
 * binary('add', a, b, 'float32');
 * ```
 */
export function binary(op: BinaryKernel, a: ArrayView, b: ArrayView, outDtype: DType): TypedArray {
  const f = binaryFn(op, outDtype);
  const n = size(a);
  const out = allocateUninit(outDtype, n);
  const ad = a.data;
  const bd = b.data;
  const aFlat = isContiguous(a.shape, a.strides);
  const bFlat = isContiguous(b.shape, b.strides);
  if (aFlat && isScalarLike(b)) {
    const bv = bd[b.offset]!;
    for (let i = 0, o = a.offset; i < n; i++) out[i] = f(ad[o + i]!, bv);
    return out;
  }
  if (bFlat && isScalarLike(a)) {
    const av = ad[a.offset]!;
    for (let i = 0, o = b.offset; i < n; i++) out[i] = f(av, bd[o + i]!);
    return out;
  }
  if (aFlat && bFlat) {
    const oa = a.offset;
    const ob = b.offset;
    for (let i = 0; i < n; i++) out[i] = f(ad[oa + i]!, bd[ob + i]!);
    return out;
  }
  // Strided or broadcast operands (a bias over channels, a transpose, a
  // scalar against a strided view): run by run along the last dim, with no
  // per-element offset table.
  const { len, stepA: sa, stepB: sb, ...rows } = runs(coalesce(a.shape, [a.strides, b.strides]), [a.offset, b.offset]);
  let o = 0;
  for (let r = 0; r < rows.a.length; r++) {
    const pa = rows.a[r]!;
    const pb = rows.b[r]!;
    for (let j = 0; j < len; j++) out[o++] = f(ad[pa + j * sa]!, bd[pb + j * sb]!);
  }
  return out;
}

function read(v: ArrayView): (i: number) => number {
  const d = v.data;
  const offs = offsetsOrNull(v);
  const o = v.offset;
  return offs === null ? (i) => d[o + i]! : (i) => d[offs[i]!]!;
}

/**
 * `cond ? a : b` elementwise, all three already broadcast to one shape.
 *
 * @example
 * ```ts
 * where(c, a, b, 'float32');
 * ```
 */
export function where(cond: ArrayView, a: ArrayView, b: ArrayView, outDtype: DType): TypedArray {
  const n = size(cond);
  const out = allocateUninit(outDtype, n);
  const rc = read(cond);
  const ra = read(a);
  const rb = read(b);
  for (let i = 0; i < n; i++) out[i] = rc(i) ? ra(i) : rb(i);
  return out;
}

/**
 * A contiguous copy of a view converted to `outDtype` (bool keeps 0/1).
 *
 * @example
 * ```ts
 * copy(view, 'float64');
 * ```
 */
export function copy(x: ArrayView, outDtype: DType): TypedArray {
  const n = size(x);
  const out = allocateUninit(outDtype, n);
  const d = x.data;
  const bool = outDtype === 'bool';
  if (isContiguous(x.shape, x.strides)) {
    if (!bool && x.data.constructor === out.constructor) out.set(d.subarray(x.offset, x.offset + n));
    else if (bool) for (let i = 0; i < n; i++) out[i] = d[x.offset + i] ? 1 : 0;
    else for (let i = 0; i < n; i++) out[i] = d[x.offset + i]!;
    return out;
  }
  // Run by run along the dim the source steps through most finely, writing
  // the output through its contiguous strides: im2col copies millions of
  // elements this way, with no per-element offset table.
  const { len, stepA: sx, stepB: so, ...rows } = runs(coalesceAnyOrder(x.shape, [x.strides, contiguousStrides(x.shape)]), [x.offset, 0]);
  for (let r = 0; r < rows.a.length; r++) {
    const px = rows.a[r]!;
    const po = rows.b[r]!;
    if (bool) for (let j = 0; j < len; j++) out[po + j * so] = d[px + j * sx] ? 1 : 0;
    else for (let j = 0; j < len; j++) out[po + j * so] = d[px + j * sx]!;
  }
  return out;
}

/**
 * Writes `src` into the positions of `dst` (same shape; `src` may be broadcast).
 *
 * @example
 * ```ts
 * assign(dstView, srcView);
 * ```
 */
export function assign(dst: ArrayView, src: ArrayView): void {
  const dd = dst.data;
  const sd = src.data;
  const bool = dd instanceof Uint8Array;
  // Row by row in row-major order (dims merged where both views allow), so
  // that padding writes runs of a row rather than element by element.
  const { len, stepA: sdst, stepB: ssrc, ...rows } = runs(coalesce(dst.shape, [dst.strides, src.strides]), [dst.offset, src.offset]);
  for (let r = 0; r < rows.a.length; r++) {
    const pd = rows.a[r]!;
    const ps = rows.b[r]!;
    if (bool) for (let j = 0; j < len; j++) dd[pd + j * sdst] = sd[ps + j * ssrc] ? 1 : 0;
    else for (let j = 0; j < len; j++) dd[pd + j * sdst] = sd[ps + j * ssrc]!;
  }
}
