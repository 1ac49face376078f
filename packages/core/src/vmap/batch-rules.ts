import { apply } from '../primitives/apply.js';
import { resultType } from '../primitives/forward.js';
import type { ConvGeometry, ConvParams, Primitive, PrimitiveParams, ReduceParams, WindowParams } from '../primitives/primitives.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * An operand of a primitive under vmap: `value`, one level down, holds every
 * example along `bdim`; `bdim` is null for an operand that is the same for
 * every example (not batched at this level).
 */
export interface Operand {
  readonly value: Tensor;
  readonly bdim: number | null;
}

/** A primitive's result under vmap: every example along `bdim` of `value`. */
export interface Batched {
  readonly value: Tensor;
  readonly bdim: number;
}

/**
 * How a primitive runs on a batch of `size` examples: the same primitive (or
 * another) on the values one level down, with its params shifted past the
 * batch dim. At least one operand is batched.
 */
export type BatchRule<P> = (xs: readonly Operand[], params: P, size: number) => Batched;

/** The rank of one example of `o`. */
const rankOf = (o: Operand): number => (o.bdim === null ? o.value.ndim : o.value.ndim - 1);

/** Where dim `d` of one example lies in a value batched along `bdim`. */
const shift = (d: number, bdim: number): number => (d < bdim ? d : d + 1);

/** `xs` with `v` inserted at `at`. */
const insert = <T>(xs: readonly T[], at: number, v: T): T[] => [...xs.slice(0, at), v, ...xs.slice(at)];

/**
 * `t` with dim `from` moved to `to` (a view).
 *
 * @example
 * ```ts
 * moveDim(x, 2, 0); // [a, b, c] → [c, a, b]
 * ```
 */
export function moveDim(t: Tensor, from: number, to: number): Tensor {
  if (from === to) return t;
  const dims: number[] = [];
  for (let d = 0; d < t.ndim; d++) if (d !== from) dims.push(d);
  dims.splice(to, 0, from);
  return apply('permute', [t], { dims });
}

/**
 * `o`'s value with the batch first, `[size, ...example]`; an operand that is
 * the same for every example is expanded to the batch (a view, no copy).
 */
function front(o: Operand, size: number): Tensor {
  if (o.bdim !== null) return moveDim(o.value, o.bdim, 0);
  const t = o.value;
  return apply('expand', [apply('reshape', [t], { shape: [1, ...t.shape] })], { shape: [size, ...t.shape] });
}

/**
 * A batched operand with the batch first and its example's rank padded to
 * `rank` with leading 1s, so that it broadcasts as its example does against
 * operands of rank `rank` (which an unbatched operand does already, aligned
 * from the right).
 */
function padded(o: Operand, rank: number): Tensor {
  const t = moveDim(o.value, o.bdim!, 0);
  const r = rankOf(o);
  if (r === rank) return t;
  return apply('reshape', [t], { shape: [t.shape[0]!, ...new Array<number>(rank - r).fill(1), ...t.shape.slice(1)] });
}

/**
 * A 0-d example of one dtype meeting an example with dims of another takes
 * the latter's dtype (PyTorch's rule), but batched it has a dim, so the
 * kernel would promote; the operands `promoting` are cast to the example's
 * result type where the two differ.
 */
function keepResultType(xs: readonly Operand[], values: Tensor[], promoting: readonly [number, number]): Tensor[] {
  const [i, j] = promoting;
  const example = (k: number) => ({ ndim: rankOf(xs[k]!), dtype: xs[k]!.value.dtype });
  const want = resultType(example(i), example(j));
  if (resultType(values[i]!, values[j]!) === want) return values;
  return values.map((v, k) => ((k === i || k === j) && v.dtype !== want ? apply('cast', [v], { dtype: want }) : v));
}

/** An elementwise primitive of one operand: the batch dim stays where it is. */
const pointwise =
  <P extends Primitive>(prim: P): BatchRule<PrimitiveParams[P]> =>
  ([x], params) => ({ value: apply(prim, [x!.value], params), bdim: x!.bdim! });

/**
 * An elementwise primitive that broadcasts: batched operands go batch-first
 * and padded to the examples' common rank, so every example broadcasts as it
 * would alone.
 */
const broadcasting =
  <P extends Primitive>(prim: P, promoting: readonly [number, number] | null): BatchRule<PrimitiveParams[P]> =>
  (xs, params) => {
    const rank = Math.max(...xs.map(rankOf));
    let values = xs.map((o) => (o.bdim === null ? o.value : padded(o, rank)));
    if (promoting !== null) values = keepResultType(xs, values, promoting);
    return { value: apply(prim, values, params), bdim: 0 };
  };

const arith = <P extends Primitive>(prim: P): BatchRule<PrimitiveParams[P]> => broadcasting(prim, [0, 1]);
const compare = <P extends Primitive>(prim: P): BatchRule<PrimitiveParams[P]> => broadcasting(prim, null);

