import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, TapegradError, randn, tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
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
