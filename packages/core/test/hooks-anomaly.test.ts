import { describe, expect, it } from 'vitest';
import { AutogradError, detectAnomaly, isAnomalyEnabled, tensor, zeros, type Tensor } from '@tapegrad/core';

const leaf = (v: number[]) => tensor(v, { dtype: 'float64', requiresGrad: true });

describe('registerHook', () => {
  it('a hook on a leaf sees the gradient and may replace it', () => {
    const x = leaf([1, 2]);
    const seen: number[][] = [];
    x.registerHook((g) => {
      seen.push(g.toArray() as number[]);
      return g.mul(10);
    });
    x.mul(tensor([3, 4], { dtype: 'float64' })).sum().backward();
    expect(seen).toEqual([[3, 4]]);
    expect(x.grad!.toArray()).toEqual([30, 40]);
  });

  it('a leaf used twice calls its hook once, with the summed gradient', () => {
    const x = leaf([1, 2]);
    const seen: number[][] = [];
    x.registerHook((g) => {
      seen.push(g.toArray() as number[]);
      return g.clamp(-3, 3);
    });
    x.mul(x).sum().backward(); // 2x = [2, 4]
    expect(seen).toEqual([[2, 4]]);
    expect(x.grad!.toArray()).toEqual([2, 3]);
  });

  it('removal stops the hook', () => {
    const x = leaf([1]);
    let calls = 0;
    const remove = x.registerHook(() => {
      calls++;
    });
    x.mul(2).sum().backward();
    remove();
    remove(); // a second removal is harmless
    x.mul(2).sum().backward();
    expect(calls).toBe(1);
    expect(x.grad!.toArray()).toEqual([4]);
  });

  it('a hook on a non-leaf changes what flows further back', () => {
    const x = leaf([1, 2]);
    const h = x.mul(2);
    const seen: number[][] = [];
    h.registerHook((g) => {
      seen.push(g.toArray() as number[]);
      return g.neg();
    });
    h.sum().backward();
    expect(seen).toEqual([[1, 1]]);
    expect(x.grad!.toArray()).toEqual([-2, -2]);
  });

  it('cannot be registered on a tensor that does not require grad', () => {
    expect(() => zeros([1]).registerHook((g) => g)).toThrow(AutogradError);
  });
});

describe('detectAnomaly', () => {
  const catchMessage = (fn: () => void): string => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(AutogradError);
      return (e as Error).message;
    }
    throw new Error('expected an error');
  };

  it('sqrt at 0: names the forward op and where it was called', () => {
    const x = leaf([0, 1]);
    const msg = catchMessage(() => detectAnomaly(() => x.sqrt().sum().backward()));
    expect(msg).toMatch(/'sqrt'/);
    expect(msg).toMatch(/Inf|NaN/);
    expect(msg).toContain('hooks-anomaly.test.ts');
  });

  it('log at 0 inside a longer expression', () => {
    const x = leaf([0, 2]);
    const msg = catchMessage(() =>
      detectAnomaly(() => {
        const y: Tensor = x.mul(1).log().mul(3);
        y.sum().backward();
      }),
    );
    expect(msg).toMatch(/'log'/);
    expect(msg).toContain('hooks-anomaly.test.ts');
  });

  it('NaN from 0/0 in backward', () => {
    const x = leaf([0]);
    const msg = catchMessage(() => detectAnomaly(() => x.sqrt().mul(0).sum().backward()));
    expect(msg).toMatch(/NaN/);
    expect(msg).toMatch(/'sqrt'/);
  });

  it('is off outside and does not throw on finite gradients', () => {
    expect(isAnomalyEnabled()).toBe(false);
    const x = leaf([1]);
    detectAnomaly(() => x.sqrt().sum().backward());
    expect(x.grad!.toArray()).toEqual([0.5]);
    // without it, the infinite gradient just arrives
    const z = leaf([0]);
    z.sqrt().sum().backward();
    expect(z.grad!.toArray()).toEqual([Infinity]);
  });
});
