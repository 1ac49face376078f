import * as fc from 'fast-check';
import { cat, type BinaryKernel, type DType, type Tensor, tensor, type UnaryKernel, where } from '@tapegrad/core';
import { broadcastableShapes, shapes, tensors } from '@tapegrad/core/testing/arbitraries';
import { DTYPES } from '../src/dtype.js';
import { erf } from '../src/backend/js/erf.js';

/**
 * What an elementwise primitive's row adds: its kernel, a scalar reference in
 * float64, the dtypes it accepts and the dtype of its result.
 */
export interface ElementwiseColumns {
  /** The kernel, which is also the primitive's and the method's name. */
  readonly kernel: UnaryKernel | BinaryKernel;
  /** The value in float64 of one element (bools as 0 and 1). */
  readonly reference: (...xs: number[]) => number;
  /** The input dtypes it accepts (all by default). */
  readonly dtypes: readonly DType[];
  /**
   * Its result dtype: the (promoted) input dtype, float (ints and bools go to
   * float32), or bool.
   */
  readonly result: 'promoted' | 'float' | 'bool';
}

/**
 * Ops described as data: how many inputs, their domain, their shapes, and for
 * elementwise primitives their kernel, reference and dtypes. Every property
 * test (ops-gradcheck.test.ts, toy-backend.test.ts, elementwise.test.ts,
 * dtype-promotion.test.ts) runs over this table; a new op is one row.
 */
export interface OpSpec {
  readonly name: string;
  /** Builds the output from float64 inputs. */
  readonly fn: (...xs: Tensor[]) => Tensor;
  /** Random inputs: float64, within the op's domain. */
  readonly inputs: fc.Arbitrary<Tensor[]>;
  /** Whether it has a gradient (false for comparisons and logical ops); true by default. */
  readonly differentiable?: boolean;
  /** Whether to gradgradcheck it too. */
  readonly gradgrad?: boolean;
  /** Set for the rows of elementwise primitives. */
  readonly elementwise?: ElementwiseColumns;
}

const range = { min: -2, max: 2 };
/** Values away from 0 (|x| ≥ 0.2), for ops with a kink or a pole there. */
const awayFromZero = tensors({ ...range }).map((t) => where(t.abs().lt(0.2), t.sign().add(t.eq(0).to('float64')).mul(0.5), t));
const positive = (shape?: number[]) => tensors({ min: 0.2, max: 3, ...(shape ? { shape } : {}) });

const unary = (name: string, fn: (x: Tensor) => Tensor, arb: fc.Arbitrary<Tensor> = tensors(range), gradgrad = true): OpSpec => ({
  name,
  fn: fn as (...xs: Tensor[]) => Tensor,
  inputs: arb.map((x) => [x]),
  gradgrad,
});

/** The row of a one-operand elementwise primitive: `x[kernel]()`. */
const unaryKernel = (
  kernel: UnaryKernel,
  reference: (x: number) => number,
  result: ElementwiseColumns['result'],
  arb: fc.Arbitrary<Tensor> = tensors(range),
  { differentiable = true, gradgrad = differentiable, dtypes = DTYPES }: { differentiable?: boolean; gradgrad?: boolean; dtypes?: readonly DType[] } = {},
): OpSpec => ({
  ...unary(kernel, (x) => x[kernel](), arb, gradgrad),
  differentiable,
  elementwise: { kernel, reference: reference as (...xs: number[]) => number, dtypes, result },
});

/** Two operands of broadcastable shapes (size-1 dims and missing leading dims included). */
const pair = (lo = -2, hi = 2, second?: { min: number; max: number }) =>
  broadcastableShapes(2).chain(([a, b]) =>
    fc.tuple(tensors({ shape: a!, min: lo, max: hi }), tensors({ shape: b!, ...(second ?? { min: lo, max: hi }) })),
  );

const binary = (name: string, fn: (a: Tensor, b: Tensor) => Tensor, arb = pair(), gradgrad = true): OpSpec => ({
  name,
  fn: fn as (...xs: Tensor[]) => Tensor,
  inputs: arb.map((xs) => [...xs]),
  gradgrad,
});

/** The row of a two-operand elementwise primitive: `a[kernel](b)`. */
const binaryKernel = (
  kernel: BinaryKernel,
  reference: (a: number, b: number) => number,
  result: ElementwiseColumns['result'],
  arb: fc.Arbitrary<[Tensor, Tensor]> = pair(),
  { differentiable = true, gradgrad = differentiable, dtypes = DTYPES }: { differentiable?: boolean; gradgrad?: boolean; dtypes?: readonly DType[] } = {},
): OpSpec => ({
  ...binary(kernel, (a, b) => a[kernel](b), arb, gradgrad),
  differentiable,
  elementwise: { kernel, reference: reference as (...xs: number[]) => number, dtypes, result },
});

