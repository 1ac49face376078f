import type { View } from '../backend.js';
import type { BinaryKernel, UnaryKernel } from '../../primitives/primitives.js';
import { contiguousStrides, type Shape } from '../../shape.js';
import type { GpuBuffer, GpuDType } from './gpu-buffer.js';
import { linearMain, type Arg, type GpuRunner } from './gpu-runner.js';
import { Params, coalesce, emitOffsets, pushStrided } from './strided-index.js';
import { computeType, load, store, type ComputeType } from './wgsl-scalar.js';

// Every elementwise kernel (unary, binary, where, copy, assign and the
// in-place ones) is one generated "map": a thread per element of the target,
// each operand read through its own strides (0 where broadcast).

const UNARY_F32: Record<UnaryKernel, (x: string) => string> = {
  neg: (x) => `-${x}`,
  exp: (x) => `fExp(${x})`,
  log: (x) => `fLog(${x})`,
  log1p: (x) => `fLog1p(${x})`,
  expm1: (x) => `fExpm1(${x})`,
  sqrt: (x) => `fSqrt(${x})`,
  sin: (x) => `fSinCos(${x}, false)`,
  cos: (x) => `fSinCos(${x}, true)`,
  tanh: (x) => `fTanh(${x})`,
  sigmoid: (x) => `fSigmoid(${x})`,
  relu: (x) => `select(${x}, 0.0, ${x} < 0.0)`, // NaN stays NaN, as PyTorch's
  abs: (x) => `abs(${x})`,
  sign: (x) => `fSign(${x})`,
  erf: (x) => `fErf(${x})`,
  not: (x) => `select(1.0, 0.0, truthy(${x}))`,
};

const UNARY_I32: Partial<Record<UnaryKernel, (x: string) => string>> = {
  neg: (x) => `-${x}`,
  relu: (x) => `max(${x}, 0)`,
  abs: (x) => `abs(${x})`,
  sign: (x) => `sign(${x})`,
  not: (x) => `select(1, 0, ${x} != 0)`,
};

const cmp = (c: ComputeType, cond: string, a: string, b: string): string =>
  c === 'f32' ? `select(0.0, 1.0, !isNan(${a}) && !isNan(${b}) && ${cond})` : `select(0, 1, ${cond})`;

const BINARY: Record<BinaryKernel, (a: string, b: string, c: ComputeType) => string> = {
  add: (a, b) => `${a} + ${b}`,
  sub: (a, b) => `${a} - ${b}`,
  mul: (a, b) => `${a} * ${b}`,
  div: (a, b) => `${a} / ${b}`,
  pow: (a, b) => `fPow(${a}, ${b})`,
  maximum: (a, b, c) => (c === 'f32' ? `fMax(${a}, ${b})` : `max(${a}, ${b})`),
  minimum: (a, b, c) => (c === 'f32' ? `fMin(${a}, ${b})` : `min(${a}, ${b})`),
  eq: (a, b, c) => cmp(c, `${a} == ${b}`, a, b),
  ne: (a, b, c) => (c === 'f32' ? `select(1.0, 0.0, !isNan(${a}) && !isNan(${b}) && ${a} == ${b})` : `select(0, 1, ${a} != ${b})`),
  lt: (a, b, c) => cmp(c, `${a} < ${b}`, a, b),
  le: (a, b, c) => cmp(c, `${a} <= ${b}`, a, b),
  gt: (a, b, c) => cmp(c, `${a} > ${b}`, a, b),
  ge: (a, b, c) => cmp(c, `${a} >= ${b}`, a, b),
  and: (a, b, c) => (c === 'f32' ? `select(0.0, 1.0, truthy(${a}) && truthy(${b}))` : `select(0, 1, ${a} != 0 && ${b} != 0)`),
  or: (a, b, c) => (c === 'f32' ? `select(0.0, 1.0, truthy(${a}) || truthy(${b}))` : `select(0, 1, ${a} != 0 || ${b} != 0)`),
};

