import { isFloating, type BinaryKernel, type DType, type TracedOp, type UnaryKernel } from '@tapegrad/core';
import type { ConvertContext, Converter } from './convert-context.js';

type Op<K extends TracedOp['op']> = Extract<TracedOp, { op: K }>;

/** `x` of the op's input dtype as the op's output dtype (float unary ops of integer inputs compute in float). */
function inputAsOutput(c: ConvertContext, i: number): string {
  return c.cast(c.input(i), c.op.inputs[i]!.dtype, c.op.output.dtype);
}

/**
 * Arithmetic whose result is bool (on bool operands) computes in int32, as
 * the kernels do on 0 and 1, and keeps whether the result is non-zero; ONNX
 * has no arithmetic on bools.
 */
function arithmeticIn(c: ConvertContext, onnx: string, arity: number): string {
  const out = c.op.output.dtype;
  const via = out === 'bool' ? 'int32' : out;
  const args = Array.from({ length: arity }, (_, i) => c.cast(c.input(i), c.op.inputs[i]!.dtype, via));
  return c.cast(c.g.op(onnx, args), via, out);
}

const plain =
  (onnx: string): Converter<Op<UnaryKernel>> =>
  (c) =>
    arithmeticIn(c, onnx, 1);

/** The converter of each elementwise primitive of one operand. */
export const unaryConverters: { readonly [K in UnaryKernel]: Converter<Op<K>> } = {
  neg: plain('Neg'),
  exp: plain('Exp'),
  log: plain('Log'),
  // ONNX has neither log1p nor expm1: composed, they lose digits only for |x| far below 1e-4 (float32 rounding of 1 + x).
  log1p: (c) => c.g.op('Log', [c.g.op('Add', [inputAsOutput(c, 0), c.scalar(c.op.output.dtype, 1)])]),
  expm1: (c) => c.g.op('Sub', [c.g.op('Exp', [inputAsOutput(c, 0)]), c.scalar(c.op.output.dtype, 1)]),
  sqrt: plain('Sqrt'),
  sin: plain('Sin'),
  cos: plain('Cos'),
  tanh: plain('Tanh'),
  sigmoid: plain('Sigmoid'),
  // Relu is defined for floats everywhere ONNX runs; integers take max(x, 0).
  relu: (c) => {
    if (isFloating(c.op.output.dtype)) return c.g.op('Relu', [c.input(0)]);
    const x = c.cast(c.input(0), c.op.inputs[0]!.dtype, 'int32');
    return c.cast(c.g.op('Max', [x, c.scalar('int32', 0)]), 'int32', c.op.output.dtype);
  },
  abs: plain('Abs'),
  sign: plain('Sign'),
  // ONNX Runtime has no float64 Erf: float64 goes through float32 (a relative error near 1e-7).
  erf: (c) => {
    const out = c.op.output.dtype;
    const via = out === 'float64' ? 'float32' : out;
    return c.cast(c.g.op('Erf', [c.cast(c.input(0), c.op.inputs[0]!.dtype, via)]), via, out);
  },
  not: (c) => c.g.op('Not', [inputAsOutput(c, 0)]),
};

/** Both operands of an arithmetic op in its result dtype (PyTorch promotes before computing; ONNX wants one type). */
const arithmetic =
  (onnx: string): Converter<Op<BinaryKernel>> =>
  (c) =>
    arithmeticIn(c, onnx, 2);

/**
 * The dtype two operands are compared in: their own when they share one;
 * otherwise float64, which holds every int32 and float32 exactly, as the
 * comparison kernels see the values. Ordering bools compares them as 0 and 1.
 */
function comparedAs(a: DType, b: DType, ordering: boolean): DType {
  if (a !== b) return 'float64';
  return ordering && a === 'bool' ? 'int32' : a;
}

const comparison =
  (onnx: string, ordering: boolean, negate = false): Converter<Op<BinaryKernel>> =>
  (c) => {
    const [a, b] = [c.op.inputs[0]!.dtype, c.op.inputs[1]!.dtype];
    const as = comparedAs(a, b, ordering);
    const out = c.g.op(onnx, [c.cast(c.input(0), a, as), c.cast(c.input(1), b, as)]);
    return negate ? c.g.op('Not', [out]) : out;
  };

const logical =
  (onnx: string): Converter<Op<BinaryKernel>> =>
  (c) =>
    c.g.op(onnx, [c.cast(c.input(0), c.op.inputs[0]!.dtype, 'bool'), c.cast(c.input(1), c.op.inputs[1]!.dtype, 'bool')]);

/** The converter of each elementwise primitive of two operands. */
export const binaryConverters: { readonly [K in BinaryKernel]: Converter<Op<K>> } = {
  add: arithmetic('Add'),
  sub: arithmetic('Sub'),
  mul: arithmetic('Mul'),
  div: arithmetic('Div'),
  pow: arithmetic('Pow'),
  maximum: arithmetic('Max'),
  minimum: arithmetic('Min'),
  eq: comparison('Equal', false),
  ne: comparison('Equal', false, true),
  lt: comparison('Less', true),
  le: comparison('LessOrEqual', true),
  gt: comparison('Greater', true),
  ge: comparison('GreaterOrEqual', true),
  and: logical('And'),
  or: logical('Or'),
};

/** `where(cond, a, b)`: the condition as bool, both branches in the result dtype. */
export const whereConverter: Converter<Op<'where'>> = (c) =>
  c.g.op('Where', [c.cast(c.input(0), c.op.inputs[0]!.dtype, 'bool'), inputAsOutput(c, 1), inputAsOutput(c, 2)]);

/** `cast`: an ONNX Cast (float to int truncates toward zero and non-zero is true, in both). */
export const castConverter: Converter<Op<'cast'>> = (c) => c.cast(c.input(0), c.op.inputs[0]!.dtype, c.op.params.dtype);

/** `matmul`: MatMul, which broadcasts batch dims as tapegrad does. */
export const matmulConverter: Converter<Op<'matmul'>> = (c) => c.g.op('MatMul', [inputAsOutput(c, 0), inputAsOutput(c, 1)]);
