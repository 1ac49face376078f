import { afterAll, describe, expect, it } from 'vitest';
import { cat, col2im, fold, im2col, maxPool2d, randn, tensor, where, vmap, type Primitive, type Tensor } from '@tapegrad/core';
import { assertAllClose } from '@tapegrad/core/testing';
import { apply } from '../src/primitives/apply.js';
import { convGeometry } from '../src/ops/im2col.js';
import { symmetric } from '../src/ops/sliding-window.js';
import { batchRules } from '../src/vmap/batch-rules.js';
import { batchOf, loopMap } from './loop-map.js';

// Every primitive's batching rule, reached through one small case or more
// and compared with the loop over the examples, with each operand batched
// at its first dim, at its last, or shared. The table is keyed by primitive:
// a primitive without a case is a compile error, and each case must reach
// its primitive's rule.

interface Case {
  readonly fn: (...xs: Tensor[]) => Tensor;
  readonly inputs: () => Tensor[];
}

const f64 = (shape: number[], lo = -2, hi = 2): Tensor => randn(shape, { dtype: 'float64' }).clamp(lo, hi);
const positive = (shape: number[]): Tensor => f64(shape).abs().add(0.5);
const ints = (values: number[], shape: number[]): Tensor => tensor(new Int32Array(values), { shape });

const unary = (k: Primitive & keyof Tensor, x: () => Tensor = () => f64([2, 3])): Case => ({ fn: (t) => (t[k] as () => Tensor).call(t), inputs: () => [x()] });
const binary = (k: Primitive & keyof Tensor): Case => ({ fn: (a, b) => (a![k] as (o: Tensor) => Tensor).call(a, b!), inputs: () => [f64([3]), positive([2, 3])] });

const geometry = convGeometry('conv2d', [5, 5], [3, 3], [1, 1], [1, 1], symmetric([1, 1]));
const conv = (groups: number) => ({ geometry, groups });

