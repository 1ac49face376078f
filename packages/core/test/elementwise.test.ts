import { describe, expect, it } from 'vitest';
import { add, clamp, maximum, minimum, pow, tensor, where, zeros, ShapeError, DTypeError, TapegradError } from '@tapegrad/core';
import * as fc from 'fast-check';
import { assertAllClose } from '@tapegrad/core/testing';
import { BINARY_KERNELS, UNARY_KERNELS } from '../src/backend/js/elementwise.js';
import { broadcastShapes } from '../src/shape.js';
import { elementwiseSpecs } from './op-specs.js';

const binaryKernels = elementwiseSpecs.flatMap((s) => (BINARY_KERNELS.includes(s.elementwise.kernel as never) ? [s.elementwise.kernel as (typeof BINARY_KERNELS)[number]] : []));

const col = () => tensor([[1], [2], [3]]); // [3, 1]
const row = () => tensor([10, 20]); // [2]

describe('binary ops broadcast', () => {
  it('add, sub, mul, div of [3, 1] and [2] give [3, 2]', () => {
    expect(col().add(row()).toArray()).toEqual([
      [11, 21],
      [12, 22],
      [13, 23],
    ]);
    expect(col().sub(row()).toArray()).toEqual([
      [-9, -19],
      [-8, -18],
      [-7, -17],
    ]);
    expect(col().mul(row()).toArray()).toEqual([
      [10, 20],
      [20, 40],
      [30, 60],
    ]);
    expect(row().div(col()).toArray()).toEqual([
      [10, 20],
      [5, 10],
      [10 / 3, 20 / 3].map(Math.fround),
    ]);
  });

  it('plain numbers on either side', () => {
    expect(row().add(1).toArray()).toEqual([11, 21]);
    expect(add(1, row()).toArray()).toEqual([11, 21]);
    expect(row().sub(5).toArray()).toEqual([5, 15]);
    expect(row().mul(-1).toArray()).toEqual([-10, -20]);
    expect(row().div(4).toArray()).toEqual([2.5, 5]);
    expect(pow(2, tensor([0, 3])).toArray()).toEqual([1, 8]);
  });

  it('pow, maximum, minimum', () => {
    expect(tensor([2, 3]).pow(2).toArray()).toEqual([4, 9]);
    expect(tensor([4, 9]).pow(0.5).toArray()).toEqual([2, 3]);
    expect(tensor([2, 3]).pow(tensor([[1], [2]])).toArray()).toEqual([
      [2, 3],
      [4, 9],
    ]);
    expect(maximum(tensor([1, 5, -2]), tensor([3, 4, -2])).toArray()).toEqual([3, 5, -2]);
    expect(minimum(tensor([1, 5, -2]), 0).toArray()).toEqual([0, 0, -2]);
    expect(tensor([Number.NaN, 1]).maximum(0).toArray()).toEqual([Number.NaN, 1]);
  });

  it('0-d with 0-d and with [0]-shaped tensors', () => {
    expect(tensor(2).mul(tensor(3)).shape).toEqual([]);
    expect(tensor(2).mul(tensor(3)).item()).toBe(6);
    expect(zeros([0, 3]).add(tensor([1, 2, 3])).shape).toEqual([0, 3]);
  });

  it('reports shapes that do not broadcast, naming the op and both shapes', () => {
    const a = zeros([2, 3]);
    const b = zeros([4]);
    for (const op of binaryKernels) {
      expect(() => a[op](b)).toThrow(ShapeError);
      expect(() => a[op](b)).toThrow(new RegExp(`^${op}: shapes \\[2, 3\\] and \\[4\\]`));
    }
    expect(() => where(zeros([2, 3]).gt(0), zeros([2, 3]), zeros([4]))).toThrow(/where.*\[2, 3\].*\[4\]/);
  });

  it('at least one operand must be a tensor', () => {
    expect(() => add(1 as never, 2 as never)).toThrow(TapegradError);
  });
});

describe('unary math', () => {
  it('hand values', () => {
    const x = tensor([-2, 0, 3], { dtype: 'float64' });
    expect(x.neg().toArray()).toEqual([2, -0, -3]);
    expect(x.abs().toArray()).toEqual([2, 0, 3]);
    expect(x.sign().toArray()).toEqual([-1, 0, 1]);
    expect(x.relu().toArray()).toEqual([0, 0, 3]);
    expect(x.square().toArray()).toEqual([4, 0, 9]);
    expect(tensor([4, 0.25], { dtype: 'float64' }).rsqrt().toArray()).toEqual([0.5, 2]);
    expect(tensor([4, -0.5], { dtype: 'float64' }).reciprocal().toArray()).toEqual([0.25, -2]);
    assertAllClose(x.sigmoid(), [1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-3))], { rtol: 1e-15 });
    assertAllClose(tensor([0.5], { dtype: 'float64' }).tan(), [Math.tan(0.5)], { rtol: 1e-15 });
  });

  it('sigmoid and tanh do not overflow at ±1000', () => {
    expect(tensor([-1000, 1000]).sigmoid().toArray()).toEqual([0, 1]);
    expect(tensor([-1000, 1000]).tanh().toArray()).toEqual([-1, 1]);
  });

  it('log and sqrt of out-of-domain values give -inf and NaN', () => {
    expect(tensor([0, -1]).log().toArray()).toEqual([-Infinity, Number.NaN]);
    expect(tensor([-1]).sqrt().toArray()).toEqual([Number.NaN]);
  });
});

