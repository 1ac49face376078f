import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, TapegradError, Tensor, conv2d, maxPool2d, randn, tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import { AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, MaxPool2d, Sequential, Flatten } from '@tapegrad/nn';

const f64 = { dtype: 'float64' } as const;

describe('Conv2d', () => {
  it('has PyTorch’s parameter shapes and initial ranges', () => {
    const conv = new Conv2d(4, 6, [3, 2], { groups: 2, generator: new Generator(0) });
    expect(conv.weight.shape).toEqual([6, 2, 3, 2]);
    expect(conv.bias!.shape).toEqual([6]);
    // kaiming uniform with a = √5 and the bias both give U(±1/√fanIn), fanIn = 2·3·2
    const bound = 1 / Math.sqrt(12);
    for (const p of [conv.weight, conv.bias!]) {
      const v = Array.from(p.data).map(Math.abs);
      expect(Math.max(...v)).toBeLessThanOrEqual(bound);
      expect(Math.max(...v)).toBeGreaterThan(bound / 2);
    }
    expect(conv.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(new Conv2d(1, 1, 1, { bias: false }).bias).toBeNull();
  });

  it('is seedable and runs the functional form with its geometry', () => {
    const a = new Conv2d(2, 3, 3, { stride: 2, padding: 1, generator: new Generator(7), dtype: 'float64' });
    const b = new Conv2d(2, 3, 3, { stride: 2, padding: 1, generator: new Generator(7), dtype: 'float64' });
    expect(a.weight.equal(b.weight)).toBe(true);
    const x = randn([2, 2, 5, 5], f64);
    const y = a.forward(x);
    expect(y.shape).toEqual([2, 3, 3, 3]);
    assertAllClose(y, conv2d(x, a.weight, a.bias, { stride: 2, padding: 1 }));
  });

  it('passes gradients to input, weight and bias', () => {
    const conv = new Conv2d(2, 2, 2, { padding: 1, dtype: 'float64', generator: new Generator(1) });
    const x = randn([1, 2, 3, 3], { ...f64, generator: new Generator(2) }).requiresGrad_();
    gradcheck(
      (xi, w, b) => {
        conv.weight = w;
        conv.bias = b;
        return conv.forward(xi);
      },
      [x, conv.weight.detach().requiresGrad_(), conv.bias!.detach().requiresGrad_()],
    );
  });

  it('refuses bad arguments and bad inputs with clear errors', () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/divisible by groups/);
    expect(() => new Conv2d(3, 4, [3, 3, 3])).toThrow(TapegradError);
    expect(() => new Conv2d(3, 4, 3).forward(randn([1, 2, 5, 5]))).toThrow(ShapeError);
  });
});

describe('Conv1d', () => {
  it('convolves sequences', () => {
    const conv = new Conv1d(2, 4, 3, { padding: 'same', dtype: 'float64' });
    expect(conv.weight.shape).toEqual([4, 2, 3]);
    expect(conv.forward(randn([3, 2, 7], f64)).shape).toEqual([3, 4, 7]);
    expect(conv.forward(randn([2, 7], f64)).shape).toEqual([4, 7]);
  });
});

describe('pooling layers', () => {
  it('wrap the functional forms', () => {
    const x = tensor([[[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]]]);
    expect(new MaxPool2d(2).forward(x).toArray()).toEqual([[[[6, 8], [14, 16]]]]);
    expect(new AvgPool2d(2).forward(x).toArray()).toEqual([[[[3.5, 5.5], [11.5, 13.5]]]]);
    expect(new AdaptiveAvgPool2d(1).forward(x).toArray()).toEqual([[[[8.5]]]]);
    assertAllClose(new MaxPool2d(3, { stride: 1, padding: 1 }).forward(x), maxPool2d(x, 3, { stride: 1, padding: 1 }));
  });

  it('compose into a small convolutional network', () => {
    const net = new Sequential(new Conv2d(1, 4, 3, { padding: 1 }), new MaxPool2d(2), new AdaptiveAvgPool2d([2, 2]), new Flatten());
    const out = net.forward(randn([5, 1, 8, 8]));
    expect(out instanceof Tensor && out.shape).toEqual([5, 16]);
    expect(String(net)).toContain('MaxPool2d(kernelSize=2');
  });
});
