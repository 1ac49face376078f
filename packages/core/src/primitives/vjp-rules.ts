import type { Primitive, PrimitiveParams, ReduceParams } from './primitives.js';
import { apply } from './apply.js';
import { sumToShape } from '../ops/sum-to-shape.js';
import type { RuleContext, VjpRule } from '../autograd/tape-node.js';
import type { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { where } from '../ops/elementwise.js';

type Ctx<P extends Primitive> = RuleContext<PrimitiveParams[P]>;

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** Reinserts reduced dims of size 1 so that `g` broadcasts against the input. */
function keepDims(g: Tensor, shape: readonly number[], { dims, keepdim }: ReduceParams): Tensor {
  if (keepdim) return g;
  return g.reshape(shape.map((s, d) => (dims.includes(d) ? 1 : s)));
}

/** d max = g at the positions of the extreme, shared equally between ties. */
function extremeRule(g: Tensor, c: Ctx<'max'>): [Tensor] {
  const x = c.input(0);
  const out = keepDims(c.out(), x.shape, c.params);
  const mask = x.eq(out).to(g.dtype);
  const count = mask.sum(c.params.dims, true);
  return [keepDims(g, x.shape, c.params).mul(mask).div(count)];
}

/**
 * d maximum: g to an operand unless it loses, half of g to each at ties (as
 * PyTorch). A NaN loses no comparison, so where either operand is NaN both
 * get the whole g, as in PyTorch.
 */
function pickRule(loses: (a: Tensor, b: Tensor) => Tensor) {
  return (g: Tensor, c: Ctx<'maximum'>): [Tensor | null, Tensor | null] => {
    const a = c.input(0);
    const b = c.input(1);
    const tie = a.eq(b);
    const share = (l: Tensor): Tensor => where(tie, 0.5, l.not().to(g.dtype));
    return [c.needs[0] ? g.mul(share(loses(a, b))) : null, c.needs[1] ? g.mul(share(loses(b, a))) : null];
  };
}

/** d src of scatterAdd: the gathered gradient where index reaches, 0 in the rest of a larger src. */
function scatteredPart(g: Tensor, srcShape: readonly number[]): Tensor {
  if (g.shape.every((s, d) => s === srcShape[d])) return g;
  return apply('unslice', [g], { starts: srcShape.map(() => 0), steps: srcShape.map(() => 1), shape: srcShape });
}

/**
 * Whether `t`'s matrices are stored column by column: a transposed view (of a
 * weight, or of attention's keys, whose columns lie a row of all heads apart).
 */
function columnMajor(t: Tensor): boolean {
  const n = t.ndim;
  return n >= 2 && t.shape[n - 1]! > 1 && t.shape[n - 2]! > 1 && t.strides[n - 2] === 1 && t.strides[n - 1]! >= t.shape[n - 2]!;
}

const nothing: null = null;

/**
 * The derivative rule of every primitive, written in tensor ops so that they
 * can be differentiated again. `null` marks a primitive without a gradient
 * (its outputs never require grad). The type makes a missing entry a compile error.
 */
export const vjpRules: { [P in Primitive]: VjpRule<PrimitiveParams[P]> | null } = {
  neg: (g) => [g.neg()],
  exp: (g, c) => [g.mul(c.out())], // d eˣ = eˣ
  log: (g, c) => [g.div(c.input(0))], // d log x = 1/x
  log1p: (g, c) => [g.div(c.input(0).add(1))],
  expm1: (g, c) => [g.mul(c.out().add(1))],
  sqrt: (g, c) => [g.div(c.out().mul(2))], // d √x = 1/(2√x)
  sin: (g, c) => [g.mul(c.input(0).cos())],
  cos: (g, c) => [g.mul(c.input(0).sin().neg())],
  tanh: (g, c) => [g.mul(c.out().square().neg().add(1))], // d tanh = 1 − tanh²
  sigmoid: (g, c) => {
    const s = c.out();
    return [g.mul(s.mul(s.neg().add(1)))]; // d σ = σ(1 − σ)
  },
  // d relu = 1 where x > 0, that is where relu(x) > 0 (−0 gives 0 in both,
  // and a NaN input a NaN output whose gradient is 0): the mask is read off the output, which the next op has computed
  // already, rather than the input, which may be a deferred bias add that
  // nothing else computes. The bool mask multiplies directly (promoted to g's
  // type), one pass and one fresh array fewer than casting it first.
  relu: (g, c) => [g.mul(c.out().gt(0))],
  abs: (g, c) => [g.mul(c.input(0).sign())],
  sign: (g) => [zeros(g.shape, { dtype: g.dtype, device: g.device })],
  erf: (g, c) => [g.mul(c.input(0).square().neg().exp().mul(TWO_OVER_SQRT_PI))], // d erf = 2/√π e^{−x²}
  not: nothing,

  add: (g) => [g, g],
  sub: (g, c) => [g, c.needs[1] ? g.neg() : null],
  mul: (g, c) => [c.needs[0] ? g.mul(c.input(1)) : null, c.needs[1] ? g.mul(c.input(0)) : null],
  div: (g, c) => {
    const b = c.input(1);
    return [c.needs[0] ? g.div(b) : null, c.needs[1] ? g.mul(c.out()).div(b).neg() : null]; // d(a/b)/db = −(a/b)/b
  },
  pow: (g, c) => {
    const a = c.input(0);
    const b = c.input(1);
    // d aᵇ/da = b·aᵇ⁻¹ (0 where b = 0); d aᵇ/db = aᵇ·log a (0 where a = 0 and b ≥ 0)
    const da = c.needs[0] ? where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))) : null;
    const db = c.needs[1] ? where(a.eq(0).and(b.ge(0)), 0, g.mul(c.out()).mul(a.log())) : null;
    return [da, db];
  },
  maximum: pickRule((a, b) => a.lt(b)),
  minimum: pickRule((a, b) => a.gt(b)),
  eq: nothing,
  ne: nothing,
  lt: nothing,
  le: nothing,
  gt: nothing,
  ge: nothing,
  and: nothing,
  or: nothing,
  where: (g, c) => {
    const cond = c.input(0);
    return [null, c.needs[1] ? where(cond, g, 0) : null, c.needs[2] ? where(cond, 0, g) : null];
  },

  sum: (g, c) => [keepDims(g, c.shapes[0]!, c.params).expand(c.shapes[0]!)],
  prod: (g, c) => {
    // d Πx/dxᵢ = Π_{j≠i} xⱼ: Πx/xᵢ without zeros; with one zero, the product of
    // the others at the zero and 0 elsewhere; with two or more, 0 everywhere.
    // (Differentiating this again is exact only where x has no zeros.)
    const x = c.input(0);
    const { dims } = c.params;
    const isZero = x.eq(0);
    const nonzeroProd = where(isZero, 1, x).prod(dims, true);
    const zeros = isZero.to(x.dtype).sum(dims, true);
    const others = where(zeros.eq(0), nonzeroProd.div(where(isZero, 1, x)), where(zeros.eq(1).and(isZero), nonzeroProd, 0));
    return [keepDims(g, x.shape, c.params).mul(others)];
  },
  max: extremeRule,
  min: extremeRule,
  argmax: nothing,
  argmin: nothing,

  reshape: (g, c) => [g.reshape(c.shapes[0]!)],
  permute: (g, c) => {
    const inverse = new Array<number>(c.params.dims.length);
    c.params.dims.forEach((d, i) => (inverse[d] = i));
    return [g.permute(inverse)];
  },
  expand: (g, c) => [sumToShape(g, c.shapes[0]!)],
  slice: (g, c) => [apply('unslice', [g], { ...c.params, shape: c.shapes[0]! })],
  unslice: (g, c) => [apply('slice', [g], { ...c.params, shape: c.shapes[0]! })],
  cat: (g, c) => {
    let at = 0;
    return c.shapes.map((s, i) => {
      const piece = c.needs[i] ? g.narrow(c.params.dim, at, s[c.params.dim]!) : null;
      at += s[c.params.dim]!;
      return piece;
    });
  },
  // fold is the adjoint of unfold: each adds up what the other spreads out
  unfold: (g, c) => [apply('fold', [g], c.params)],
  fold: (g, c) => [apply('unfold', [g], c.params)],
  // and so are im2col and col2im
  im2col: (g, c) => [apply('col2im', [g], c.params)],
  col2im: (g, c) => [apply('im2col', [g], c.params)],
  // A convolution is bilinear in input and weight, and each gradient is the
  // adjoint of the convolution in one argument: ⟨g, conv2d(x, w)⟩ =
  // ⟨conv2dInput(g, w), x⟩ = ⟨conv2dWeight(x, g), w⟩. Differentiating those
  // identities gives each primitive's rule in terms of the other two. The
  // bias, conv2d's optional third input, is added at every output position:
  // d bias = g summed over N, OH, OW.
  conv2d: (g, c) => [
    c.needs[0] ? apply('conv2dInput', [g, c.input(1)], c.params) : null,
    c.needs[1] ? apply('conv2dWeight', [c.input(0), g], c.params) : null,
    c.needs[2] ? g.sum([0, 2, 3]) : null,
  ],
  conv2dInput: (g, c) => [
    c.needs[0] ? apply('conv2d', [g, c.input(1)], c.params) : null,
    c.needs[1] ? apply('conv2dWeight', [g, c.input(0)], c.params) : null,
  ],
  conv2dWeight: (g, c) => [
    c.needs[0] ? apply('conv2dInput', [c.input(1), g], c.params) : null,
    c.needs[1] ? apply('conv2d', [c.input(0), g], c.params) : null,
  ],
  maxPoolIndices: nothing,
  cast: (g) => [g],
  contiguous: (g) => [g],

  // d(AB) = dA·B + A·dB, so Ā = G·Bᵀ and B̄ = Aᵀ·G
  // Each gradient is made in its input's layout (as PyTorch's mm backward):
  // for a transposed matrix (a linear layer's `w.mT`) the transposed product,
  // viewed back, so that the transpose's own gradient is contiguous and the
  // leaf's `.grad` needs no strided copy.
  matmul: (g, c) => {
    const [a, b] = [c.input(0), c.input(1)];
    const ga = c.needs[0] ? (columnMajor(a) ? b.matmul(g.mT).mT : g.matmul(b.mT)) : null;
    const gb = c.needs[1] ? (columnMajor(b) ? g.mT.matmul(a).mT : a.mT.matmul(g)) : null;
    return [ga, gb];
  },
  // The index was checked when the op was called: no second pass over it.
  gather: (g, c) => [apply('scatterAdd', [zeros([], { dtype: g.dtype, device: g.device }).expand(c.shapes[0]!), c.input(1), g], c.params), null],
  scatterAdd: (g, c) => [c.needs[0] ? g : null, null, c.needs[2] ? scatteredPart(apply('gather', [g, c.input(1)], c.params), c.shapes[2]!) : null],
};
