import { randn, tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck, gradgradcheck } from '@tapegrad/core/testing';
import { tensors } from '@tapegrad/core/testing/arbitraries';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logCosh, logCoshLoss } from './custom-op.js';

describe('logCosh, a custom op', () => {
  it('computes log(cosh(x)) without overflow', () => {
    const x = tensor([-2, 0, 0.5, 3], { dtype: 'float64' });
    assertAllClose(logCosh(x), [-2, 0, 0.5, 3].map((v) => Math.log(Math.cosh(v))), { rtol: 1e-12 });
    expect(logCosh(tensor([1000])).item()).toBeCloseTo(1000 - Math.LN2, 3);
  });

  it('passes gradcheck and gradgradcheck', () => {
    const x = randn([3, 4], { dtype: 'float64' }).requiresGrad_();
    gradcheck(logCosh, [x]);
    gradgradcheck(logCosh, [x]);
  });

  it('passes gradcheck on any shape and values (property test)', () => {
    fc.assert(
      fc.property(tensors({ min: -4, max: 4, requiresGrad: true }), (x) => {
        gradcheck(logCosh, [x]);
      }),
      { numRuns: 25 },
    );
  });

  it('gives the loss a gradient', () => {
    const p = tensor([0.5, 2], { requiresGrad: true });
    logCoshLoss(p, tensor([0, 0])).backward();
    assertAllClose(p.grad!, [Math.tanh(0.5) / 2, Math.tanh(2) / 2], { rtol: 1e-5 });
  });
});
