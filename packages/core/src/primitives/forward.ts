import type { Backend, View } from '../backend/backend.js';
import type { BinaryKernel, UnaryKernel } from './primitives.js';
import { dtypeCategory, isFloating, promoteTypes, type DType } from '../dtype.js';
import { broadcastView, fromBuffer, kernelView, viewOf } from '../tensor/make.js';
import type { Primitive, PrimitiveParams, ReduceParams } from './primitives.js';
import { broadcastShapes, contiguousStrides, numelOf, viewStrides, type Shape } from '../shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { DTypeError, fmtShape } from '../errors.js';

type Forward<P> = (be: Backend, inputs: readonly Tensor[], params: P) => Tensor;

/**
 * PyTorch's result type of two operands: tensors with dimensions decide the
 * type unless a 0-d operand is of a higher category (bool < int < float).
 *
 * @example
 * ```ts
 * resultType(ones([2]), scalar(1, 'float64')); // 'float32'
 * ```
 */
export function resultType(a: Pick<Tensor, 'ndim' | 'dtype'>, b: Pick<Tensor, 'ndim' | 'dtype'>): DType {
  if ((a.ndim === 0) === (b.ndim === 0)) return promoteTypes(a.dtype, b.dtype);
  const [dimmed, zero] = a.ndim === 0 ? [b, a] : [a, b];
  return dtypeCategory(zero.dtype) > dtypeCategory(dimmed.dtype) ? zero.dtype : dimmed.dtype;
}

function floatOf(d: DType): DType {
  return isFloating(d) ? d : 'float32';
}

const unary =
  (op: UnaryKernel, outDtype: (d: DType) => DType): Forward<undefined> =>
  (be, [x]) => {
    const t = x!;
    const dtype = outDtype(t.dtype);
    return fromBuffer(be, be.unary(op, kernelView(t), dtype), t.shape, dtype);
  };

/**
 * PyTorch refuses negation and subtraction of booleans rather than wrapping
 * them around (`true - true` would be `false`, `-true` would be `true`).
 */
const refusingBool =
  (op: 'neg' | 'sub', forward: Forward<undefined>): Forward<undefined> =>
  (be, inputs, params) => {
    const b = inputs.find((t) => t.dtype === 'bool');
    if (b !== undefined) {
      const what = op === 'neg' ? 'negation' : 'subtraction';
      throw new DTypeError(`${op}: ${what} of a bool tensor (shape ${fmtShape(b.shape)}) is not supported; to invert a mask use .not(), to count use .to('int32') first`);
    }
    return forward(be, inputs, params);
  };

const floatUnary = (op: UnaryKernel): Forward<undefined> => unary(op, floatOf);
const sameUnary = (op: UnaryKernel): Forward<undefined> => unary(op, (d) => d);

const binary =
  (op: BinaryKernel, outDtype: (a: Tensor, b: Tensor) => DType): Forward<undefined> =>
  (be, [a, b]) => {
    const shape = broadcastShapes(op, a!.shape, b!.shape);
    const dtype = outDtype(a!, b!);
    return fromBuffer(be, be.binary(op, broadcastView(a!, shape), broadcastView(b!, shape), dtype), shape, dtype);
  };

const arith = (op: BinaryKernel): Forward<undefined> => binary(op, resultType);
const compare = (op: BinaryKernel): Forward<undefined> => binary(op, () => 'bool');

function keptShape(shape: Shape, { dims, keepdim }: ReduceParams): number[] {
  const out: number[] = [];
  shape.forEach((s, d) => {
    if (!dims.includes(d)) out.push(s);
    else if (keepdim) out.push(1);
  });
  return out;
}

const reduction =
  (op: 'sum' | 'prod' | 'max' | 'min'): Forward<ReduceParams> =>
  (be, [x], params) => {
    const t = x!;
    const dtype = (op === 'sum' || op === 'prod') && !isFloating(t.dtype) ? 'int32' : t.dtype;
    return fromBuffer(be, be.reduce(op, kernelView(t), params.dims, dtype), keptShape(t.shape, params), dtype);
  };

const argReduction =
  (op: 'argmax' | 'argmin'): Forward<PrimitiveParams['argmax']> =>
  (be, [x], { dim, keepdim }) => {
    const t = x!;
    return fromBuffer(be, be.argReduce(op, kernelView(t), dim), keptShape(t.shape, { dims: [dim], keepdim }), 'int32');
  };

/** A contiguous copy of `t` in `dtype`. */
function copyOf(be: Backend, t: Tensor, dtype: DType): Tensor {
  return fromBuffer(be, be.copy(kernelView(t), dtype), t.shape, dtype);
}

