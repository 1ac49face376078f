import { describe, expect, it } from 'vitest';
import {
  AutogradError,
  DTypeError,
  IndexError,
  ShapeError,
  TapegradError,
  cat,
  oneHot,
  tensor,
  where,
  zeros,
  ones,
} from '@tapegrad/core';

const i32 = (v: number[]) => tensor(v, { dtype: 'int32' });
const a23 = () => zeros([2, 3]);

// Every row: what is called, the error class, and a pattern naming the op and the shapes or values involved.
const cases: [string, () => unknown, new (...args: never[]) => Error, RegExp][] = [
  ['add', () => a23().add(zeros([3, 2])), ShapeError, /^add: shapes \[2, 3\] and \[3, 2\]/],
  ['sub', () => a23().sub(zeros([4])), ShapeError, /^sub: shapes \[2, 3\] and \[4\]/],
  ['mul', () => a23().mul(zeros([2])), ShapeError, /^mul: shapes \[2, 3\] and \[2\]/],
  ['div', () => a23().div(zeros([2, 2])), ShapeError, /^div: shapes \[2, 3\] and \[2, 2\]/],
  ['pow', () => a23().pow(zeros([5])), ShapeError, /^pow: shapes \[2, 3\] and \[5\]/],
  ['maximum', () => a23().maximum(zeros([5])), ShapeError, /^maximum: shapes \[2, 3\] and \[5\]/],
  ['minimum', () => a23().minimum(zeros([5])), ShapeError, /^minimum: shapes \[2, 3\] and \[5\]/],
  ['eq', () => a23().eq(zeros([5])), ShapeError, /^eq: shapes \[2, 3\] and \[5\]/],
  ['where', () => where(zeros([2]).gt(0), a23(), 1), ShapeError, /^where: shapes \[2\] and \[2, 3\]/],
  ['matmul inner', () => a23().matmul(a23()), ShapeError, /^matmul: shapes \[2, 3\] and \[2, 3\].*inner sizes 3 and 2/],
  ['matmul 0-d', () => tensor(1).matmul(a23()), ShapeError, /^matmul: shapes \[\] and \[2, 3\]/],
  ['matmul batch', () => zeros([2, 2, 3]).matmul(zeros([4, 3, 1])), ShapeError, /^matmul: shapes \[2, 2, 3\] and \[4, 3, 1\].*batch dims \[2\] and \[4\]/],
  ['sum dim', () => a23().sum(5), IndexError, /^sum: dim 5 is out of range for a tensor of 2 dims/],
  ['permute length', () => a23().permute([1, 0, 2]), IndexError, /^permute: got 3 dims \[1, 0, 2\] for a tensor of 2 dims \(shape \[2, 3\]\)/],
  ['transpose dim', () => a23().transpose(0, -3), IndexError, /^transpose: dim -3 is out of range/],
  ['gather index', () => a23().gather(1, i32([3]).reshape([1, 1])), IndexError, /^gather: index 3 is out of range for dim 1 of size 3/],
  ['scatterAdd index', () => a23().scatterAdd(0, i32([2]).reshape([1, 1]), ones([1, 1])), IndexError, /^scatterAdd: index 2 is out of range for dim 0 of size 2/],
  ['indexSelect index', () => a23().indexSelect(1, i32([0, 5])), IndexError, /^indexSelect: index 5 is out of range for dim 1 of size 3/],
  ['select index', () => a23().select(1, -4), IndexError, /^select: index -4 is out of range for dim 1 of size 3 \(shape \[2, 3\]\)/],
  ['narrow range', () => a23().narrow(0, 1, 2), IndexError, /^narrow: start 1 and length 2 .*size 2 \(shape \[2, 3\]\)/],
  ['oneHot class', () => oneHot(i32([0, 4]), 4), IndexError, /^oneHot: index 4 is out of range for numClasses of size 4/],
  ['gather float index', () => a23().gather(1, zeros([1, 1])), DTypeError, /^gather: index must be an int32 tensor, got float32/],
  ['maskedFill mask', () => a23().maskedFill(zeros([2, 3]), 1), DTypeError, /^maskedFill: mask must be a bool tensor, got float32/],
  ['where condition', () => where(i32([1]), 1, 2), DTypeError, /^where: condition must be a bool tensor, got int32/],
  ['mean of int', () => i32([1, 2]).mean(), DTypeError, /^mean: input must be a float tensor, got int32/],
  ['reshape size', () => a23().reshape([4, 2]), ShapeError, /^reshape: shape \[4, 2\] is invalid for a tensor of shape \[2, 3\] \(6 elements\)/],
  ['view layout', () => a23().mT.view([6]), ShapeError, /^view: a tensor of shape \[3, 2\] .*cannot be viewed as \[6\]/],
  ['cat shapes', () => cat([a23(), zeros([2, 2])], 0), ShapeError, /^cat: tensor 1 has shape \[2, 2\] but tensor 0 has \[2, 3\]/],
];

describe('bad input', () => {
  it.each(cases)('%s', (_name, fn, cls, pattern) => {
    let caught: unknown;
    try {
      fn();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(cls);
    expect(caught).toBeInstanceOf(TapegradError);
    expect((caught as Error).message).toMatch(pattern);
    expect((caught as Error).name).toBe(cls.name);
  });
});

describe('autograd misuse', () => {
  it('backward twice through saved values', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow(/second time.*retainGraph: true/);
  });

  it('in-place on a saved value names the op, the shape and the versions', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(1);
    const y = h.tanh();
    y.mul_(2);
    expect(() => y.sum().backward()).toThrow(AutogradError);
    const x2 = tensor([1, 2], { requiresGrad: true });
    const y2 = x2.mul(1).tanh();
    y2.mul_(2);
    expect(() => y2.sum().backward()).toThrow(/the output of 'tanh' \(shape \[2\], float32\) was modified .*version 1, saved at version 0/);
  });
});
