import { describe, expect, it } from 'vitest';
import { AutogradError, customOp, noGrad, tensor, type Tensor } from '@tapegrad/core';
import { gradcheck, gradgradcheck } from '@tapegrad/core/testing';

/** x·exp(y), saving its inputs and its output. */
const mulExp = customOp<[Tensor, Tensor]>({
  name: 'mulExp',
  forward: (ctx, x, y) => {
    const out = x.mul(y.exp());
    ctx.save(x, y);
    return out;
  },
  backward: (ctx, g) => {
    const [x, y] = ctx.saved as [Tensor, Tensor];
    return [ctx.needsInputGrad[0] ? g.mul(y.exp()) : null, ctx.needsInputGrad[1] ? g.mul(x).mul(y.exp()) : null];
  },
});

const leaf = (v: number[]) => tensor(v, { dtype: 'float64', requiresGrad: true });

describe('customOp', () => {
  it('computes forward and backward with saved tensors', () => {
    const x = leaf([1, 2]);
    const y = leaf([0, 1]);
    const out = mulExp(x, y);
    expect(out.toArray()).toEqual([1, 2 * Math.E]);
    expect(out.gradFn).not.toBeNull();
    out.sum().backward();
    expect(x.grad!.toArray()).toEqual([1, Math.E]);
    expect(y.grad!.toArray()).toEqual([1, 2 * Math.E]);
  });

  it('passes gradcheck and gradgradcheck', () => {
    gradcheck(mulExp, [leaf([0.5, -1, 2]), leaf([0.1, 0.2, -0.3])]);
    gradgradcheck(mulExp, [leaf([0.5, -1]), leaf([0.1, 0.2])]);
  });

  it('tells backward which inputs need a gradient', () => {
    const x = leaf([1]);
    const y = tensor([1], { dtype: 'float64' });
    const seen: boolean[][] = [];
    const op = customOp<[Tensor, Tensor]>({
      name: 'spy',
      forward: (_ctx, a, b) => a.add(b),
      backward: (ctx, g) => {
        seen.push([...ctx.needsInputGrad]);
        return [g, null];
      },
    });
    op(x, y).sum().backward();
    expect(seen).toEqual([[true, false]]);
  });

  it('records nothing when no input requires grad, or under noGrad', () => {
    const y = mulExp(tensor([1], { dtype: 'float64' }), tensor([0], { dtype: 'float64' }));
    expect(y.requiresGrad).toBe(false);
    expect(noGrad(() => mulExp(leaf([1]), leaf([0]))).requiresGrad).toBe(false);
  });

  it('its forward is not recorded on the tape', () => {
    const x = leaf([2]);
    const op = customOp<[Tensor]>({
      name: 'double',
      forward: (_ctx, a) => {
        expect(a.mul(1).requiresGrad).toBe(false);
        return a.mul(2);
      },
      backward: (_ctx, g) => [g.mul(2)],
    });
    op(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([2]);
  });

  it('a forward that returns its input unchanged leaves the input a leaf', () => {
    const x = leaf([3]);
    const identity = customOp<[Tensor]>({ name: 'identity', forward: (_ctx, a) => a, backward: (_ctx, g) => [g] });
    const y = identity(x);
    expect(x.isLeaf).toBe(true);
    y.mul(2).sum().backward();
    expect(x.grad!.toArray()).toEqual([2]);
  });

  it('detects a saved tensor modified in place', () => {
    const x = leaf([1]);
    const h = x.mul(1);
    const out = mulExp(h, leaf([0]));
    noGrad(() => h.add_(1));
    expect(() => out.sum().backward()).toThrow(/mulExp/);
  });

  it('a backward returning the wrong number of gradients is an error naming the op', () => {
    const bad = customOp<[Tensor]>({ name: 'badArity', forward: (_ctx, a) => a.mul(2), backward: (_ctx, g) => [g, g] });
    expect(() => bad(leaf([1])).sum().backward()).toThrow(AutogradError);
    expect(() => bad(leaf([1])).sum().backward()).toThrow(/badArity.*2 gradients for 1 inputs/);
  });
});
