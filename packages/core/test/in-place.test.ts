import { describe, expect, it } from 'vitest';
import { AutogradError, DTypeError, ShapeError, noGrad, tensor } from '@tapegrad/core';

const leaf = (v: number[]) => tensor(v, { dtype: 'float64', requiresGrad: true });
const plain = (v: number[]) => tensor(v, { dtype: 'float64' });

describe('in-place ops', () => {
  it('compute their values and bump the version counter', () => {
    const x = plain([1, 2, 3]);
    expect(x.version).toBe(0);
    x.add_(1);
    expect(x.toArray()).toEqual([2, 3, 4]);
    x.add_(plain([1, 1, 1]), 2);
    expect(x.toArray()).toEqual([4, 5, 6]);
    x.sub_(1);
    x.mul_(2);
    expect(x.toArray()).toEqual([6, 8, 10]);
    x.div_(2);
    x.clamp_(3.5, 4.5);
    expect(x.toArray()).toEqual([3.5, 4, 4.5]);
    x.copy_(plain([7, 8, 9]));
    expect(x.toArray()).toEqual([7, 8, 9]);
    x.zero_();
    expect(x.toArray()).toEqual([0, 0, 0]);
    expect(x.version).toBe(8);
  });

  it('addcmul_, addcdiv_, lerp_, sqrt_, maximum_, fill_', () => {
    const x = plain([1, 4]);
    x.addcmul_(plain([2, 3]), plain([5, 1]), 0.5);
    expect(x.toArray()).toEqual([6, 5.5]);
    x.addcdiv_(plain([2, 3]), plain([4, 6]), 2);
    expect(x.toArray()).toEqual([7, 6.5]);
    x.lerp_(plain([9, 8.5]), 0.5);
    expect(x.toArray()).toEqual([8, 7.5]);
    plain([4, 9]).sqrt_();
    const y = plain([4, 9]).sqrt_();
    expect(y.toArray()).toEqual([2, 3]);
    expect(y.maximum_(2.5).toArray()).toEqual([2.5, 3]);
    expect(y.fill_(1).toArray()).toEqual([1, 1]);
  });

  it('broadcast the operand into the tensor, but not the tensor to a larger shape', () => {
    const x = plain([1, 2]);
    x.copy_(5);
    expect(x.toArray()).toEqual([5, 5]);
    expect(() => x.add_(plain([1, 2, 3]))).toThrow(ShapeError);
    expect(() => tensor([1, 2]).add_(tensor([[1, 2], [3, 4]]))).toThrow(/add_.*\[2, 2\].*\[2\]/);
  });

  it('a float result cannot be written into an int tensor', () => {
    expect(() => tensor([1], { dtype: 'int32' }).add_(0.5)).toThrow(DTypeError);
    expect(tensor([1], { dtype: 'int32' }).copy_(tensor([2.7])).toArray()).toEqual([2]);
  });

  it('on a leaf that requires grad: an error while recording, fine under noGrad', () => {
    const w = leaf([1, 2]);
    expect(() => w.add_(1)).toThrow(AutogradError);
    expect(() => w.mul_(2)).toThrow(/mul_.*leaf.*\[2\].*noGrad/);
    expect(w.toArray()).toEqual([1, 2]);
    noGrad(() => w.sub_(plain([0.5, 0.5])));
    expect(w.toArray()).toEqual([0.5, 1.5]);
    expect(w.requiresGrad).toBe(true);
    expect(w.version).toBe(1);
  });

  it('on a non-leaf is recorded: gradients flow through it', () => {
    const x = leaf([1, 2]);
    const y = x.mul(3);
    y.add_(1).mul_(2); // y = 2(3x + 1)
    expect(y.toArray()).toEqual([8, 14]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 6]);
  });

  it('backward through a value modified after it was saved names the op that saved it', () => {
    const x = leaf([1, 2]);
    const y = x.exp();
    y.add_(1);
    expect(() => y.sum().backward()).toThrow(AutogradError);
    const x2 = leaf([1, 2]);
    const y2 = x2.exp();
    y2.add_(1);
    expect(() => y2.sum().backward()).toThrow(/output of 'exp'.*modified by an in-place op/);
  });

  it('also when the saved input is changed through a view under noGrad', () => {
    const x = leaf([1, 2]);
    const h = x.mul(1);
    const y = h.sin();
    noGrad(() => h.narrow(0, 0, 1).fill_(0));
    expect(() => y.sum().backward()).toThrow(/input 0 of 'sin'/);
  });

  it('a modification that no rule needs is fine', () => {
    const x = leaf([1, 2]);
    const y = x.add(1); // add saves nothing it reads
    noGrad(() => y.mul_(10));
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 1]);
  });
});
