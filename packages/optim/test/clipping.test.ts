import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@tapegrad/core';
import { OptimError, clipGradNorm, clipGradValue } from '@tapegrad/optim';
import { expectClose, grad, param, values } from './helpers.js';

function withGrads(...gs: number[][]): ReturnType<typeof param>[] {
  return gs.map((g) => {
    const p = param(g.map(() => 0));
    p.grad = grad(g);
    return p;
  });
}

describe('clipGradNorm', () => {
  it('returns the joint 2-norm over all gradients and scales them by maxNorm/(total + 1e-6)', () => {
    const [a, b] = withGrads([3, 4], [12]);
    const total = clipGradNorm([a!, b!], 6.5);
    // a 0-d tensor of the gradients' dtype and device, as PyTorch's
    expect(total.shape).toEqual([]);
    expect(total.dtype).toBe('float64');
    expect(total.item()).toBeCloseTo(Math.sqrt(9 + 16 + 144), 14); // 13
    const coef = 6.5 / (13 + 1e-6);
    expectClose(values(a!.grad!), [3 * coef, 4 * coef]);
    expectClose(values(b!.grad!), [12 * coef]);
    // the new joint norm is maxNorm (up to the 1e-6)
    expect(Math.hypot(...values(a!.grad!), ...values(b!.grad!))).toBeCloseTo(6.5, 5);
  });

  it('leaves gradient values as they are (multiplied by exactly 1) when the norm is within maxNorm', () => {
    const [a] = withGrads([3, -0, 4e-300]);
    const g = a!.grad!;
    expect(clipGradNorm(a!, 5.1).item()).toBeCloseTo(3, 14);
    expect(a!.grad).toBe(g);
    expect(values(g)).toEqual([3, -0, 4e-300]);
    expect(Object.is(values(g)[1], -0)).toBe(true);
  });

  it('Infinity norm is the largest |g|', () => {
    const [a, b] = withGrads([1, -7], [2, 3]);
    expect(clipGradNorm([a!, b!], 3.5, Infinity).item()).toBe(7);
    const coef = 3.5 / (7 + 1e-6);
    expectClose(values(a!.grad!), [coef, -7 * coef]);
    expectClose(values(b!.grad!), [2 * coef, 3 * coef]);
  });

  it('1-norm and 3-norm', () => {
    const [a] = withGrads([1, -2, 2]);
    expect(clipGradNorm([a!], 100, 1).item()).toBeCloseTo(5, 14);
    expect(clipGradNorm([a!], 100, 3).item()).toBeCloseTo(Math.cbrt(1 + 8 + 8), 14);
  });

  it('skips parameters without a gradient; none at all gives 0', () => {
    const [a] = withGrads([3, 4]);
    const b = param([1]);
    expect(clipGradNorm([a!, b], 1).item()).toBeCloseTo(5, 14);
    expect(b.grad).toBeNull();
    expect(clipGradNorm([param([1])], 1).item()).toBe(0);
  });

  it('works on float32 gradients', () => {
    const p = tensor([0, 0], { requiresGrad: true });
    p.grad = tensor([6, 8]);
    expect(clipGradNorm([p], 1).item()).toBeCloseTo(10, 5);
    expectClose(values(p.grad), [0.6, 0.8], 1e-6);
  });

  it('does not overflow or underflow: float32 gradients near the float32 maximum and minimum', () => {
    // Σg² would overflow float32 (3.4e38) at the large scales, and underflow to 0 at the small one.
    for (const scale of [5e37, 1e20, 1e-30]) {
      const p = tensor([0, 0, 0], { requiresGrad: true });
      p.grad = tensor([3 * scale, -4 * scale, 0]);
      const total = clipGradNorm([p], Infinity);
      expect(total.dtype).toBe('float32');
      expect(total.item() / (5 * scale)).toBeCloseTo(1, 6);
      expectClose(values(p.grad).map((v) => v / scale), [3, -4, 0], 1e-6);
    }
    for (const scale of [5e37, 1e20]) {
      const q = tensor([0, 0], { requiresGrad: true });
      q.grad = tensor([3 * scale, 4 * scale]);
      expect(clipGradNorm([q], scale).item() / (5 * scale)).toBeCloseTo(1, 6);
      expectClose(values(q.grad).map((v) => v / scale), [0.6, 0.8], 1e-6);
    }
  });

  it('errorIfNonfinite throws on an infinite norm; otherwise NaN spreads as in PyTorch', () => {
    const [a] = withGrads([Infinity, 1]);
    expect(() => clipGradNorm([a!], 1, 2, { errorIfNonfinite: true })).toThrow(/clipGradNorm: the total norm of order 2 of the gradients is Infinity/);
    const [b] = withGrads([NaN, 1]);
    expect(clipGradNorm([b!], 1).item()).toBeNaN();
    expect(Number.isNaN(values(b!.grad!)[1])).toBe(true);
  });

  it('checks its arguments', () => {
    const [a] = withGrads([1]);
    expect(() => clipGradNorm([a!], -1)).toThrow(OptimError);
    expect(() => clipGradNorm([a!], -1)).toThrow('clipGradNorm: invalid maxNorm = -1; expected a number >= 0');
    expect(() => clipGradNorm([a!], 1, 0)).toThrow('clipGradNorm: invalid normType = 0; expected a number > 0 or Infinity');
    expect(() => clipGradNorm([a!, 5 as unknown as Tensor], 1)).toThrow('clipGradNorm: params[1] is not a tensor');
  });
});

describe('clipGradValue', () => {
  it('clamps every element to [−c, c] in place', () => {
    const [a, b] = withGrads([0.5, -2, 3], [-0.1]);
    const g = a!.grad!;
    clipGradValue([a!, b!], 1);
    expect(a!.grad).toBe(g);
    expect(values(g)).toEqual([0.5, -1, 1]);
    expect(values(b!.grad!)).toEqual([-0.1]);
  });

  it('skips parameters without a gradient and checks clipValue', () => {
    const p = param([1]);
    clipGradValue(p, 1);
    expect(p.grad).toBeNull();
    expect(() => clipGradValue(p, -0.5)).toThrow('clipGradValue: invalid clipValue = -0.5; expected a number >= 0');
  });
});
