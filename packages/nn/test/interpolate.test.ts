import { describe, expect, it } from 'vitest';
import { Generator, OptionError, ShapeError, TapegradError, randn, tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import { Upsample, UpsamplingBilinear2d, UpsamplingNearest2d, interpolate, type InterpolateOptions } from '@tapegrad/nn';
import { loadFixtures, need } from './torch-fixtures.js';

const f64 = { dtype: 'float64' } as const;
const tight = { atol: 1e-14, rtol: 1e-13 };
const cases = loadFixtures('interpolate.json');

/** The options a fixture case was made with. */
function optionsOf(c: Record<string, unknown>): InterpolateOptions {
  const keys = ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor'] as const;
  return Object.fromEntries(keys.filter((k) => c[k] !== undefined).map((k) => [k, c[k]])) as InterpolateOptions;
}

describe('interpolate, against PyTorch', () => {
  it.each(Object.keys(cases))('%s: output and input gradient', (name) => {
    const c = cases[name]!;
    const x = need(c, 'x').requiresGrad_();
    const out = interpolate(x, optionsOf(c));
    assertAllClose(out, need(c, 'out'), tight);
    out.backward(need(c, 'grad_out'));
    assertAllClose(x.grad!, need(c, 'grad_x'), tight);
  });

  it('Upsample is interpolate as a layer', () => {
    const c = cases['bilinear-scale-corners']!;
    const up = new Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true });
    assertAllClose(up.forward(need(c, 'x')), need(c, 'out'), tight);
    assertAllClose(new UpsamplingBilinear2d({ scaleFactor: 2 }).forward(need(c, 'x')), need(c, 'out'), tight);
    const n = cases['nearest-size']!;
    assertAllClose(new UpsamplingNearest2d({ size: [5, 7] }).forward(need(n, 'x')), need(n, 'out'), { atol: 0 });
    expect(String(up)).toContain('scaleFactor=2, mode=bilinear, alignCorners=true');
    expect(up.parameters()).toEqual([]);
  });
});

describe('interpolate', () => {
  it('repeats by nearest neighbour and mixes linearly', () => {
    const x = tensor([[[1, 2, 4]]]);
    expect(interpolate(x, { scaleFactor: 2 }).toArray()).toEqual([[[1, 1, 2, 2, 4, 4]]]);
    // align corners: positions 0, 0.5, 1, 1.5, 2
    expect(interpolate(x, { size: 5, mode: 'linear', alignCorners: true }).toArray()).toEqual([[[1, 1.5, 2, 3, 4]]]);
    // half-pixel centres: positions max(0, (j + ½)·3/6 − ½) = 0, 0.25, 0.75, 1.25, 1.75, 2.25 (past the last element: its value)
    assertAllClose(interpolate(x, { size: 6, mode: 'linear' }), [[[1, 1.25, 1.75, 2.5, 3.5, 4]]]);
    expect(interpolate(tensor([[[1, 2], [3, 4]]], { dtype: 'int32' }).unsqueeze(0), { scaleFactor: 1.5 }).dtype).toBe('int32');
  });

  it('has gradients in every mode (float64 finite differences)', () => {
    const gen = new Generator(9);
    const x4 = randn([1, 2, 3, 4], { ...f64, generator: gen }).requiresGrad_();
    const x3 = randn([2, 1, 4], { ...f64, generator: gen }).requiresGrad_();
    const x5 = randn([1, 1, 2, 2, 3], { ...f64, generator: gen }).requiresGrad_();
    gradcheck((x) => interpolate(x, { size: [5, 3], mode: 'bilinear' }), [x4]);
    gradcheck((x) => interpolate(x, { scaleFactor: 1.5, mode: 'bilinear', alignCorners: true }), [x4]);
    gradcheck((x) => interpolate(x, { scaleFactor: [2, 0.5], mode: 'nearest' }), [x4]);
    gradcheck((x) => interpolate(x, { size: 7, mode: 'nearest-exact' }), [x3]);
    gradcheck((x) => interpolate(x, { scaleFactor: 1.7, mode: 'linear' }), [x3]);
    gradcheck((x) => interpolate(x, { size: [3, 3, 2], mode: 'trilinear' }), [x5]);
  });

  it('refuses what PyTorch refuses', () => {
    const x = randn([1, 1, 3, 4]);
    expect(() => interpolate(x, { mode: 'bilinear' })).toThrow(/give exactly one of size and scaleFactor, got neither/);
    expect(() => interpolate(x, { size: 2, scaleFactor: 2 })).toThrow(/got both/);
    expect(() => interpolate(x, { size: 4, mode: 'linear' })).toThrow(ShapeError);
    expect(() => interpolate(x, { size: 4, mode: 'linear' })).toThrow(/mode 'linear' needs a 3-D input/);
    expect(() => interpolate(x, { size: [2, 3, 4] })).toThrow(/has 2 spatial dims but size \[2, 3, 4\] gives 3/);
    expect(() => interpolate(x, { scaleFactor: 2, alignCorners: true })).toThrow(TapegradError);
    expect(() => interpolate(x, { scaleFactor: 0.1 })).toThrow(/spatial sizes must be positive/);
    expect(() => interpolate(x, { scaleFactor: 2, mode: 'bicubic' as never })).toThrow(OptionError);
    expect(() => interpolate(randn([2, 3]), { size: 2 })).toThrow(/expected input \[N, C, L\]/);
    expect(() => new Upsample({ scale_factor: 2 } as never)).toThrow(/did you mean 'scaleFactor'/);
    expect(() => new UpsamplingNearest2d({ size: 2, mode: 'bilinear' } as never)).toThrow(/UpsamplingNearest2d: unknown option 'mode'/);
  });
});
