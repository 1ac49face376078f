import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, randn, tensor, type Tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import { AvgPool2d, MaxPool2d, avgPool2d, maxPool2d, type AvgPoolOptions, type MaxPoolOptions } from '@tapegrad/nn';
import { loadFixtures, need } from './torch-fixtures.js';

const f64 = { dtype: 'float64' } as const;
const cases = loadFixtures('pool-ceil.json');

/** The pooling a fixture case describes, as the functional form. */
function pool(c: Record<string, unknown>, x: Tensor): Tensor {
  const kernel = c['kernel'] as number | number[];
  const base = { stride: c['stride'] as number | number[], padding: c['padding'] as number | number[], ceilMode: true };
  if (c['op'] === 'max') return maxPool2d(x, kernel, { ...base, dilation: c['dilation'] as number | number[] });
  const avg: AvgPoolOptions = { ...base, ...(c['countIncludePad'] === undefined ? {} : { countIncludePad: c['countIncludePad'] as boolean }) };
  return avgPool2d(x, kernel, c['divisorOverride'] === undefined ? avg : { ...avg, divisorOverride: c['divisorOverride'] as number });
}

describe('pooling in ceil mode, against PyTorch', () => {
  it.each(Object.keys(cases))('%s: output and input gradient', (name) => {
    const c = cases[name]!;
    const x = need(c, 'x').requiresGrad_();
    const out = pool(c, x);
    assertAllClose(out, need(c, 'out'), { atol: 1e-12, rtol: 1e-12 });
    out.backward(need(c, 'grad_out'));
    assertAllClose(x.grad!, need(c, 'grad_x'), { atol: 1e-12, rtol: 1e-12 });
  });

  it('the layers pass ceilMode on', () => {
    const c = cases['avg-k3s2p1-no-pad-count']!;
    const x = need(c, 'x');
    assertAllClose(new AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }).forward(x), need(c, 'out'), { atol: 1e-12 });
    const m = cases['max-k3s2p1']!;
    const opts: MaxPoolOptions = { stride: 2, padding: 1, ceilMode: true };
    const layer = new MaxPool2d(3, opts);
    assertAllClose(layer.forward(need(m, 'x')), need(m, 'out'), { atol: 0 });
    expect(String(layer)).toContain('ceilMode=true');
  });
});

describe('pooling in ceil mode', () => {
  it('rounds the output size up, and drops a last window that would start in the right padding', () => {
    // 5 wide, kernel 2, stride 2: floor gives 2 windows, ceil 3 (the last covers column 4 alone).
    const x = tensor([[[[1, 2, 3, 4, 5]]]]);
    expect(maxPool2d(x, [1, 2], { ceilMode: true }).toArray()).toEqual([[[[2, 4, 5]]]]);
    expect(avgPool2d(x, [1, 2], { ceilMode: true }).toArray()).toEqual([[[[1.5, 3.5, 5]]]]);
    expect(maxPool2d(x, [1, 2]).shape).toEqual([1, 1, 1, 2]);
    // padding 1: ⌈(5 + 2 − 2)/2⌉ + 1 = 4 windows, but the 4th would start at 6 − 1 = 5, past the input: 3.
    expect(maxPool2d(x, [1, 2], { padding: [0, 1], ceilMode: true }).toArray()).toEqual([[[[1, 3, 5]]]]);
    // countIncludePad counts the left padding but never the overhang past the right padding.
    expect(avgPool2d(x, [1, 2], { padding: [0, 1], ceilMode: true }).toArray()).toEqual([[[[0.5, 2.5, 4.5]]]]);
  });

  it('has gradients (float64 finite differences)', () => {
    const gen = new Generator(11);
    const x = randn([1, 2, 5, 6], { ...f64, generator: gen }).requiresGrad_();
    gradcheck((xi) => avgPool2d(xi, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [x]);
    gradcheck((xi) => avgPool2d(xi, [2, 3], { stride: [2, 2], ceilMode: true }), [x]);
    gradcheck((xi) => maxPool2d(xi, 3, { stride: 2, padding: 1, ceilMode: true }), [x]);
  });

  it('refuses an input too small for even one window', () => {
    expect(() => maxPool2d(randn([1, 1, 1, 4]), 3, { stride: 1, ceilMode: true })).toThrow(ShapeError);
    expect(() => avgPool2d(randn([1, 1, 1, 4]), 3, { stride: 1, ceilMode: true })).toThrow(/too small/);
  });
});