/** Integer ops that are exact in i32 (division and the transcendental ones compute in f32). */
const INT_BINARY = new Set<BinaryKernel>(['add', 'sub', 'mul', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or']);

/** The target of a map: a view written in place, or a fresh contiguous buffer. */
interface Target {
  readonly buffer: GpuBuffer;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
  /** Whether the expression reads the target's old value (as `d`). */
  readonly reads: boolean;
}

/**
 * Runs `expr` (a WGSL expression of compute type `c` over `x0, x1, …`, the
 * inputs, and `d`, the target's old value) for every element of `target`.
 */
function map(run: GpuRunner, target: Target, inputs: readonly View<GpuBuffer>[], c: ComputeType, expr: string, scalars: readonly number[] = [], inputTypes: readonly ComputeType[] = []): void {
  const n = target.shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const { shape, strides } = coalesce(target.shape, [target.strides, ...inputs.map((v) => v.strides)]);
  const params = new Params();
  params.push(n);
  const shapeAt = params.push(...shape);
  const ats = [target, ...inputs].map((v, k) => pushStrided(params, v.offset, strides[k]!));
  const floatsAt = scalars.map((s) => params.pushF32(s));
  const args: Arg[] = [{ buffer: target.buffer, write: true }, ...inputs.map((v) => ({ buffer: v.buffer }))];
  const dtypes = [target.buffer.dtype, ...inputs.map((v) => v.buffer.dtype)];
  run.run(
    args,
    params,
    (names) => {
      const operands = ats.map((at, k) => ({ name: String(k), at }));
      const lines = [emitOffsets('i', shape.length, shapeAt, operands)];
      if (target.reads) lines.push(`let d = ${load(dtypes[0]!, c, `${names[0]!}[o_0]`)};`);
      inputs.forEach((_, k) => lines.push(`let x${k} = ${load(dtypes[k + 1]!, inputTypes[k] ?? c, `${names[k + 1]!}[o_${k + 1}]`)};`));
      floatsAt.forEach((at, k) => lines.push(`let s${k} = bitcast<f32>(p[${at}]);`));
      lines.push(`${names[0]!}[o_0] = ${store(dtypes[0]!, c, expr)};`);
      return linearMain(lines.join('\n  '));
    },
    run.linearGroups(n),
  );
}

function fresh(alloc: (dtype: GpuDType, n: number) => GpuBuffer, shape: Shape, dtype: GpuDType, reads = false): Target {
  const n = shape.reduce((a, b) => a * b, 1);
  return { buffer: alloc(dtype, n), shape, strides: contiguousStrides(shape), offset: 0, reads };
}

function unaryExpr(op: UnaryKernel, c: ComputeType, x: string): string {
  return c === 'i32' ? UNARY_I32[op]!(x) : UNARY_F32[op](x);
}

function unaryType(op: UnaryKernel, ...dtypes: GpuDType[]): ComputeType {
  return UNARY_I32[op] !== undefined ? computeType(...dtypes) : 'f32';
}

function binaryType(op: BinaryKernel, ...dtypes: GpuDType[]): ComputeType {
  return INT_BINARY.has(op) ? computeType(...dtypes) : 'f32';
}

/** The elementwise kernels of the WebGPU backend over a runner and its allocator. */
export function elementwiseKernels(run: GpuRunner, alloc: (dtype: GpuDType, n: number) => GpuBuffer) {
  return {
    copy(x: View<GpuBuffer>, outDtype: GpuDType): GpuBuffer {
      const t = fresh(alloc, x.shape, outDtype);
      map(run, t, [x], computeType(x.buffer.dtype, outDtype), 'x0');
      return t.buffer;
    },
    assign(dst: View<GpuBuffer>, src: View<GpuBuffer>): void {
      map(run, { ...dst, reads: false }, [src], computeType(dst.buffer.dtype, src.buffer.dtype), 'x0');
    },
    /** Writes `a op b` into `dst` (`assign` of a result never made: one pass, no buffer for it). */
    binaryInto(op: BinaryKernel, dst: View<GpuBuffer>, a: View<GpuBuffer>, b: View<GpuBuffer>): void {
      const c = binaryType(op, a.buffer.dtype, b.buffer.dtype, dst.buffer.dtype);
      map(run, { ...dst, reads: false }, [a, b], c, BINARY[op]('x0', 'x1', c));
    },
    unary(op: UnaryKernel, x: View<GpuBuffer>, outDtype: GpuDType): GpuBuffer {
      const t = fresh(alloc, x.shape, outDtype);
      const c = unaryType(op, x.buffer.dtype, outDtype);
      map(run, t, [x], c, unaryExpr(op, c, 'x0'));
      return t.buffer;
    },
    unaryInPlace(op: UnaryKernel, dst: View<GpuBuffer>): void {
      const c = unaryType(op, dst.buffer.dtype);
      map(run, { ...dst, reads: true }, [], c, unaryExpr(op, c, 'd'));
    },
    binary(op: BinaryKernel, a: View<GpuBuffer>, b: View<GpuBuffer>, outDtype: GpuDType): GpuBuffer {
      const t = fresh(alloc, a.shape, outDtype);
      const c = binaryType(op, a.buffer.dtype, b.buffer.dtype, outDtype);
      map(run, t, [a, b], c, BINARY[op]('x0', 'x1', c));
      return t.buffer;
    },
    binaryInPlace(op: BinaryKernel, dst: View<GpuBuffer>, src: View<GpuBuffer>): void {
      const c = binaryType(op, dst.buffer.dtype, src.buffer.dtype);
      map(run, { ...dst, reads: true }, [src], c, BINARY[op]('d', 'x0', c));
    },
    addcInPlace(op: BinaryKernel, dst: View<GpuBuffer>, a: View<GpuBuffer>, b: View<GpuBuffer>, value: number): void {
      // The product is taken in f32 (the reference takes it in doubles), then added in dst's type.
      const f = BINARY[op]('x0', 'x1', 'f32');
      map(run, { ...dst, reads: true }, [a, b], 'f32', `d + s0 * (${f})`, [value]);
    },
    where(cond: View<GpuBuffer>, a: View<GpuBuffer>, b: View<GpuBuffer>, outDtype: GpuDType): GpuBuffer {
      const t = fresh(alloc, cond.shape, outDtype);
      const c = computeType(a.buffer.dtype, b.buffer.dtype, outDtype);
      // The condition is read in its own type, whatever the branches compute in.
      const own = cond.buffer.dtype === 'float32' ? 'f32' : 'i32';
      map(run, t, [cond, a, b], c, `select(x2, x1, ${own === 'f32' ? 'truthy(x0)' : 'x0 != 0'})`, [], [own]);
      return t.buffer;
    },
  };
}