/** A reduction: its dims shift past the batch dim, which moves left by the dims removed before it. */
const reduction =
  (prim: 'sum' | 'prod' | 'max' | 'min'): BatchRule<ReduceParams> =>
  ([x], { dims, keepdim }) => {
    const b = x!.bdim!;
    const removed = keepdim ? 0 : dims.filter((d) => d < b).length;
    return { value: apply(prim, [x!.value], { dims: dims.map((d) => shift(d, b)), keepdim }), bdim: b - removed };
  };

const argReduction =
  (prim: 'argmax' | 'argmin'): BatchRule<PrimitiveParams['argmax']> =>
  ([x], { dim, keepdim }) => {
    const b = x!.bdim!;
    return { value: apply(prim, [x!.value], { dim: shift(dim, b), keepdim }), bdim: !keepdim && dim < b ? b - 1 : b };
  };

/** A strided window (slice, unslice): the batch dim is taken whole. */
const windowed =
  (prim: 'slice' | 'unslice'): BatchRule<WindowParams> =>
  ([x], { starts, steps, shape }, size) => {
    const b = x!.bdim!;
    return { value: apply(prim, [x!.value], { starts: insert(starts, b, 0), steps: insert(steps, b, 1), shape: insert(shape, b, size) }), bdim: b };
  };

/** `[size, N, C, …]` viewed as `[size·N, C, …]`: every example's images in one batch of images. */
function examplesAsImages(o: Operand, size: number): Tensor {
  const t = front(o, size);
  return apply('reshape', [t], { shape: [size * t.shape[1]!, ...t.shape.slice(2)] });
}

/** `[size·N, …]` back to `[size, N, …]`, batched along dim 0. */
function imagesAsExamples(out: Tensor, size: number): Batched {
  return { value: apply('reshape', [out], { shape: [size, out.shape[0]! / size, ...out.shape.slice(1)] }), bdim: 0 };
}

/** A primitive on images `[N, C, …]` that treats each image alone: the examples' images join N. */
const intoImages =
  (prim: 'im2col' | 'col2im' | 'maxPoolIndices'): BatchRule<ConvGeometry> =>
  ([x], geometry, size) =>
    imagesAsExamples(apply(prim, [examplesAsImages(x!, size)], geometry), size);

/** `[size, N, C, …]` viewed as `[N, size·C, …]`: every example's channels side by side. */
function examplesAsChannels(o: Operand, size: number): Tensor {
  const t = front(o, size);
  const [, n, c] = t.shape as [number, number, number];
  return apply('reshape', [moveDim(t, 0, 1)], { shape: [n, size * c, ...t.shape.slice(3)] });
}

/** A convolution weight `[size, O, C/g, kH, kW]` as `[size·O, C/g, kH, kW]`, or a bias `[size, O]` as `[size·O]`. */
function examplesAsFilters(o: Operand, size: number): Tensor {
  const t = front(o, size);
  return apply('reshape', [t], { shape: [size * t.shape[1]!, ...t.shape.slice(2)] });
}

/** `[N, size·C, …]` back to `[N, size, C, …]`, batched along dim 1. */
function channelsAsExamples(out: Tensor, size: number): Batched {
  const [n, sc] = out.shape as [number, number];
  return { value: apply('reshape', [out], { shape: [n, size, sc / size, ...out.shape.slice(2)] }), bdim: 1 };
}

/**
 * A convolution primitive whose first operand is images and second a weight
 * (conv2d: input, weight and optional bias; conv2dInput: output gradient and
 * weight). With one weight and bias for every example the examples' images
 * join N; with a weight or bias per example, each example becomes its own
 * groups of channels (`groups·size` groups, a bias per output channel of
 * each), so one grouped convolution runs them all.
 */
const convolution =
  (prim: 'conv2d' | 'conv2dInput'): BatchRule<ConvParams> =>
  ([x, w, b], { geometry, groups }, size) => {
    if (w!.bdim === null && (b === undefined || b.bdim === null)) {
      const bias = b === undefined ? [] : [b.value];
      return imagesAsExamples(apply(prim, [examplesAsImages(x!, size), w!.value, ...bias], { geometry, groups }), size);
    }
    const bias = b === undefined ? [] : [examplesAsFilters(b, size)];
    const out = apply(prim, [examplesAsChannels(x!, size), examplesAsFilters(w!, size), ...bias], { geometry, groups: groups * size });
    return channelsAsExamples(out, size);
  };

/** A batch of matrices `[..., m, k]` times one matrix: the examples join the rows `m`. */
function batchTimesOne(a: Operand, b: Tensor, size: number): Batched {
  const t = front(a, size);
  const lead = t.ndim - 3;
  const [m, k] = t.shape.slice(-2) as [number, number];
  const rows = apply('reshape', [moveDim(t, 0, lead)], { shape: [...t.shape.slice(1, -2), size * m, k] });
  const out = apply('matmul', [rows, b], undefined);
  return { value: apply('reshape', [out], { shape: [...out.shape.slice(0, -2), size, m, out.shape[out.ndim - 1]!] }), bdim: lead };
}

