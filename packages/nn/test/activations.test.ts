import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@tapegrad/core';
import { gradcheck, gradgradcheck } from '@tapegrad/core/testing';
import { shapes, tensors } from '@tapegrad/core/testing/arbitraries';
import { ELU, GELU, Hardtanh, LeakyReLU, Mish, ReLU, SiLU, Sigmoid, Softmax, Softplus, Tanh, elu, gelu, hardtanh, leakyRelu, logSoftmax, mish, relu, sigmoid, silu, softmax, softplus, tanh } from '@tapegrad/nn';

const activations: [string, (x: Tensor) => Tensor][] = [
  ['relu', relu],
  ['leakyRelu', (x) => leakyRelu(x, 0.1)],
  ['elu', (x) => elu(x, 1.5)],
  ['gelu', (x) => gelu(x)],
  ['gelu tanh', (x) => gelu(x, 'tanh')],
  ['silu', silu],
  ['mish', mish],
  ['sigmoid', sigmoid],
  ['tanh', tanh],
  ['softplus', (x) => softplus(x, 2, 3)],
  ['hardtanh', (x) => hardtanh(x, -0.5, 0.7)],
];

// Keep random inputs away from kinks (0, thresholds, clamp bounds) where finite differences straddle two branches.
const awayFromKinks = (x: Tensor): boolean => (x.data as Float64Array).every((v) => [0, -0.5, 0.7, 1.5].every((k) => Math.abs(v - k) > 1e-3));

describe('activations', () => {
  for (const [name, f] of activations) {
    it(`${name}: gradcheck and gradgradcheck over random shapes`, () => {
      fc.assert(
        fc.property(tensors({ shape: shapes({ maxDims: 3, maxSize: 3 }), min: -3, max: 3 }).filter(awayFromKinks), (x) => {
          gradcheck(f, [x.requiresGrad_()]);
          if (name !== 'relu' && name !== 'hardtanh' && name !== 'leakyRelu') gradgradcheck(f, [x]);
        }),
        { seed: 42, numRuns: 10 },
      );
    });
  }

  it('values by hand', () => {
    const g = (f: (x: Tensor) => Tensor, v: number): number => f(tensor([v], { dtype: 'float64' })).item();
    expect(g((x) => gelu(x), 1)).toBeCloseTo(0.8413447460685429, 14);
    expect(g((x) => gelu(x, 'tanh'), 1)).toBeCloseTo(0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (1 + 0.044715))), 14);
    expect(g(silu, 1)).toBeCloseTo(1 / (1 + Math.exp(-1)), 14);
    expect(g((x) => softplus(x), 0)).toBeCloseTo(Math.LN2, 14);
    expect(g((x) => softplus(x, 2), 0.3)).toBeCloseTo(Math.log1p(Math.exp(0.6)) / 2, 14);
    expect(g((x) => softplus(x), 25)).toBe(25); // above the threshold: x itself
    expect(g((x) => softplus(x), -800)).toBe(0);
    expect(g((x) => softplus(x), 800)).toBe(800);
    expect(g(mish, 1)).toBeCloseTo(Math.tanh(Math.log1p(Math.E)), 14);
    expect(g((x) => elu(x), -1)).toBeCloseTo(Math.exp(-1) - 1, 14);
    expect(g((x) => leakyRelu(x), -2)).toBeCloseTo(-0.02, 14);
    expect(hardtanh(tensor([-3, 0.5, 3])).toArray()).toEqual([-1, 0.5, 1]);
  });

  it('no NaN gradients from discarded branches at extreme inputs', () => {
    for (const f of [(x: Tensor) => elu(x), (x: Tensor) => softplus(x), mish, silu]) {
      const x = tensor([-1000, -50, 50, 1000], { dtype: 'float64', requiresGrad: true });
      f(x).sum().backward();
      expect((x.grad!.data as Float64Array).every(Number.isFinite)).toBe(true);
    }
  });

  it('modules call the functions', () => {
    const x = tensor([-2, -0.5, 0.5, 2], { dtype: 'float64' });
    const pairs: [{ forward(x: Tensor): Tensor }, Tensor][] = [
      [new ReLU(), relu(x)],
      [new LeakyReLU(0.2), leakyRelu(x, 0.2)],
      [new ELU(0.5), elu(x, 0.5)],
      [new GELU('tanh'), gelu(x, 'tanh')],
      [new SiLU(), silu(x)],
      [new Mish(), mish(x)],
      [new Sigmoid(), sigmoid(x)],
      [new Tanh(), tanh(x)],
      [new Softplus(2, 10), softplus(x, 2, 10)],
      [new Hardtanh(-1, 1), hardtanh(x)],
      [new Softmax(0), softmax(x, 0)],
    ];
    for (const [m, want] of pairs) expect(m.forward(x).toArray()).toEqual(want.toArray());
    expect(String(new LeakyReLU(0.2))).toContain('LeakyReLU(negativeSlope=0.2)');
  });
});

describe('softmax and logSoftmax', () => {
  it('gradcheck along any dim', () => {
    fc.assert(
      fc.property(
        tensors({ shape: shapes({ minDims: 1, maxDims: 3, maxSize: 3 }), min: -3, max: 3 }).chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: -x.ndim, max: x.ndim - 1 }))),
        ([x, dim]) => {
          gradcheck((t) => softmax(t, dim), [x.requiresGrad_()]);
          gradcheck((t) => logSoftmax(t, dim), [x]);
          gradgradcheck((t) => logSoftmax(t, dim), [x]);
        },
      ),
      { seed: 42, numRuns: 10 },
    );
  });

  it('rows sum to 1, shift-invariant, log of softmax', () => {
    const x = tensor([[1, 2, 3], [-1, 0, 4]], { dtype: 'float64' });
    const s = softmax(x, 1);
    for (const v of s.sum(1).toArray() as number[]) expect(v).toBeCloseTo(1, 14);
    expect(softmax(x.add(100), 1).allClose(s, 1e-12, 1e-14)).toBe(true);
    expect(logSoftmax(x, 1).allClose(s.log(), 1e-12, 1e-14)).toBe(true);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const z = e[0]! + e[1]! + e[2]!;
    expect((s.toArray() as number[][])[0]).toEqual(e.map((v) => expect.closeTo(v / z, 14)));
  });

  it('logits of ±1000 stay finite', () => {
    const x = tensor([[1000, -1000, 0], [-1000, -1000, -1000]], { requiresGrad: true });
    const l = logSoftmax(x, 1);
    expect(l.toArray()).toEqual([[0, -2000, -1000], [-Math.log(3), -Math.log(3), -Math.log(3)].map((v) => expect.closeTo(v, 5))]);
    const s = softmax(x, 1);
    expect((s.data as Float32Array).every(Number.isFinite)).toBe(true);
    l.sum().backward();
    expect((x.grad!.data as Float32Array).every(Number.isFinite)).toBe(true);
  });
});