describe('clamp', () => {
  it('with both bounds, one bound, tensor bounds', () => {
    const x = tensor([-3, -1, 0, 2, 5]);
    expect(x.clamp(-1, 2).toArray()).toEqual([-1, -1, 0, 2, 2]);
    expect(x.clamp(0).toArray()).toEqual([0, 0, 0, 2, 5]);
    expect(x.clamp(undefined, 0).toArray()).toEqual([-3, -1, 0, 0, 0]);
    expect(clamp(x, tensor([0, 0, 0, 3, 3]), 4).toArray()).toEqual([0, 0, 0, 3, 4]);
    expect(tensor([Number.NaN]).clamp(0, 1).toArray()).toEqual([Number.NaN]);
    expect(() => x.clamp()).toThrow(/clamp/);
  });

  it('keeps the dtype of int tensors', () => {
    const r = tensor([-5, 5], { dtype: 'int32' }).clamp(-1, 1);
    expect(r.dtype).toBe('int32');
    expect(r.toArray()).toEqual([-1, 1]);
  });
});

describe('where', () => {
  it('picks by condition, broadcasting all three', () => {
    const cond = tensor([true, false, true]);
    expect(where(cond, tensor([1, 2, 3]), tensor([-1, -2, -3])).toArray()).toEqual([1, -2, 3]);
    expect(where(tensor([[true], [false]]), tensor([1, 2]), 0).toArray()).toEqual([
      [1, 2],
      [0, 0],
    ]);
    expect(tensor([1, 2, 3]).where(cond, 9).toArray()).toEqual([1, 9, 3]);
    const ints = where(cond, 1, 0);
    expect(ints.dtype).toBe('int32');
    expect(ints.toArray()).toEqual([1, 0, 1]);
  });

  it('promotes the two branches', () => {
    const r = where(tensor([true, false]), tensor([1, 2], { dtype: 'int32' }), tensor([0.5, 0.5], { dtype: 'float64' }));
    expect(r.dtype).toBe('float64');
    expect(r.toArray()).toEqual([1, 0.5]);
  });

  it('requires a bool condition', () => {
    expect(() => where(tensor([1, 0]), 1, 2)).toThrow(DTypeError);
    expect(() => where(tensor([1, 0]), 1, 2)).toThrow(/where.*bool.*float32/);
  });
});

describe('comparisons and logic', () => {
  it('compare with numbers and tensors, broadcasting', () => {
    const x = tensor([1, 2, 3]);
    expect(x.eq(2).toArray()).toEqual([false, true, false]);
    expect(x.ne(2).toArray()).toEqual([true, false, true]);
    expect(x.lt(2).toArray()).toEqual([true, false, false]);
    expect(x.le(2).toArray()).toEqual([true, true, false]);
    expect(x.gt(2).toArray()).toEqual([false, false, true]);
    expect(x.ge(2).toArray()).toEqual([false, true, true]);
    expect(x.lt(tensor([[2], [3]])).toArray()).toEqual([
      [true, false, false],
      [true, true, false],
    ]);
    // a float32 tensor compared with a number uses the number rounded to float32
    expect(tensor([0.1]).eq(0.1).toArray()).toEqual([true]);
    expect(tensor([Number.NaN]).eq(Number.NaN).toArray()).toEqual([false]);
  });

  it('and, or, not', () => {
    const a = tensor([true, true, false, false]);
    const b = tensor([true, false, true, false]);
    expect(a.and(b).toArray()).toEqual([true, false, false, false]);
    expect(a.or(b).toArray()).toEqual([true, true, true, false]);
    expect(a.not().toArray()).toEqual([false, false, true, true]);
    expect(tensor([0, 2]).and(tensor([3, 3])).toArray()).toEqual([false, true]);
  });

  it('equal and allClose', () => {
    expect(tensor([1, 2]).equal(tensor([1, 2]))).toBe(true);
    expect(tensor([1, 2]).equal(tensor([[1, 2]]))).toBe(false);
    expect(tensor([1, 2]).allClose(tensor([1, 2.00001]))).toBe(true);
    expect(tensor([1, 2]).allClose(tensor([1, 2.001]))).toBe(false);
    expect(tensor([Number.NaN]).allClose(tensor([Number.NaN]))).toBe(false);
  });
});

describe('every elementwise primitive, from the op table', () => {
  it('has a row for each kernel of the reference backend', () => {
    expect(elementwiseSpecs.map((s) => s.elementwise.kernel).sort()).toEqual([...UNARY_KERNELS, ...BINARY_KERNELS].sort());
  });

  it.each(elementwiseSpecs.map((s) => [s.name, s] as const))('%s matches its float64 reference, broadcasting', (_, spec) => {
    fc.assert(
      fc.property(spec.inputs, (xs) => {
        const out = spec.fn(...xs);
        const shape = xs.length === 1 ? xs[0]!.shape : broadcastShapes(spec.name, xs[0]!.shape, xs[1]!.shape);
        expect(out.shape).toEqual(shape);
        const columns = xs.map((x) => Array.from(x.expand(shape).contiguous().data, Number));
        const want = new Float64Array(columns[0]!.length).map((_, i) => spec.elementwise.reference(...columns.map((c) => c[i]!)));
        assertAllClose(out.to('float64'), tensor(Array.from(want), { dtype: 'float64' }).reshape([...shape]), { rtol: 1e-14, atol: 1e-15 });
      }),
      { seed: 7, numRuns: 25 },
    );
  });
});
