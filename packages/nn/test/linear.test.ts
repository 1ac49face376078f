import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, noGrad, randn, tensor, type Tensor } from '@tapegrad/core';
import { gradcheck, gradgradcheck } from '@tapegrad/core/testing';
import { shapes } from '@tapegrad/core/testing/arbitraries';
import { Bilinear, Linear } from '@tapegrad/nn';

describe('Linear', () => {
  it('computes x·Wᵀ + b with W of shape [out, in]', () => {
    const fc1 = new Linear(2, 3);
    expect(fc1.weight.shape).toEqual([3, 2]);
    expect(fc1.bias!.shape).toEqual([3]);
    fc1.weight.requiresGrad_(false).copy_(tensor([[1, 2], [3, 4], [5, 6]]));
    fc1.bias!.requiresGrad_(false).copy_(tensor([0.5, 0, -1]));
    expect(fc1.forward(tensor([[1, -1]])).toArray()).toEqual([[-0.5, -1, -2]]);
    expect(fc1.forward(tensor([1, -1])).toArray()).toEqual([-0.5, -1, -2]);
    expect(() => fc1.forward(tensor([[1, 2, 3]]))).toThrow(ShapeError);
    expect(() => fc1.forward(tensor([[1, 2, 3]]))).toThrow(/Linear: input of shape \[1, 3\] does not end in inFeatures = 2/);
  });

  it('gives the same output under noGrad (bias added in place) as when recording', () => {
    const lin = new Linear(128, 256, { generator: new Generator(3) });
    const x = randn([64, 128], { generator: new Generator(4) });
    const recorded = lin.forward(x);
    expect(recorded.requiresGrad).toBe(true);
    const plain = noGrad(() => lin.forward(x));
    expect(plain.requiresGrad).toBe(false);
    expect(Array.from(plain.data)).toEqual(Array.from(recorded.data));
    expect(lin.bias!.requiresGrad).toBe(true);
  });

  it('gradcheck w.r.t. input, weight and bias over random batch shapes', () => {
    fc.assert(
      fc.property(shapes({ maxDims: 2, maxSize: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.integer({ min: 0, max: 1000 }), (lead, inF, outF, bias, seed) => {
        const lin = new Linear(inF, outF, { bias, dtype: 'float64', generator: new Generator(seed) });
        const x = randn([...lead, inF], { dtype: 'float64', generator: new Generator(seed + 1) });
        const params = lin.parameters();
        const f = (xi: Tensor, ...ps: Tensor[]): Tensor => {
          const [w, b] = ps;
          const y = xi.matmul(w!.mT);
          return b === undefined ? y : y.add(b);
        };
        // The layer itself against the formula, then gradients through the layer.
        expect(lin.forward(x).allClose(f(x, ...params))).toBe(true);
        gradcheck((xi, w, b) => {
          lin.weight = w!;
          if (bias) lin.bias = b!;
          return lin.forward(xi);
        }, [x.requiresGrad_(), ...params]);
        gradgradcheck((xi, w) => {
          lin.weight = w!;
          return lin.forward(xi).tanh();
        }, [x, params[0]!]);
      }),
      { seed: 42, numRuns: 10 },
    );
  });

  it('default init is U(±1/√inFeatures) for weight and bias, fixed by the generator', () => {
    const a = new Linear(64, 200, { generator: new Generator(3) });
    const b = new Linear(64, 200, { generator: new Generator(3) });
    const c = new Linear(64, 200, { generator: new Generator(4) });
    expect(a.weight.toArray()).toEqual(b.weight.toArray());
    expect(a.bias!.toArray()).toEqual(b.bias!.toArray());
    expect(a.weight.equal(c.weight)).toBe(false);
    const bound = 1 / 8;
    const w = Array.from(a.weight.data);
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...w)).toBeGreaterThan(bound * 0.99);
    // Variance of U(−a, a) is a²/3.
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    expect(variance).toBeCloseTo(bound ** 2 / 3, 4);
    expect(Math.max(...Array.from(a.bias!.data, Math.abs))).toBeLessThanOrEqual(bound);
  });
});

describe('Bilinear', () => {
  it('computes x1ᵀ·W_k·x2 + b_k', () => {
    const bl = new Bilinear(2, 3, 2, { dtype: 'float64', generator: new Generator(0) });
    const x1 = randn([4, 2], { dtype: 'float64' });
    const x2 = randn([4, 3], { dtype: 'float64' });
    const y = bl.forward(x1, x2).toArray() as number[][];
    const W = bl.weight.toArray() as number[][][];
    const b = bl.bias!.toArray() as number[];
    const a1 = x1.toArray() as number[][];
    const a2 = x2.toArray() as number[][];
    for (let n = 0; n < 4; n++) {
      for (let k = 0; k < 2; k++) {
        let s = b[k]!;
        for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) s += a1[n]![i]! * W[k]![i]![j]! * a2[n]![j]!;
        expect(y[n]![k]).toBeCloseTo(s, 12);
      }
    }
    expect(() => bl.forward(x1, randn([3, 3]))).toThrow(/Bilinear: inputs of shapes \[4, 2\] and \[3, 3\]/);
  });

  it('gradcheck w.r.t. both inputs and the parameters', () => {
    fc.assert(
      fc.property(shapes({ minDims: 0, maxDims: 2, maxSize: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 }), (lead, i1, i2, o) => {
        const bl = new Bilinear(i1, i2, o, { dtype: 'float64', generator: new Generator(i1 * 7 + i2) });
        const [w, b] = bl.parameters();
        const x1 = randn([...lead, i1], { dtype: 'float64' }).requiresGrad_();
        const x2 = randn([...lead, i2], { dtype: 'float64' }).requiresGrad_();
        gradcheck((a, c, wi, bi) => {
          bl.weight = wi!;
          bl.bias = bi!;
          return bl.forward(a!, c!);
        }, [x1, x2, w!, b!]);
      }),
      { seed: 42, numRuns: 10 },
    );
  });
});