/** One matrix times a batch of matrices `[..., k, n]`: the examples join the columns `n`. */
function oneTimesBatch(a: Tensor, b: Operand, size: number): Batched {
  const t = front(b, size);
  const lead = t.ndim - 3;
  const [k, n] = t.shape.slice(-2) as [number, number];
  const cols = apply('reshape', [moveDim(t, 0, lead + 1)], { shape: [...t.shape.slice(1, -2), k, size * n] });
  const out = apply('matmul', [a, cols], undefined);
  return { value: apply('reshape', [out], { shape: [...out.shape.slice(0, -1), size, n] }), bdim: lead + 1 };
}

/** An indexing primitive: every operand batch-first (expanded where unbatched), the dim past the batch. */
const indexing =
  (prim: 'gather' | 'scatterAdd'): BatchRule<{ readonly dim: number }> =>
  (xs, { dim }, size) => ({ value: apply(prim, xs.map((o) => front(o, size)), { dim: dim + 1 }), bdim: 0 });

/**
 * The batching rule of every primitive, the vmap counterpart of the vjp rule
 * table: the type makes a missing entry a compile error.
 */
export const batchRules: { [P in Primitive]: BatchRule<PrimitiveParams[P]> } = {
  neg: pointwise('neg'),
  exp: pointwise('exp'),
  log: pointwise('log'),
  log1p: pointwise('log1p'),
  expm1: pointwise('expm1'),
  sqrt: pointwise('sqrt'),
  sin: pointwise('sin'),
  cos: pointwise('cos'),
  tanh: pointwise('tanh'),
  sigmoid: pointwise('sigmoid'),
  relu: pointwise('relu'),
  abs: pointwise('abs'),
  sign: pointwise('sign'),
  erf: pointwise('erf'),
  not: pointwise('not'),
  cast: pointwise('cast'),
  contiguous: pointwise('contiguous'),

  add: arith('add'),
  sub: arith('sub'),
  mul: arith('mul'),
  div: arith('div'),
  pow: arith('pow'),
  maximum: arith('maximum'),
  minimum: arith('minimum'),
  eq: compare('eq'),
  ne: compare('ne'),
  lt: compare('lt'),
  le: compare('le'),
  gt: compare('gt'),
  ge: compare('ge'),
  and: compare('and'),
  or: compare('or'),
  where: broadcasting('where', [1, 2]),

  sum: reduction('sum'),
  prod: reduction('prod'),
  max: reduction('max'),
  min: reduction('min'),
  argmax: argReduction('argmax'),
  argmin: argReduction('argmin'),

  reshape: ([x], { shape }, size) => ({ value: apply('reshape', [front(x!, size)], { shape: [size, ...shape] }), bdim: 0 }),
  permute: ([x], { dims }) => {
    const b = x!.bdim!;
    return { value: apply('permute', [x!.value], { dims: [b, ...dims.map((d) => shift(d, b))] }), bdim: 0 };
  },
  expand: ([x], { shape }, size) => ({ value: apply('expand', [padded(x!, shape.length)], { shape: [size, ...shape] }), bdim: 0 }),
  slice: windowed('slice'),
  unslice: windowed('unslice'),
  cat: (xs, { dim }, size) => ({ value: apply('cat', xs.map((o) => front(o, size)), { dim: dim + 1 }), bdim: 0 }),
  // unfold appends the window dim last, after the batch dim; fold removes the
  // last dim, which must not be the batch.
  unfold: ([x], params) => ({ value: apply('unfold', [x!.value], { ...params, dim: shift(params.dim, x!.bdim!) }), bdim: x!.bdim! }),
  fold: ([x], params, size) => ({ value: apply('fold', [front(x!, size)], { ...params, dim: params.dim + 1 }), bdim: 0 }),
  im2col: intoImages('im2col'),
  col2im: intoImages('col2im'),
  maxPoolIndices: intoImages('maxPoolIndices'),
  conv2d: convolution('conv2d'),
  conv2dInput: convolution('conv2dInput'),
  // The weight gradient sums over N: each example must keep its own, so the
  // examples become groups of channels on both operands.
  conv2dWeight: ([x, g], { geometry, groups }, size) => {
    const out = apply('conv2dWeight', [examplesAsChannels(x!, size), examplesAsChannels(g!, size)], { geometry, groups: groups * size });
    return { value: apply('reshape', [out], { shape: [size, out.shape[0]! / size, ...out.shape.slice(1)] }), bdim: 0 };
  },

  matmul: ([a, b], _params, size) => {
    if (b!.bdim === null) return batchTimesOne(a!, b!.value, size);
    if (a!.bdim === null) return oneTimesBatch(a!.value, b!, size);
    return { value: apply('matmul', [front(a!, size), front(b!, size)], undefined), bdim: 0 };
  },
  gather: indexing('gather'),
  scatterAdd: indexing('scatterAdd'),
};
