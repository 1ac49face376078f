import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, zeros, type Tensor } from '@tapegrad/core';
import { init } from '@tapegrad/nn';

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const d = Array.from(t.to('float64').data);
  const mean = d.reduce((s, v) => s + v, 0) / d.length;
  const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
  return { mean, std, min: Math.min(...d), max: Math.max(...d) };
}

describe('init', () => {
  it('the same generator seed gives the same values', () => {
    for (const f of [
      (t: Tensor, g: Generator) => init.uniform_(t, -1, 1, { generator: g }),
      (t: Tensor, g: Generator) => init.normal_(t, 0, 1, { generator: g }),
      (t: Tensor, g: Generator) => init.xavierUniform_(t, { generator: g }),
      (t: Tensor, g: Generator) => init.xavierNormal_(t, { generator: g }),
      (t: Tensor, g: Generator) => init.kaimingUniform_(t, { generator: g }),
      (t: Tensor, g: Generator) => init.kaimingNormal_(t, { generator: g }),
      (t: Tensor, g: Generator) => init.orthogonal_(t, { generator: g }),
    ]) {
      const a = f(zeros([5, 7]), new Generator(9));
      const b = f(zeros([5, 7]), new Generator(9));
      const c = f(zeros([5, 7]), new Generator(10));
      expect(a.toArray()).toEqual(b.toArray());
      expect(a.equal(c)).toBe(false);
    }
  });

  it('calculateGain as PyTorch', () => {
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 15);
    expect(init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(init.calculateFanInAndFanOut(zeros([16, 3, 5, 5]))).toEqual([75, 400]);
    expect(() => init.calculateFanInAndFanOut(zeros([3]))).toThrow(ShapeError);
  });

  it('uniform, normal, constant statistics and in-place identity', () => {
    const g = new Generator(1);
    const t = zeros([200, 300]);
    expect(init.uniform_(t, -2, 3, { generator: g })).toBe(t);
    const u = stats(t);
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThanOrEqual(3);
    expect(u.mean).toBeCloseTo(0.5, 1);
    const n = stats(init.normal_(zeros([200, 300], { dtype: 'float64' }), 1, 2, { generator: g }));
    expect(n.mean).toBeCloseTo(1, 1);
    expect(Math.abs(n.std - 2)).toBeLessThan(0.02);
    expect(init.ones_(zeros([2])).toArray()).toEqual([1, 1]);
    expect(init.constant_(zeros([2]), 0.5).toArray()).toEqual([0.5, 0.5]);
    const p = zeros([2]).requiresGrad_();
    init.zeros_(init.uniform_(p)); // works on a leaf that requires grad
    expect(p.toArray()).toEqual([0, 0]);
    expect(p.isLeaf).toBe(true);
  });

  it('Xavier and Kaiming bounds and standard deviations on a big tensor', () => {
    const g = new Generator(2);
    const [out, inF] = [300, 200];
    const xu = stats(init.xavierUniform_(zeros([out, inF]), { gain: 2, generator: g }));
    const xBound = 2 * Math.sqrt(6 / (inF + out));
    expect(xu.max).toBeLessThanOrEqual(xBound);
    expect(xu.min).toBeGreaterThanOrEqual(-xBound);
    expect(xu.max).toBeGreaterThan(xBound * 0.99);
    const xn = stats(init.xavierNormal_(zeros([out, inF]), { generator: g }));
    expect(xn.std / Math.sqrt(2 / (inF + out))).toBeCloseTo(1, 1);
    const ku = stats(init.kaimingUniform_(zeros([out, inF]), { nonlinearity: 'relu', generator: g }));
    const kBound = Math.SQRT2 * Math.sqrt(3 / inF);
    expect(ku.max).toBeLessThanOrEqual(kBound);
    expect(ku.max).toBeGreaterThan(kBound * 0.99);
    const kn = stats(init.kaimingNormal_(zeros([out, inF]), { mode: 'fanOut', nonlinearity: 'relu', generator: g }));
    expect(kn.std / (Math.SQRT2 / Math.sqrt(out))).toBeCloseTo(1, 1);
    expect(Math.abs(kn.mean)).toBeLessThan(0.01);
  });

  it('orthogonal_ gives QᵀQ ≈ I (tall, wide, square, 4-D) with gain', () => {
    for (const shape of [[6, 4], [4, 6], [5, 5], [3, 2, 2, 2]]) {
      const w = init.orthogonal_(zeros(shape, { dtype: 'float64' }), { generator: new Generator(5), gain: 2 });
      const m = w.reshape([shape[0]!, -1]);
      const small = m.shape[0]! <= m.shape[1]! ? m.matmul(m.mT) : m.mT.matmul(m);
      const n = small.shape[0]!;
      const eye = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 4 : 0)));
      const got = small.toArray() as number[][];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(got[i]![j]).toBeCloseTo(eye[i]![j]!, 10);
    }
  });
});
