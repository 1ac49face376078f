import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, TapegradError, randn, tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import { GroupNorm, groupNorm, layerNorm } from '@tapegrad/nn';
import { fixtureState, loadFixtures, need } from './torch-fixtures.js';

const f64 = { dtype: 'float64' } as const;
const tight = { atol: 1e-13, rtol: 1e-12 };
const cases = loadFixtures('group-norm.json');

describe('GroupNorm, against PyTorch', () => {
  it.each(Object.keys(cases))('%s: output and gradients', (name) => {
    const c = cases[name]!;
    const norm = new GroupNorm(c['numGroups'] as number, c['numChannels'] as number, { eps: c['eps'] as number, affine: c['affine'] as boolean, dtype: 'float64' });
    norm.loadStateDict(fixtureState(c));
    const x = need(c, 'x').requiresGrad_();
    const out = norm.forward(x);
    assertAllClose(out, need(c, 'out'), tight);
    out.backward(need(c, 'grad_out'));
    assertAllClose(x.grad!, need(c, 'grad_x'), tight);
    if (norm.weight !== null) {
      assertAllClose(norm.weight.grad!, need(c, 'grad_weight'), tight);
      assertAllClose(norm.bias!.grad!, need(c, 'grad_bias'), tight);
    }
  });
});

describe('groupNorm', () => {
  it('normalises each sample’s group of channels: one group is layerNorm over [C, *]', () => {
    // Channels {0, 1} and {2, 3}: each group [1, 3] and [5, 7]-like pairs gets mean 0, variance 1.
    const x = tensor([[[1, 3], [1, 3], [10, 30], [10, 30]]], f64);
    assertAllClose(groupNorm(x, 2, null, null, 0), [[[-1, 1], [-1, 1], [-1, 1], [-1, 1]]]);
    const y = randn([2, 4, 3], { ...f64, generator: new Generator(1) });
    assertAllClose(groupNorm(y, 1), layerNorm(y, [4, 3]), { atol: 1e-12 });
  });

  it('has gradients for input, weight and bias (float64 finite differences)', () => {
    const gen = new Generator(8);
    const x = randn([2, 4, 3], { ...f64, generator: gen }).requiresGrad_();
    const w = randn([4], { ...f64, generator: gen }).requiresGrad_();
    const b = randn([4], { ...f64, generator: gen }).requiresGrad_();
    gradcheck((xi, wi, bi) => groupNorm(xi, 2, wi, bi), [x, w, b]);
    gradcheck((xi) => groupNorm(xi, 4), [x]);
  });

  it('computes float32 within float32 rounding of float64 statistics, up to the float32 maximum', () => {
    const gen = new Generator(9);
    for (const scale of [1, 1e37, 1e-30]) {
      const x = randn([2, 6, 5], { generator: gen }).mul(scale).add(scale * 0.3).data as Float32Array;
      const run = (dtype: 'float32' | 'float64'): Float64Array[] => {
        const xt = tensor(x, { shape: [2, 6, 5], dtype }).requiresGrad_();
        const w = tensor([0.5, 1, -1, 2, 0.7, 1.3], { dtype }).requiresGrad_();
        const y = groupNorm(xt, 3, w, null, scale < 1 ? 0 : 1e-5);
        y.mul(tensor(Float32Array.from({ length: 60 }, (_, i) => Math.cos(i)), { shape: [2, 6, 5], dtype })).sum().backward();
        return [y, xt.grad!, w.grad!].map((t) => Float64Array.from(t.data));
      };
      const [got, want] = [run('float32'), run('float64')];
      want.forEach((wanted, i) => {
        const top = wanted.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        wanted.forEach((w, j) => expect(Number.isFinite(got[i]![j]!) && Math.abs(got[i]![j]! - w) <= 1e-5 * (top + Math.abs(w)), `scale ${scale}: tensor ${i}[${j}] ${got[i]![j]} vs ${w}`).toBe(true));
      });
    }
  });

  it('refuses mismatched shapes', () => {
    expect(() => groupNorm(randn([2, 6, 3]), 4)).toThrow(ShapeError);
    expect(() => groupNorm(randn([2, 6, 3]), 4)).toThrow(/the 6 channels of input \[2, 6, 3\] must be divisible by numGroups 4/);
    expect(() => groupNorm(randn([2, 6]), 3, randn([4]))).toThrow(/weight of shape \[4\] must be \[6\]/);
    expect(() => groupNorm(randn([6]), 3)).toThrow(/expected input \[N, C, \*\]/);
    expect(() => new GroupNorm(4, 6)).toThrow(TapegradError);
    expect(() => new GroupNorm(2, 4).forward(randn([1, 6, 2]))).toThrow(/weight of shape \[4\] must be \[6\]/);
    expect(new GroupNorm(2, 4, { affine: false }).parameters()).toEqual([]);
    expect(String(new GroupNorm(2, 4))).toContain('GroupNorm(2, 4, eps=0.00001, affine=true)');
  });
});
