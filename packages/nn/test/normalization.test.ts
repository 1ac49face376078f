import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, TapegradError, randn, tensor, type Tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck, gradgradcheck } from '@tapegrad/core/testing';
import { BatchNorm1d, BatchNorm2d, LayerNorm, batchNorm, layerNorm } from '@tapegrad/nn';

const f64 = { dtype: 'float64' } as const;
const SEED = 4242;

describe('LayerNorm', () => {
  it('normalises [1, 2, 3] to ±√(3/2) around 0', () => {
    // mean 2, biased variance 2/3: (x − 2)/√(2/3) = [−√1.5, 0, √1.5]
    const y = layerNorm(tensor([[1, 2, 3]], f64), 3, null, null, 0);
    assertAllClose(y, tensor([[-Math.sqrt(1.5), 0, Math.sqrt(1.5)]], f64));
    const norm = new LayerNorm(3, { dtype: 'float64' });
    expect(norm.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    assertAllClose(norm.forward(tensor([[1, 2, 3]], f64)), y, { atol: 1e-4 });
    expect(new LayerNorm([2, 3], { elementwiseAffine: false }).parameters()).toEqual([]);
  });

  it('has gradients for input, weight and bias over random shapes', () => {
    const gen = new Generator(SEED);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 2 }), (n, d, k) => {
        const shape = k === 1 ? [d] : [2, d];
        const x = randn([n, ...shape], { ...f64, generator: gen }).requiresGrad_();
        const w = randn(shape, { ...f64, generator: gen }).requiresGrad_();
        const b = randn(shape, { ...f64, generator: gen }).requiresGrad_();
        gradcheck((xi, wi, bi) => layerNorm(xi, shape, wi, bi), [x, w, b]);
      }),
      { seed: SEED, numRuns: 6 },
    );
  });

  it('has gradients of gradients (float64 finite differences)', () => {
    const gen = new Generator(SEED + 1);
    const [x, w, b] = [[3, 5], [5], [5]].map((shape) => randn(shape, { ...f64, generator: gen }).requiresGrad_());
    gradgradcheck((xi, wi, bi) => layerNorm(xi, [5], wi, bi), [x!, w!, b!]);
  });

  /** The output and the gradients of Σ y·g for x, weight and bias, in `dtype`. */
  function outputAndGradients(x: Float32Array, shape: number[], normalized: number[], eps: number, dtype: 'float32' | 'float64'): Float64Array[] {
    const k = normalized.reduce((a, b) => a * b, 1);
    const xt = tensor(x, { shape, dtype }).requiresGrad_();
    const w = tensor(Float32Array.from({ length: k }, (_, i) => 0.5 + (i % 7) / 7), { shape: normalized, dtype }).requiresGrad_();
    const b = tensor(Float32Array.from({ length: k }, (_, i) => (i % 5) / 10 - 0.2), { shape: normalized, dtype }).requiresGrad_();
    const y = layerNorm(xt, normalized, w, b, eps);
    y.mul(tensor(Float32Array.from({ length: x.length }, (_, i) => Math.sin(i + 1)), { shape, dtype })).sum().backward();
    return [y, xt.grad!, w.grad!, b.grad!].map((t: Tensor) => Float64Array.from(t.data));
  }

  it('computes float32 in float32 within float32 rounding of float64 statistics, at every scale, forward and backward', () => {
    const gen = new Generator(SEED + 2);
    const max = 3.4028234663852886e38;
    const random = (shape: number[], scale: number): Float32Array => randn(shape, { generator: gen }).mul(scale).add(scale * 0.3).data as Float32Array;
    // Slices that are mixed, constant and zero, at one scale.
    const edges = (s: number): Float32Array => Float32Array.of(s, -s, 0, s / 2, s, s, s, s, 0, 0, 0, 0);
    const cases: [string, Float32Array, number[], number[], number][] = [
      ['random', random([4, 5, 33], 1), [4, 5, 33], [33], 1e-5],
      ['random over two dims', random([3, 4, 16], 3), [3, 4, 16], [4, 16], 1e-5],
      // Σx² passes float32's largest: the slices are scaled first.
      ['random at 1e37', random([6, 40], 1e37), [6, 40], [40], 1e-5],
      ['random at 3e19', random([6, 40], 3e19), [6, 40], [40], 1e-5],
      // Squares below float32's smallest normal and no ε to hide them: scaled up.
      ['random at 1e-30, eps 0', random([6, 40], 1e-30), [6, 40], [40], 0],
      ['random at 1e-30', random([6, 40], 1e-30), [6, 40], [40], 1e-5],
      // One slice's overflow scales them all: a tiny slice beside it is all ε, whatever its scale.
      ['random at 1e37 and 1e-30', Float32Array.of(...random([2, 40], 1e37), ...random([2, 40], 1e-30)), [4, 40], [40], 1e-5],
      ...[max, 1e30, 1e20, 1, 1e-20].map((s): [string, Float32Array, number[], number[], number] => [`edges at ${s}`, edges(s), [3, 4], [4], 1e-5]),
      ['edges at 1e-20, eps 0', edges(1e-20).subarray(0, 4), [1, 4], [4], 0],
    ];
    for (const [what, x, shape, normalized, eps] of cases) {
      const got = outputAndGradients(x, shape, normalized, eps, 'float32');
      const want = outputAndGradients(x, shape, normalized, eps, 'float64');
      ['output', 'input gradient', 'weight gradient', 'bias gradient'].forEach((name, i) => {
        const scale = want[i]!.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        got[i]!.forEach((g, j) => {
          const w = want[i]![j]!;
          expect(Number.isFinite(g) && Math.abs(g - w) <= 1e-5 * (scale + Math.abs(w)), `${what}: ${name}[${j}] ${g} vs ${w}`).toBe(true);
        });
      });
    }
  });

  it('rejects a mismatched shape', () => {
    expect(() => new LayerNorm(4).forward(randn([2, 3]))).toThrow(/layerNorm: input of shape \[2, 3\] does not end in normalizedShape \[4\]/);
    expect(() => new LayerNorm(0)).toThrow(TapegradError);
  });
});