const noGrad = { differentiable: false } as const;
/** Negation and subtraction refuse bools, as in PyTorch. */
const numeric = { dtypes: DTYPES.filter((d) => d !== 'bool') } as const;
/** Pairs with some equal elements, so that comparisons see ties. */
const tied = pair().map(([a, b]) => [a, where(b.gt(1), a, b)] as [Tensor, Tensor]);

/** Values at least 0.3 apart, so that max/min have no ties. */
const distinct = shapes().chain((s) => {
  const n = s.reduce((a, b) => a * b, 1);
  const indices = Array.from({ length: n }, (_, i) => i);
  return fc
    .tuple(
      fc.shuffledSubarray(indices, { minLength: n, maxLength: n }),
      fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { minLength: n, maxLength: n }),
    )
    .map(([perm, noise]) => tensor(perm.map((p, i) => p * 0.5 - 1 + noise[i]!), { dtype: 'float64' }).reshape(s));
});

/** Values kept 0.05 away from the clamp bounds −0.5 and 0.7. */
const clampable = tensors(range).map((t) => where(t.add(0.5).abs().lt(0.05), t.add(0.1), t)).map((t) => where(t.sub(0.7).abs().lt(0.05), t.add(0.1), t));

export const opSpecs: readonly OpSpec[] = [
  unaryKernel('neg', (x) => -x, 'promoted', tensors(range), numeric),
  unaryKernel('exp', Math.exp, 'float'),
  unaryKernel('log', Math.log, 'float', positive()),
  unaryKernel('log1p', Math.log1p, 'float', tensors({ min: -0.7, max: 3 })),
  unaryKernel('expm1', Math.expm1, 'float'),
  unaryKernel('sqrt', Math.sqrt, 'float', positive()),
  unary('rsqrt', (x) => x.rsqrt(), positive()),
  unary('square', (x) => x.square()),
  unary('reciprocal', (x) => x.reciprocal(), awayFromZero),
  unaryKernel('sin', Math.sin, 'float'),
  unaryKernel('cos', Math.cos, 'float'),
  unary('tan', (x) => x.tan(), tensors({ min: -1.2, max: 1.2 })),
  unaryKernel('tanh', Math.tanh, 'float'),
  unaryKernel('sigmoid', (x) => 1 / (1 + Math.exp(-x)), 'float'),
  unaryKernel('relu', (x) => Math.max(x, 0), 'promoted', awayFromZero),
  unaryKernel('abs', Math.abs, 'promoted', awayFromZero),
  unaryKernel('sign', Math.sign, 'promoted', awayFromZero, { gradgrad: false }),
  unaryKernel('erf', erf, 'float'),
  unaryKernel('not', (x) => (x === 0 ? 1 : 0), 'bool', tensors(range), noGrad),
  unary('clamp', (x) => x.clamp(-0.5, 0.7), clampable, false),
  binaryKernel('add', (a, b) => a + b, 'promoted'),
  binaryKernel('sub', (a, b) => a - b, 'promoted', pair(), numeric),
  binaryKernel('mul', (a, b) => a * b, 'promoted'),
  binaryKernel('div', (a, b) => a / b, 'float', pair(-2, 2, { min: 0.3, max: 2 })),
  binaryKernel('pow', Math.pow, 'promoted', pair(0.3, 2)),
  binaryKernel('maximum', Math.max, 'promoted', pair().filter(([a, b]) => a.sub(b).abs().amin().item() > 1e-3), { gradgrad: false }),
  binaryKernel('minimum', Math.min, 'promoted', pair().filter(([a, b]) => a.sub(b).abs().amin().item() > 1e-3), { gradgrad: false }),
  binaryKernel('eq', (a, b) => Number(a === b), 'bool', tied, noGrad),
  binaryKernel('ne', (a, b) => Number(a !== b), 'bool', tied, noGrad),
  binaryKernel('lt', (a, b) => Number(a < b), 'bool', tied, noGrad),
  binaryKernel('le', (a, b) => Number(a <= b), 'bool', tied, noGrad),
  binaryKernel('gt', (a, b) => Number(a > b), 'bool', tied, noGrad),
  binaryKernel('ge', (a, b) => Number(a >= b), 'bool', tied, noGrad),
  binaryKernel('and', (a, b) => Number(a !== 0 && b !== 0), 'bool', pair().map(([a, b]) => [a.mul(a.gt(0)), b.mul(b.lt(0.5))] as [Tensor, Tensor]), noGrad),
  binaryKernel('or', (a, b) => Number(a !== 0 || b !== 0), 'bool', pair().map(([a, b]) => [a.mul(a.gt(0)), b.mul(b.lt(0.5))] as [Tensor, Tensor]), noGrad),
  binary('add scalar', (a) => a.add(1.5).mul(-2).sub(0.5).div(3)),
  binary('where', (a, b) => where(a.gt(0), a, b), pair().map(([a, b]) => [where(a.abs().lt(0.2), a.add(0.5), a), b] as [Tensor, Tensor])),
  unary('sum over the last dim', (x) => (x.ndim > 0 ? x.sum(-1, true) : x.sum())),
  unary('mean over the first dim', (x) => (x.ndim > 0 ? x.mean(0) : x.mean())),
  unary('logsumexp over the last dim', (x) => (x.ndim > 0 ? x.logsumexp(-1) : x.logsumexp())),
  unary('var over dim 0', (x) => (x.ndim > 0 && x.shape[0]! > 1 ? x.var(0) : x.square())),
  unary('sum', (x) => x.sum()),
  unary('mean', (x) => x.mean()),
  unary('prod', (x) => x.prod(), tensors({ min: 0.5, max: 1.5 })),
  // prod is multilinear, so exact zeros are fine for finite differences. Its
  // second derivative is exact only away from zeros (see the rule).
  unary('prod with zeros', (x) => (x.ndim > 0 ? x.prod(-1) : x.prod()), tensors(range).map((t) => where(t.abs().lt(0.8), 0, t)), false),
  unary('amax', (x) => x.amax(), distinct, false),
  unary('amin', (x) => x.amin(), distinct, false),
  unary('var', (x) => x.var(undefined, { correction: 0 })),
  unary('std', (x) => x.std(undefined, { correction: 0 }), tensors({ ...range, shape: shapes({ minDims: 1 }) }).filter((t) => t.numel > 1 && t.std(undefined, { correction: 0 }).item() > 0.05)),
  unary('logsumexp', (x) => x.logsumexp()),
  unary('norm', (x) => x.norm(), tensors({ ...range, shape: shapes({ minDims: 1 }) }).filter((t) => t.norm().item() > 0.1)),
  unary('norm 3', (x) => x.norm(3), awayFromZero),
  unary('reshape+permute', (x) => x.reshape([-1]).flip([0]).reshape([x.numel, 1]).permute([1, 0]).mul(x.sum())),
  unary('transpose+slice', (x) => (x.ndim >= 2 ? x.transpose(0, -1).slice(0, 0, undefined, 2).exp() : x.exp())),
  unary('expand', (x) => x.unsqueeze(0).expand([3, ...x.shape]).mul(tensor([1, 2, 3], { dtype: x.dtype }).reshape([3, ...x.shape.map(() => 1)]))),
  unary('pad+repeat', (x) => (x.ndim >= 1 ? x.pad([1, 2], 0.5).repeat([2, ...x.shape.slice(1).map(() => 1)]).square() : x.square())),
  unary('cat+split', (x) => (x.ndim >= 1 ? cat([x, x.mul(2)], 0).split(1, 0).reduce((acc, p, i) => acc.add(p.sum().mul(i + 1)), x.sum().mul(0)) : x.mul(3))),
  {
    name: 'matmul',
    fn: (a, b) => a!.matmul(b!),
    inputs: fc
      .record({ batch: shapes({ maxDims: 2, maxSize: 3 }), m: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 4 }), n: fc.integer({ min: 1, max: 4 }), vecA: fc.boolean(), vecB: fc.boolean() })
      .chain(({ batch, m, k, n, vecA, vecB }) =>
        fc.tuple(
          tensors({ shape: vecA ? [k] : [...batch, m, k] }),
          tensors({ shape: vecB ? [k] : [...batch.slice(1), k, n] }),
        ),
      ),
    gradgrad: true,
  },
  {
    name: 'gather',
    fn: (x, i) => x!.gather(1, i!),
    inputs: fc.record({ r: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 5 }) }).chain(({ r, c, k }) =>
      fc.tuple(tensors({ shape: [r, c] }), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: r * k, maxLength: r * k }).map((v) => tensor(new Int32Array(v), { shape: [r, k] }))),
    ),
    gradgrad: true,
  },
  {
    name: 'scatterAdd',
    fn: (x, i, s) => x!.scatterAdd(0, i!, s!),
    inputs: fc.record({ n: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 6 }) }).chain(({ n, k }) =>
      fc.tuple(tensors({ shape: [n] }), fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: k, maxLength: k }).map((v) => tensor(new Int32Array(v))), tensors({ shape: [k] })),
    ),
    gradgrad: true,
  },
];

/** The rows of elementwise primitives, with their columns. */
export const elementwiseSpecs = opSpecs.filter((s): s is OpSpec & { elementwise: ElementwiseColumns } => s.elementwise !== undefined);

/** The row of one elementwise kernel. */
export function elementwiseSpec(kernel: UnaryKernel | BinaryKernel): OpSpec & { elementwise: ElementwiseColumns } {
  const spec = elementwiseSpecs.find((s) => s.elementwise.kernel === kernel);
  if (spec === undefined) throw new Error(`op-specs: no row for the elementwise kernel '${kernel}'`);
  return spec;
}
