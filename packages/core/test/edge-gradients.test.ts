import { describe, expect, it } from 'vitest';
import { tensor, zeros } from '@tapegrad/core';

describe('gradients at the edges of a domain', () => {
  it('the 2-norm of a zero vector has gradient 0, as in PyTorch', () => {
    const x = zeros([3], { dtype: 'float64', requiresGrad: true });
    const n = x.norm();
    n.backward();
    expect(n.item()).toBe(0);
    expect(x.grad?.toArray()).toEqual([0, 0, 0]);
  });

  it('the 2-norm of a non-zero vector has gradient x/|x|', () => {
    const x = tensor([3, 4], { dtype: 'float64', requiresGrad: true });
    x.norm().backward();
    const [a, b] = x.grad!.toArray() as number[];
    expect(a).toBeCloseTo(0.6, 14);
    expect(b).toBeCloseTo(0.8, 14);
  });

  it('logsumexp of all −∞ is −∞ and of ±1000 is finite', () => {
    expect(tensor([-Infinity, -Infinity]).logsumexp().item()).toBe(-Infinity);
    expect(tensor([1000, 1000], { dtype: 'float64' }).logsumexp().item()).toBeCloseTo(1000 + Math.LN2, 12);
    expect(tensor([-1000, -1000], { dtype: 'float64' }).logsumexp().item()).toBeCloseTo(-1000 + Math.LN2, 12);
  });
});

describe('padding', () => {
  it('pads with −∞ exactly and passes gradient only to the inside', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const p = x.pad([1, 2], -Infinity);
    expect(p.toArray()).toEqual([-Infinity, 1, 2, -Infinity, -Infinity]);
    p.amax().backward();
    expect(x.grad?.toArray()).toEqual([0, 1]);
  });
});

describe('max and min along a dim', () => {
  it('send the gradient to the returned index only, even at ties (as PyTorch)', () => {
    const x = tensor([[1, 3, 3], [2, 2, 0]], { dtype: 'float64', requiresGrad: true });
    const { values, indices } = x.max(1);
    expect(values.toArray()).toEqual([3, 2]);
    expect(indices.toArray()).toEqual([1, 0]);
    values.sum().backward();
    expect(x.grad?.toArray()).toEqual([[0, 1, 0], [1, 0, 0]]);
  });

  it('amax over all elements shares the gradient between ties', () => {
    const x = tensor([1, 3, 3], { dtype: 'float64', requiresGrad: true });
    x.amax().backward();
    expect(x.grad?.toArray()).toEqual([0, 0.5, 0.5]);
  });

  it('min with keepdim keeps the dim', () => {
    const { values, indices } = tensor([[4, 1], [0, 5]]).min(0, true);
    expect(values.toArray()).toEqual([[0, 1]]);
    expect(indices.toArray()).toEqual([[1, 0]]);
  });
});

describe('prod', () => {
  it('has the product of the other elements as gradient, zeros included', () => {
    const one = tensor([2, 0, 3], { dtype: 'float64', requiresGrad: true });
    one.prod().backward();
    expect(one.grad?.toArray()).toEqual([0, 6, 0]);
    const two = tensor([[0, 5, 0], [1, 2, 4]], { dtype: 'float64', requiresGrad: true });
    two.prod(1).sum().backward();
    expect(two.grad?.toArray()).toEqual([[0, 0, 0], [8, 4, 2]]);
  });
});

describe('maximum and minimum', () => {
  // PyTorch: self gets g unless it loses (self < other for maximum), other
  // likewise, ties split g in half; a NaN loses nothing, so both get g.
  const cases: [number, number, number, number, number, number][] = [
    // a, b, d max / d a, d max / d b, d min / d a, d min / d b
    [2, 1, 1, 0, 0, 1],
    [1, 2, 0, 1, 1, 0],
    [3, 3, 0.5, 0.5, 0.5, 0.5],
    [Number.NaN, 1, 1, 1, 1, 1],
    [1, Number.NaN, 1, 1, 1, 1],
  ];
  it.each(cases)('at a=%d, b=%d', (av, bv, maxA, maxB, minA, minB) => {
    for (const [op, da, db] of [['maximum', maxA, maxB], ['minimum', minA, minB]] as const) {
      const a = tensor([av], { dtype: 'float64', requiresGrad: true });
      const b = tensor([bv], { dtype: 'float64', requiresGrad: true });
      a[op](b).sum().backward();
      expect([op, a.grad!.item(), b.grad!.item()]).toEqual([op, da, db]);
    }
  });
});

describe('clamp', () => {
  // PyTorch: the gradient passes where min ≤ x ≤ max (bounds included); a NaN stays NaN with gradient 0.
  it.each([
    [Number.NaN, Number.NaN, 0],
    [-1, -0.5, 0],
    [-0.5, -0.5, 1],
    [0.2, 0.2, 1],
    [0.7, 0.7, 1],
    [3, 0.7, 0],
  ])('at %d is %d with gradient %d', (xv, value, grad) => {
    const x = tensor([xv], { dtype: 'float64', requiresGrad: true });
    const y = x.clamp(-0.5, 0.7);
    y.sum().backward();
    expect([y.item(), x.grad!.item()]).toEqual([value, grad]);
  });
});