const cases: { readonly [P in Primitive]: readonly Case[] } = {
  neg: [unary('neg')],
  exp: [unary('exp')],
  log: [unary('log', () => positive([2, 3]))],
  log1p: [unary('log1p', () => positive([2, 3]))],
  expm1: [unary('expm1')],
  sqrt: [unary('sqrt', () => positive([2, 3]))],
  sin: [unary('sin')],
  cos: [unary('cos')],
  tanh: [unary('tanh')],
  sigmoid: [unary('sigmoid')],
  relu: [unary('relu')],
  abs: [unary('abs')],
  sign: [unary('sign')],
  erf: [unary('erf')],
  not: [unary('not')],
  add: [binary('add')],
  sub: [binary('sub')],
  mul: [binary('mul')],
  div: [binary('div')],
  pow: [{ fn: (a, b) => a!.pow(b!), inputs: () => [positive([3]), f64([2, 3])] }],
  maximum: [binary('maximum')],
  minimum: [binary('minimum')],
  eq: [binary('eq')],
  ne: [binary('ne')],
  lt: [binary('lt')],
  le: [binary('le')],
  gt: [binary('gt')],
  ge: [binary('ge')],
  and: [binary('and')],
  or: [binary('or')],
  where: [{ fn: (c, a, b) => where(c!.gt(0), a!, b!), inputs: () => [f64([2, 1]), f64([3]), f64([2, 3])] }],
  sum: [{ fn: (x) => x!.sum([0, 2]), inputs: () => [f64([2, 3, 4])] }, { fn: (x) => x!.sum(1, true), inputs: () => [f64([2, 3, 4])] }],
  prod: [{ fn: (x) => x!.prod(1), inputs: () => [f64([2, 3])] }],
  max: [{ fn: (x) => x!.amax([0, 1]), inputs: () => [f64([2, 3, 2])] }],
  min: [{ fn: (x) => x!.amin(1, true), inputs: () => [f64([2, 3])] }],
  argmax: [{ fn: (x) => x!.argmax(1), inputs: () => [f64([2, 3, 2])] }, { fn: (x) => x!.argmax(), inputs: () => [f64([2, 3])] }],
  argmin: [{ fn: (x) => x!.argmin(0, true), inputs: () => [f64([3, 2])] }],
  reshape: [{ fn: (x) => x!.reshape([3, 2]), inputs: () => [f64([2, 3])] }, { fn: (x) => x!.mT.reshape([6]), inputs: () => [f64([2, 3])] }],
  permute: [{ fn: (x) => x!.permute([2, 0, 1]), inputs: () => [f64([2, 3, 4])] }],
  expand: [{ fn: (x) => x!.expand([2, 3, 4]), inputs: () => [f64([3, 1])] }],
  slice: [{ fn: (x) => x!.flip([1]).slice(1, 1, 5, 2), inputs: () => [f64([2, 5])] }],
  unslice: [{ fn: (x) => x!.pad([1, 2, 0, 1]), inputs: () => [f64([2, 3])] }],
  cat: [{ fn: (a, b) => cat([a!, b!, a!], 1), inputs: () => [f64([2, 1]), f64([2, 3])] }],
  unfold: [{ fn: (x) => x!.unfold(1, 2, 1), inputs: () => [f64([2, 4])] }],
  fold: [{ fn: (x) => fold(x!, 0, 2, 1, 4), inputs: () => [f64([3, 2, 2])] }],
  im2col: [{ fn: (x) => im2col(x!, 2, { padding: 1 }), inputs: () => [f64([1, 2, 3, 3])] }],
  col2im: [{ fn: (x) => col2im(x!, [3, 3], 2), inputs: () => [f64([1, 8, 4])] }],
  conv2d: [
    { fn: (x, w) => apply('conv2d', [x!, w!], conv(1)), inputs: () => [f64([1, 2, 5, 5]), f64([3, 2, 3, 3])] },
    { fn: (x, w) => apply('conv2d', [x!, w!], conv(2)), inputs: () => [f64([2, 4, 5, 5]), f64([2, 2, 3, 3])] },
    // With a bias: shared with the weight, or an example's own while the weight is shared.
    { fn: (x, w, b) => apply('conv2d', [x!, w!, b!], conv(2)), inputs: () => [f64([2, 4, 5, 5]), f64([4, 2, 3, 3]), f64([4])] },
  ],
  conv2dInput: [{ fn: (g, w) => apply('conv2dInput', [g!, w!], conv(2)), inputs: () => [f64([2, 2, 5, 5]), f64([2, 2, 3, 3])] }],
  conv2dWeight: [{ fn: (x, g) => apply('conv2dWeight', [x!, g!], conv(2)), inputs: () => [f64([2, 4, 5, 5]), f64([2, 2, 5, 5])] }],
  maxPoolIndices: [{ fn: (x) => maxPool2d(x!, 2, { padding: 1 }), inputs: () => [f64([1, 2, 4, 5])] }],
  cast: [{ fn: (x) => x!.to('float32'), inputs: () => [f64([2, 3])] }],
  contiguous: [{ fn: (x) => x!.mT.contiguous(), inputs: () => [f64([2, 3])] }],
  matmul: [
    { fn: (a, b) => a!.matmul(b!), inputs: () => [f64([2, 3]), f64([3, 4])] },
    { fn: (a, b) => a!.matmul(b!), inputs: () => [f64([2, 2, 3]), f64([2, 3, 4])] },
    { fn: (a, b) => a!.matmul(b!), inputs: () => [f64([3]), f64([3, 4])] },
  ],
  gather: [{ fn: (x, i) => x!.gather(1, i!), inputs: () => [f64([2, 3]), ints([2, 0, 1, 1], [2, 2])] }],
  scatterAdd: [{ fn: (x, i, s) => x!.scatterAdd(1, i!, s!), inputs: () => [f64([2, 3]), ints([2, 0, 0, 2], [2, 2]), f64([2, 2])] }],
};

/** Every way to batch `n` operands at their first or last dim, or not at all, with at least one batched. */
function placements(n: number): ('first' | 'last' | null)[][] {
  let out: ('first' | 'last' | null)[][] = [[]];
  for (let i = 0; i < n; i++) out = out.flatMap((p) => [[...p, 'first' as const], [...p, 'last' as const], [...p, null]]);
  return out.filter((p) => p.some((q) => q !== null));
}

// Which rules ran, to check that each case reaches its primitive.
const reached = new Set<string>();
const original = { ...batchRules };
for (const key of Object.keys(batchRules) as Primitive[]) {
  (batchRules as Record<string, unknown>)[key] = (...args: unknown[]) => {
    reached.add(key);
    return (original[key] as (...a: unknown[]) => unknown)(...args);
  };
}
afterAll(() => Object.assign(batchRules, original));

describe('every primitive under vmap equals the loop over the examples', () => {
  for (const [prim, list] of Object.entries(cases) as [Primitive, readonly Case[]][]) {
    it(prim, () => {
      list.forEach((c, ci) => {
        const xs = c.inputs();
        for (const where of placements(xs.length)) {
          reached.clear();
          const batches = xs.map((x, i) => batchOf(x, [{ pos: where[i] === null ? null : where[i] === 'first' ? 0 : x.ndim, size: 3 }]));
          const inDims = batches.map((b) => b.dims[0]!);
          const args = batches.map((b) => b.arg);
          const expected = loopMap(c.fn, inDims)(...args);
          const actual = vmap(c.fn, { inDims })(...args);
          expect(actual.dtype, `case ${ci}, ${where}`).toBe(expected.dtype);
          assertAllClose(actual, expected, { rtol: 1e-10, atol: 1e-12 });
          expect([...reached], `case ${ci}, ${where}`).toContain(prim);
        }
      });
    });
  }
});
