import { describe, expect, it } from 'vitest';
import { customOp, tensor, type Tensor, Generator, randn } from '@tapegrad/core';
import { GradcheckError, gradcheck, gradgradcheck } from '@tapegrad/core/testing';

const leaf = (v: number[]) => tensor(v, { dtype: 'float64', requiresGrad: true });

/** sin with a backward of 2·cos: wrong by a factor of 2. */
const wrongSin = customOp<[Tensor]>({
  name: 'wrongSin',
  forward: (ctx, x) => {
    ctx.save(x);
    return x.sin();
  },
  backward: (ctx, g) => [g.mul(ctx.saved[0]!.cos()).mul(2)],
});

/** x³ whose backward is right once but computed outside the graph, so its own gradient is wrong. */
const opaqueCube = customOp<[Tensor]>({
  name: 'opaqueCube',
  forward: (ctx, x) => {
    ctx.save(x);
    return x.pow(3);
  },
  // 3x² read as plain numbers: a constant to a second differentiation
  backward: (ctx, g) => [g.mul(tensor(ctx.saved[0]!.square().mul(3).data, { shape: ctx.saved[0]!.shape }))],
});

describe('gradcheck', () => {
  it('passes for correct gradients and reports what it compared', () => {
    const r = gradcheck((x, y) => x!.mul(y!).sum(1), [
      tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true }),
      leaf([0.5, -1]),
    ]);
    expect(r.ok).toBe(true);
    expect(r.entries).toBe(2 * 4 + 2 * 2);
    expect(r.maxAbsError).toBeLessThan(1e-8);
  });

  it('throws naming the input, the element and both values for a wrong backward', () => {
    const x = leaf([0.5, 1]);
    let msg = '';
    try {
      gradcheck(wrongSin, [x]);
    } catch (e) {
      expect(e).toBeInstanceOf(GradcheckError);
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/input 0 \(shape \[2\]\)/);
    expect(msg).toMatch(/input element \[0\]/);
    expect(msg).toContain(`analytical ${2 * Math.cos(0.5)}`);
    const numerical = /numerical (-?[\d.e-]+)/.exec(msg)?.[1];
    expect(Number(numerical)).toBeCloseTo(Math.cos(0.5), 8);
  });

  it('raiseException: false returns a report with ok = false', () => {
    const r = gradcheck(wrongSin, [leaf([0.5, 1])], { raiseException: false });
    expect(r.ok).toBe(false);
    expect(r.failures.length).toBeGreaterThan(0);
    expect(r.maxAbsError).toBeCloseTo(Math.cos(0.5), 6);
  });

  it('refuses float32 inputs that require grad', () => {
    expect(() => gradcheck((x) => x!.sin(), [tensor([1], { requiresGrad: true })])).toThrow(/float64/);
  });

  it('leaves the caller\u2019s inputs unchanged', () => {
    const x = leaf([0.25, 0.5]);
    gradcheck((t) => t!.exp(), [x]);
    expect(x.toArray()).toEqual([0.25, 0.5]);
    expect(x.grad).toBeNull();
  });
});

describe('gradgradcheck', () => {
  const g = new Generator(17);
  const r = (s: number[]) => randn(s, { generator: g, dtype: 'float64' }).requiresGrad_();

  it('passes for tanh, sigmoid and matmul composites', () => {
    const report = gradgradcheck((x) => x!.tanh(), [r([4])]);
    expect(report.ok).toBe(true);
    // the gradient [4] against x [4] and the upstream gradient [4]
    expect(report.entries).toBe(4 * 4 + 4 * 4);
    expect(gradgradcheck((x) => x!.sigmoid().mul(x!), [r([3])]).ok).toBe(true);
    expect(gradgradcheck((a, b) => a!.matmul(b!).tanh().sum(0), [r([2, 3]), r([3, 2])]).ok).toBe(true);
    expect(gradgradcheck((a, b) => a!.matmul(b!.sigmoid()), [r([2, 2]), r([2, 3])]).ok).toBe(true);
  });

  it('fails for a custom op whose backward is not differentiable', () => {
    const x = leaf([0.5, -1.5]);
    // first derivatives are right
    expect(gradcheck(opaqueCube, [x]).ok).toBe(true);
    expect(() => gradgradcheck(opaqueCube, [x])).toThrow(GradcheckError);
    expect(gradgradcheck(opaqueCube, [x], { raiseException: false }).ok).toBe(false);
  });
});
