import { describe, expect, it } from 'vitest';
import { Generator, IndexError, ShapeError, pad, randn, type PadMode, type SizeArg } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import { Conv1d, Conv2d, type ConvLayerOptions, type PaddingMode } from '@tapegrad/nn';
import { fixtureState, loadFixtures, need } from './torch-fixtures.js';

const tight = { atol: 1e-12, rtol: 1e-12 };

describe('pad modes, against PyTorch', () => {
  const cases = loadFixtures('pad-modes.json');
  it.each(Object.keys(cases))('%s: output and input gradient', (name) => {
    const c = cases[name]!;
    const x = need(c, 'x').requiresGrad_();
    const out = pad(x, c['pads'] as number[], c['mode'] as PadMode);
    assertAllClose(out, need(c, 'out'), { atol: 0, rtol: 0 });
    out.backward(need(c, 'grad_out'));
    assertAllClose(x.grad!, need(c, 'grad_x'), tight);
  });
});

describe('convolution layers with a padding mode, against PyTorch', () => {
  const cases = loadFixtures('conv-padding-modes.json');
  it.each(Object.keys(cases))('%s: output, input and weight gradients', (name) => {
    const c = cases[name]!;
    const opts: ConvLayerOptions = {
      dtype: 'float64',
      paddingMode: c['paddingMode'] as PaddingMode,
      padding: c['padding'] as SizeArg | 'same',
      ...(c['stride'] === undefined ? {} : { stride: c['stride'] as SizeArg }),
      ...(c['dilation'] === undefined ? {} : { dilation: c['dilation'] as SizeArg }),
    };
    const state = fixtureState(c);
    const [out, inCh] = state['weight']!.shape as [number, number];
    const conv = c['dims'] === 2 ? new Conv2d(inCh, out, c['kernel'] as SizeArg, opts) : new Conv1d(inCh, out, c['kernel'] as SizeArg, opts);
    conv.loadStateDict(state);
    const x = need(c, 'x').requiresGrad_();
    const y = conv.forward(x);
    assertAllClose(y, need(c, 'out'), tight);
    y.backward(need(c, 'grad_out'));
    assertAllClose(x.grad!, need(c, 'grad_x'), tight);
    assertAllClose(conv.weight.grad!, need(c, 'grad_weight'), tight);
  });
});

describe('convolution layers with a padding mode', () => {
  it('pass gradients to input, weight and bias (float64 finite differences)', () => {
    const gen = new Generator(3);
    for (const paddingMode of ['reflect', 'replicate', 'circular'] as const) {
      const conv = new Conv2d(2, 2, [2, 3], { padding: 'same', paddingMode, dtype: 'float64', generator: gen });
      const x = randn([1, 2, 3, 4], { dtype: 'float64', generator: gen }).requiresGrad_();
      gradcheck(
        (xi, w, b) => {
          conv.weight = w;
          conv.bias = b;
          return conv.forward(xi);
        },
        [x, conv.weight.detach().requiresGrad_(), conv.bias!.detach().requiresGrad_()],
      );
    }
  });

  it('keep unbatched inputs unbatched, and show the mode', () => {
    const conv = new Conv1d(2, 3, 3, { padding: 1, paddingMode: 'circular' });
    expect(conv.forward(randn([2, 5])).shape).toEqual([3, 5]);
    expect(String(conv)).toContain("paddingMode=circular");
  });

  it('refuse what PyTorch refuses', () => {
    expect(() => new Conv2d(1, 1, 5, { padding: 4, paddingMode: 'reflect' }).forward(randn([1, 1, 4, 4]))).toThrow(ShapeError);
    expect(() => new Conv2d(1, 1, 5, { padding: 4, paddingMode: 'reflect' }).forward(randn([1, 1, 4, 4]))).toThrow(/Conv2d: paddingMode 'reflect' needs padding less than the input's size/);
    expect(() => new Conv1d(1, 1, 3, { padding: 4, paddingMode: 'circular' }).forward(randn([1, 1, 3]))).toThrow(/Conv1d: paddingMode 'circular' needs padding at most/);
    expect(() => new Conv2d(1, 1, 3, { padding: 'same', stride: 2, paddingMode: 'reflect' })).toThrow(IndexError);
  });
});