describe('BatchNorm', () => {
  it('updates running mean and unbiased variance with momentum 0.1 over two steps', () => {
    const bn = new BatchNorm1d(1, { dtype: 'float64', eps: 0 });
    // batch 1: mean 2, biased variance 1 (used to normalise), unbiased 2 (tracked)
    const y = bn.forward(tensor([[1], [3]], f64));
    assertAllClose(y, tensor([[-1], [1]], f64));
    assertAllClose(bn.running_mean!, tensor([0.2], f64)); // 0.9·0 + 0.1·2
    assertAllClose(bn.running_var!, tensor([1.1], f64)); // 0.9·1 + 0.1·2
    // batch 2: mean 7, unbiased variance 8
    bn.forward(tensor([[5], [9]], f64));
    assertAllClose(bn.running_mean!, tensor([0.88], f64));
    assertAllClose(bn.running_var!, tensor([1.79], f64));
    expect(bn.num_batches_tracked!.item()).toBe(2);
    // eval uses the running statistics and leaves them alone
    const out = bn.eval().forward(tensor([[0.88 + Math.sqrt(1.79)]], f64));
    assertAllClose(out, tensor([[1]], f64));
    expect(bn.num_batches_tracked!.item()).toBe(2);
    expect(bn.stateDict()).toHaveProperty('running_var');
  });

  it("names its state as PyTorch's BatchNorm2d does, so a PyTorch state dict loads unchanged", () => {
    // torch.nn.BatchNorm2d(3).state_dict().keys()
    expect(Object.keys(new BatchNorm2d(3).stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
  });

  it('averages cumulatively with momentum null, and uses batch stats in eval without tracking', () => {
    const bn = new BatchNorm1d(1, { dtype: 'float64', momentum: null });
    bn.forward(tensor([[1], [3]], f64));
    bn.forward(tensor([[5], [9]], f64));
    assertAllClose(bn.running_mean!, tensor([4.5], f64));
    assertAllClose(bn.running_var!, tensor([5], f64));
    const free = new BatchNorm1d(1, { dtype: 'float64', trackRunningStats: false, eps: 0 }).eval();
    expect(free.running_mean).toBeNull();
    assertAllClose(free.forward(tensor([[1], [3]], f64)), tensor([[-1], [1]], f64));
  });

  it('normalises each channel of images over batch and space', () => {
    const x = randn([3, 2, 4, 4], { ...f64, generator: new Generator(1) });
    const y = new BatchNorm2d(2, { dtype: 'float64' }).forward(x);
    assertAllClose(y.mean([0, 2, 3]), tensor([0, 0], f64), { atol: 1e-10 });
    assertAllClose(y.var([0, 2, 3], { correction: 0 }), tensor([1, 1], f64), { atol: 1e-4 });
  });

  it('has gradients in train mode', () => {
    const gen = new Generator(SEED + 1);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), (n, c, spatial) => {
        const x = randn(spatial ? [n, c, 2, 2] : [n, c], { ...f64, generator: gen }).requiresGrad_();
        const w = randn([c], { ...f64, generator: gen }).requiresGrad_();
        const b = randn([c], { ...f64, generator: gen }).requiresGrad_();
        const rm = randn([c], f64);
        const rv = randn([c], f64).abs();
        gradcheck((xi, wi, bi) => batchNorm(xi, rm, rv, { weight: wi, bias: bi, training: true }), [x, w, b]);
      }),
      { seed: SEED, numRuns: 6 },
    );
  });

  it('rejects bad inputs', () => {
    expect(() => new BatchNorm2d(3).forward(randn([2, 3, 4]))).toThrow(/BatchNorm2d: expected 4-D input/);
    expect(() => new BatchNorm1d(3).forward(randn([2, 4]))).toThrow(/expected numFeatures = 3/);
    expect(() => new BatchNorm1d(3).forward(randn([1, 3]))).toThrow(/more than 1 value per channel/);
    expect(() => batchNorm(randn([2, 3]), randn([4]), randn([3]))).toThrow(ShapeError);
  });
});