/** Strides for a batch of matrices flattened to `[B, rows, cols]`, or null if the batch dims do not merge. */
function batchStrides(t: Tensor): [number, number, number] | null {
  const n = t.ndim;
  const rows = t.strides[n - 2]!;
  const cols = t.strides[n - 1]!;
  if (n === 2) return [0, rows, cols];
  // The batch dims merge when they can be viewed as one dim; size-1 dims may
  // carry any stride (a narrowed view), so their stride must not be taken.
  const merged = viewStrides(t.shape.slice(0, n - 2), t.strides.slice(0, n - 2), [numelOf(t.shape.slice(0, n - 2))]);
  return merged === null ? null : [merged[0]!, rows, cols];
}

/**
 * The operands `[...batch, M, K]` and `[...batch, K, N]` as the backend's
 * product takes them: `[B, ·, ·]` where the batch dims of both merge into one
 * stride, otherwise both with their batch dims as they are (attention's heads,
 * `[N, H, L, D]` viewed out of `[N, L, H·D]`), which the backend walks matrix
 * by matrix; no copy either way.
 */
function asBatches(a: Tensor, b: Tensor): [View, View] {
  const [sa, sb] = [batchStrides(a), batchStrides(b)];
  if (sa === null || sb === null) return [kernelView(a), kernelView(b)];
  const merged = (t: Tensor, strides: [number, number, number]): View => {
    const n = t.ndim;
    return { buffer: t.storage.buffer, shape: [numelOf(t.shape.slice(0, n - 2)), t.shape[n - 2]!, t.shape[n - 1]!], strides, offset: t.offset };
  };
  return [merged(a, sa), merged(b, sb)];
}

/**
 * Forward implementations of the primitives, keyed by name. Shapes were
 * checked by the op that called; movement ops return views.
 */
