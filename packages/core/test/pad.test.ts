import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, TapegradError, pad, randn, tensor } from '@tapegrad/core';
import { gradcheck, gradgradcheck } from '@tapegrad/core/testing';

const f64 = { dtype: 'float64' } as const;

describe('pad', () => {
  it('fills by each mode as PyTorch', () => {
    const x = tensor([[1, 2, 3]]);
    expect(pad(x, [2, 2], 'reflect').toArray()).toEqual([[3, 2, 1, 2, 3, 2, 1]]);
    expect(pad(x, [2, 1], 'replicate').toArray()).toEqual([[1, 1, 1, 2, 3, 3]]);
    expect(pad(x, [3, 2], 'circular').toArray()).toEqual([[1, 2, 3, 1, 2, 3, 1, 2]]);
    expect(pad(x, [1, 0], 'constant', -1).toArray()).toEqual([[-1, 1, 2, 3]]);
    expect(pad(x, [1, 0], 5).toArray()).toEqual([[5, 1, 2, 3]]);
    expect(x.pad([0, 1], 'replicate').toArray()).toEqual([[1, 2, 3, 3]]);
    // Two dims: the corners are reflected in both.
    const img = tensor([[1, 2], [3, 4], [5, 6]]);
    expect(pad(img, [1, 0, 1, 1], 'reflect').toArray()).toEqual([[4, 3, 4], [2, 1, 2], [4, 3, 4], [6, 5, 6], [4, 3, 4]]);
    expect(pad(img, [0, 1, 2, 0], 'circular').toArray()).toEqual([[3, 4, 3], [5, 6, 5], [1, 2, 1], [3, 4, 3], [5, 6, 5]]);
  });

  it('has gradients in every mode, twice over (float64 finite differences)', () => {
    const x = randn([2, 3, 4], { ...f64, generator: new Generator(5) }).requiresGrad_();
    for (const mode of ['reflect', 'replicate', 'circular', 'constant'] as const) {
      gradcheck((xi) => pad(xi, [3, 2, 1, 2], mode), [x]);
      gradgradcheck((xi) => pad(xi, [1, 2, 2, 0], mode).square(), [x]);
    }
  });

  it('refuses what PyTorch refuses', () => {
    const x = randn([1, 2, 3]);
    expect(() => pad(x, [3, 0], 'reflect')).toThrow(ShapeError);
    expect(() => pad(x, [3, 0], 'reflect')).toThrow(/pad: reflect padding \(3, 0\) of dim 2 must be less than its size 3/);
    expect(() => pad(x, [0, 4], 'circular')).toThrow(/pad: circular padding \(0, 4\) of dim 2 must be at most its size 3/);
    expect(() => pad(randn([2, 0]), [1, 1], 'replicate')).toThrow(/the dim is empty/);
    expect(() => pad(x, [1, 1], 'reflect', 2)).toThrow(/mode 'reflect' takes no fill value/);
    expect(() => pad(x, [1, 1], 'wrap' as never)).toThrow(TapegradError);
    expect(() => pad(x, [1, 1], 1, 2)).toThrow(/give the fill value once/);
    expect(pad(x, [1, 1], 'reflect', 0).shape).toEqual([1, 2, 5]);
  });
});
