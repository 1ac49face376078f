import { isFloating, type ReduceKernel, type TracedOp } from '@tapegrad/core';
import type { Converter } from './convert-context.js';

type Op<K extends TracedOp['op']> = Extract<TracedOp, { op: K }>;

const ONNX_REDUCE = { sum: 'ReduceSum', prod: 'ReduceProd', max: 'ReduceMax', min: 'ReduceMin' } as const;

/**
 * A reduction over `dims`. Sums and products of integers and bools are
 * int32, as in tapegrad; max and min of bools go through int32 (ONNX reduces
 * numbers only). Opset 17 takes ReduceSum's axes as an input and the others'
 * as an attribute.
 */
const reduction =
  (kind: ReduceKernel): Converter<Op<ReduceKernel>> =>
  (c) => {
    const { dims, keepdim } = c.op.params;
    const from = c.op.inputs[0]!.dtype;
    const via = isFloating(from) ? from : 'int32';
    const x = c.cast(c.input(0), from, via);
    // No dims (a 0-d input) reduces nothing; ONNX would read an empty axes list as "all".
    const out = dims.length === 0 ? x : kind === 'sum' ? c.g.op('ReduceSum', [x, c.g.int64s(dims)], { keepdims: keepdim ? 1 : 0 }) : c.g.op(ONNX_REDUCE[kind], [x], { axes: dims, keepdims: keepdim ? 1 : 0 });
    return c.cast(out, via, c.op.output.dtype);
  };

/** The converter of each reduction primitive. */
export const reduceConverters: { readonly [K in ReduceKernel]: Converter<Op<K>> } = {
  sum: reduction('sum'),
  prod: reduction('prod'),
  max: reduction('max'),
  min: reduction('min'),
};

/** argmax / argmin: the first extreme along `dim` (as tapegrad), as int64, cast to int32. */
const argReduction =
  (onnx: 'ArgMax' | 'ArgMin'): Converter<Op<'argmax' | 'argmin'>> =>
  (c) => {
    const from = c.op.inputs[0]!.dtype;
    const x = c.cast(c.input(0), from, from === 'bool' ? 'int32' : from);
    const { dim, keepdim } = c.op.params;
    return c.cast(c.g.op(onnx, [x], { axis: dim, keepdims: keepdim ? 1 : 0, select_last_index: 0 }), 'int64', 'int32');
  };

/** The converters of argmax and argmin. */
export const argConverters: { readonly argmax: Converter<Op<'argmax'>>; readonly argmin: Converter<Op<'argmin'>> } = {
  argmax: argReduction('ArgMax'),
  argmin: argReduction('ArgMin'),
};