export const forwards: { [P in Primitive]: Forward<PrimitiveParams[P]> } = {
  neg: refusingBool('neg', sameUnary('neg')),
  exp: floatUnary('exp'),
  log: floatUnary('log'),
  log1p: floatUnary('log1p'),
  expm1: floatUnary('expm1'),
  sqrt: floatUnary('sqrt'),
  sin: floatUnary('sin'),
  cos: floatUnary('cos'),
  tanh: floatUnary('tanh'),
  sigmoid: floatUnary('sigmoid'),
  relu: sameUnary('relu'),
  abs: sameUnary('abs'),
  sign: sameUnary('sign'),
  erf: floatUnary('erf'),
  not: unary('not', () => 'bool'),

  add: arith('add'),
  sub: refusingBool('sub', arith('sub')),
  mul: arith('mul'),
  div: binary('div', (a, b) => floatOf(resultType(a, b))),
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

  where: (be, [c, a, b]) => {
    const shape = broadcastShapes('where', c!.shape, a!.shape, b!.shape);
    const dtype = resultType(a!, b!);
    return fromBuffer(be, be.where(broadcastView(c!, shape), broadcastView(a!, shape), broadcastView(b!, shape), dtype), shape, dtype);
  },

  sum: reduction('sum'),
  prod: reduction('prod'),
  max: reduction('max'),
  min: reduction('min'),
  argmax: argReduction('argmax'),
  argmin: argReduction('argmin'),

  reshape: (be, [x], { shape }) => {
    const strides = viewStrides(x!.shape, x!.strides, shape);
    if (strides !== null) return viewOf(x!, shape, strides, x!.offset);
    return viewOf(copyOf(be, x!, x!.dtype), shape, contiguousStrides(shape), 0);
  },
  permute: (_be, [x], { dims }) => {
    const t = x!;
    return viewOf(t, dims.map((d) => t.shape[d]!), dims.map((d) => t.strides[d]!), t.offset);
  },
  expand: (_be, [x], { shape }) => {
    const v = broadcastView(x!, shape);
    return viewOf(x!, shape, v.strides, x!.offset);
  },
  slice: (_be, [x], { starts, steps, shape }) => {
    const t = x!;
    let offset = t.offset;
    starts.forEach((s, d) => (offset += s * t.strides[d]!));
    return viewOf(t, shape, steps.map((st, d) => st * t.strides[d]!), offset);
  },
  unslice: (be, [x], { starts, steps, shape }) => {
    const t = x!;
    const out = fromBuffer(be, be.alloc(t.dtype, numelOf(shape)), shape, t.dtype);
    const strides = out.strides.map((s, d) => s * steps[d]!);
    let offset = 0;
    starts.forEach((s, d) => (offset += s * out.strides[d]!));
    be.assign({ buffer: out.storage.buffer, shape: t.shape, strides, offset }, kernelView(t));
    return out;
  },
  cat: (be, xs, { dim }) => {
    const first = xs[0]!;
    const dtype = xs.map((t) => t.dtype).reduce(promoteTypes);
    const shape = first.shape.slice();
    shape[dim] = xs.reduce((n, t) => n + t.shape[dim]!, 0);
    const out = fromBuffer(be, be.alloc(dtype, numelOf(shape)), shape, dtype);
    let at = 0;
    for (const t of xs) {
      be.assign({ buffer: out.storage.buffer, shape: t.shape, strides: out.strides, offset: at * out.strides[dim]! }, kernelView(t));
      at += t.shape[dim]!;
    }
    return out;
  },
  unfold: (_be, [x], { dim, size, step, dilation, length }) => {
    const t = x!;
    const windows = Math.floor((length - dilation * (size - 1) - 1) / step) + 1;
    const shape = [...t.shape, size];
    shape[dim] = windows;
    const strides = [...t.strides, t.strides[dim]! * dilation];
    strides[dim] = t.strides[dim]! * step;
    return viewOf(t, shape, strides, t.offset);
  },
  im2col: (be, [x], geometry) => {
    const t = x!;
    const [n, c] = t.shape as [number, number];
    const shape = [n, c * numelOf(geometry.kernel), numelOf(geometry.outSize)];
    return fromBuffer(be, be.im2col(kernelView(t), geometry, t.dtype), shape, t.dtype);
  },
  col2im: (be, [x], geometry) => {
    const t = x!;
    const [n, ck] = t.shape as [number, number];
    const shape = [n, ck / numelOf(geometry.kernel), ...geometry.size];
    return fromBuffer(be, be.col2im(kernelView(t), geometry, t.dtype), shape, t.dtype);
  },
  // Inputs [x, weight] or [x, weight, bias].
  conv2d: (be, [x, w, b], { geometry, groups }) => {
    const dtype = b === undefined ? resultType(x!, w!) : promoteTypes(resultType(x!, w!), b.dtype);
    const shape = [x!.shape[0]!, w!.shape[0]!, ...geometry.outSize];
    return fromBuffer(be, be.conv2d(kernelView(x!), kernelView(w!), b === undefined ? null : kernelView(b), geometry, groups, dtype), shape, dtype);
  },
  conv2dInput: (be, [g, w], { geometry, groups }) => {
    const dtype = resultType(g!, w!);
    const shape = [g!.shape[0]!, w!.shape[1]! * groups, ...geometry.size];
    return fromBuffer(be, be.conv2dInput(kernelView(g!), kernelView(w!), geometry, groups, dtype), shape, dtype);
  },
  conv2dWeight: (be, [x, g], { geometry, groups }) => {
    const dtype = resultType(x!, g!);
    const shape = [g!.shape[1]!, x!.shape[1]! / groups, ...geometry.kernel];
    return fromBuffer(be, be.conv2dWeight(kernelView(x!), kernelView(g!), geometry, groups, dtype), shape, dtype);
  },
  maxPoolIndices: (be, [x], geometry) => {
    const t = x!;
    return fromBuffer(be, be.maxPoolIndices(kernelView(t), geometry), [...t.shape.slice(0, 2), ...geometry.outSize], 'int32');
  },
  fold: (be, [x], { dim, size, step, dilation, length }) => {
    const t = x!;
    const shape = t.shape.slice(0, -1);
    shape[dim] = length;
    return fromBuffer(be, be.fold(kernelView(t), dim, size, step, dilation, length, t.dtype), shape, t.dtype);
  },
  cast: (be, [x], { dtype }) => copyOf(be, x!, dtype),
  contiguous: (be, [x]) => copyOf(be, x!, x!.dtype),

  matmul: (be, [a, b]) => {
    const shape = [...a!.shape.slice(0, -1), b!.shape[b!.ndim - 1]!];
    const dtype = resultType(a!, b!);
    return fromBuffer(be, be.matmul(...asBatches(a!, b!), dtype), shape, dtype);
  },
  gather: (be, [x, index], { dim }) =>
    fromBuffer(be, be.gather(kernelView(x!), dim, kernelView(index!), x!.dtype), index!.shape, x!.dtype),
  scatterAdd: (be, [x, index, src], { dim }) => {
    const dtype = x!.dtype;
    return fromBuffer(be, be.scatterAdd(kernelView(x!), dim, kernelView(index!), kernelView(src!), dtype), x!.shape, dtype);
  },
};
