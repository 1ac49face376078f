import { describe, expect, it } from 'vitest';
import { AutogradError, DTypeError, autogradGrad, enableGrad, isGradEnabled, noGrad, ones, tensor, zeros, arange } from '@tapegrad/core';
import { assertAllClose } from '@tapegrad/core/testing';

const leaf = (v: Parameters<typeof tensor>[0]) => tensor(v, { dtype: 'float64', requiresGrad: true });

describe('backward', () => {
  it('d(x·x)/dx = 2x', () => {
    const x = leaf([1, 2, 3]);
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
  });

  it('accumulates into .grad across two backward calls', () => {
    const x = leaf([1, 2]);
    x.mul(3).sum().backward();
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([3 + 2, 3 + 4]);
    noGrad(() => x.grad!.zero_());
    x.sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 1]);
  });

  it('the first gradient is not aliased with the upstream gradient', () => {
    const x = leaf([1, 2]);
    const g = tensor([1, 1], { dtype: 'float64' });
    x.mul(1).backward(g);
    x.mul(1).backward(g);
    expect(g.toArray()).toEqual([1, 1]);
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });

  it('backward(gradient) of a non-scalar is the vector-Jacobian product', () => {
    const x = leaf([1, 2, 3]);
    x.square().backward(tensor([1, 0, -1], { dtype: 'float64' }));
    expect(x.grad!.toArray()).toEqual([2, 0, -6]);
  });

  it('a non-scalar without a gradient is an error saying so', () => {
    const x = leaf([1, 2]);
    expect(() => x.mul(2).backward()).toThrow(AutogradError);
    expect(() => x.mul(2).backward()).toThrow(/\[2\].*only for a scalar/);
    expect(() => x.mul(2).backward(ones([3], { dtype: 'float64' }))).toThrow(/gradient has shape \[3\].*\[2\]/);
    expect(() => tensor([1]).backward()).toThrow(/does not require grad/);
  });

  it('a second backward without retainGraph names retainGraph; with it, works', () => {
    const x = leaf([1, 2]);
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assertAllClose(x.grad!, [2 * Math.exp(1), 2 * Math.exp(2)], { rtol: 1e-15 });
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow(/second time.*retainGraph/);
  });

  it('frees saved values after backward', () => {
    const x = leaf([2]);
    const y = x.mul(x);
    y.sum().backward();
    // mul saved both inputs; they are gone
    expect(() => y.sum().backward()).toThrow(/'mul' a second time/);
  });

  it('a pass started from a hook may walk its own graph, not a node the outer pass still waits on', () => {
    const x = leaf([1, 2]);
    const a = x.mul(2);
    const b = a.mul(3);
    const c = a.mul(4); // recorded after b: walked first, so a waits for b's share
    const other = leaf([5]);
    b.registerHook(() => {
      // Hooks run with recording off, as in PyTorch: turn it on to build a graph.
      enableGrad(() => other.mul(7).sum().backward()); // unrelated graph: fine
    });
    b.add(c).sum().backward();
    expect(x.grad!.toArray()).toEqual([14, 14]);
    expect(other.grad!.toArray()).toEqual([7]);

    const y = leaf([1]);
    const p = y.mul(2);
    const q = p.mul(3);
    const r = p.mul(4);
    q.registerHook(() => {
      enableGrad(() => p.mul(5).sum().backward()); // p's node still waits on the outer pass
    });
    expect(() => q.add(r).sum().backward()).toThrow(/started during another one reached 'mul'/);
    // The failed pass leaves nothing behind that a later pass would pick up.
    const z = leaf([3]);
    z.mul(z).sum().backward();
    expect(z.grad!.toArray()).toEqual([6]);
  });

  it('a leaf root gets the gradient directly', () => {
    const x = leaf(2);
    x.backward();
    expect(x.grad!.item()).toBe(1);
  });
});

describe('higher-order derivatives with createGraph', () => {
  it('d²/dx² x³ = 6x, d³/dx³ = 6', () => {
    const x = leaf([2, -1]);
    const [d1] = autogradGrad([x.pow(3).sum()], [x], undefined, { createGraph: true });
    expect(d1!.toArray()).toEqual([12, 3]);
    const [d2] = autogradGrad([d1!.sum()], [x], undefined, { createGraph: true });
    expect(d2!.toArray()).toEqual([12, -6]);
    const [d3] = autogradGrad([d2!.sum()], [x]);
    expect(d3!.toArray()).toEqual([6, 6]);
  });

  it('d²/dx² sin = −sin, through .grad with backward(createGraph)', () => {
    const x = leaf([0.3, 1.1]);
    x.sin().sum().backward(undefined, { createGraph: true });
    const g = x.grad!;
    assertAllClose(g, [Math.cos(0.3), Math.cos(1.1)], { rtol: 1e-15 });
    expect(g.requiresGrad).toBe(true);
    x.grad = null;
    g.sum().backward();
    assertAllClose(x.grad!, [-Math.sin(0.3), -Math.sin(1.1)], { rtol: 1e-15 });
  });

  it('mixed partials of x²y³: ∂²/∂x∂y = 6xy²', () => {
    const x = leaf(2);
    const y = leaf(3);
    const f = x.square().mul(y.pow(3));
    const [fx] = autogradGrad([f], [x], undefined, { createGraph: true });
    expect(fx!.item()).toBe(2 * 2 * 27);
    const [fxy, fxx] = autogradGrad([fx!], [y, x]);
    expect(fxy!.item()).toBe(6 * 2 * 9);
    expect(fxx!.item()).toBe(2 * 27);
  });
});

describe('retainGrad, detach, requiresGrad', () => {
  it('retainGrad keeps a non-leaf gradient', () => {
    const x = leaf([1, 2]);
    const h = x.mul(3);
    h.retainGrad();
    const k = x.mul(5); // not retained
    h.square().add(k).sum().backward();
    expect(h.grad!.toArray()).toEqual([6, 12]);
    expect(k.grad).toBeNull();
    expect(x.grad!.toArray()).toEqual([18 + 5, 36 + 5]);
  });

  it('detach cuts the graph but shares storage', () => {
    const x = leaf([1, 2]);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    const y = x.mul(d).sum();
    y.backward();
    expect(x.grad!.toArray()).toEqual([1, 2]);
    noGrad(() => d.add_(10));
    expect(x.toArray()).toEqual([11, 12]);
  });

  it('requiresGrad_ on an int tensor is a DTypeError', () => {
    expect(() => tensor([1], { dtype: 'int32' }).requiresGrad_()).toThrow(DTypeError);
    const x = leaf([1]);
    expect(() => x.mul(2).requiresGrad_(false)).toThrow(/leaf/);
  });

  it('int results are not recorded', () => {
    const x = leaf([1.5, 2.5]);
    expect(x.argmax().requiresGrad).toBe(false);
    expect(x.gt(2).requiresGrad).toBe(false);
    expect(x.int().requiresGrad).toBe(false);
  });
});

describe('grad mode', () => {
  it('noGrad and enableGrad nest and restore', () => {
    const x = leaf([1]);
    expect(isGradEnabled()).toBe(true);
    const r = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      const a = x.mul(2);
      const b = enableGrad(() => {
        expect(isGradEnabled()).toBe(true);
        return noGrad(() => x.mul(2));
      });
      const c = enableGrad(() => x.mul(2));
      expect(isGradEnabled()).toBe(false);
      return [a, b, c];
    });
    expect(isGradEnabled()).toBe(true);
    expect(r.map((t) => t.requiresGrad)).toEqual([false, false, true]);
  });

  it('restores the mode when the function throws', () => {
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });
});

describe('gradients through views, casts and broadcasting', () => {
  it('through slice, expand, permute, select', () => {
    const x = leaf([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const w = tensor(
      [
        [1, 10],
        [100, 1000],
      ],
      { dtype: 'float64' },
    );
    // columns 0 and 2, transposed, weighted
    x.slice(1, 0, undefined, 2).permute([1, 0]).mul(w).sum().backward();
    expect(x.grad!.toArray()).toEqual([
      [1, 0, 100],
      [10, 0, 1000],
    ]);
    const y = leaf([1, 2]);
    y.unsqueeze(0).expand([3, 2]).mul(arange(6, { dtype: 'float64' }).reshape([3, 2])).sum().backward();
    expect(y.grad!.toArray()).toEqual([0 + 2 + 4, 1 + 3 + 5]);
    const z = leaf([
      [1, 2],
      [3, 4],
    ]);
    z.select(1, 1).mul(tensor([5, 7], { dtype: 'float64' })).sum().backward();
    expect(z.grad!.toArray()).toEqual([
      [0, 5],
      [0, 7],
    ]);
  });

  it('through flip and pad', () => {
    const x = leaf([1, 2, 3]);
    x.flip([0]).mul(tensor([1, 10, 100], { dtype: 'float64' })).sum().backward();
    expect(x.grad!.toArray()).toEqual([100, 10, 1]);
    const y = leaf([1, 2]);
    y.pad([1, 1], 5).mul(tensor([1, 2, 3, 4], { dtype: 'float64' })).sum().backward();
    expect(y.grad!.toArray()).toEqual([2, 3]);
  });

  it('through casts between float32 and float64, keeping each dtype', () => {
    const x = tensor([1.5, 2], { requiresGrad: true });
    x.double().square().sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toArray()).toEqual([3, 4]);
    const y = leaf([3]);
    y.float().mul(2).sum().backward();
    expect(y.grad!.dtype).toBe('float64');
    expect(y.grad!.toArray()).toEqual([2]);
  });

  it('unbroadcasts the gradients of broadcast operands', () => {
    const a = leaf([[1], [2], [3]]); // [3, 1]
    const b = leaf([10, 20]); // [2]
    const c = leaf(2); // []
    a.mul(b).mul(c).sum().backward();
    expect(a.grad!.toArray()).toEqual([[60], [60], [60]]);
    expect(b.grad!.toArray()).toEqual([12, 12]);
    expect(c.grad!.item()).toBe(6 * 30);
    expect(a.grad!.shape).toEqual([3, 1]);
  });

  it('with a plain number on the left', () => {
    const x = leaf([2, 4]);
    const { div } = { div: (a: number, t: typeof x) => t.reciprocal().mul(a) };
    div(8, x).sum().backward();
    expect(x.grad!.toArray()).toEqual([-2, -0.5]);
  });
});

describe('the tape', () => {
  it('a chain of 100,000 ops backpropagates without stack overflow', () => {
    const x = tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.add(1e-6);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([1]);
  });

  it('a diamond sums both paths once', () => {
    const x = leaf(3);
    const a = x.mul(2);
    const b = a.square(); // 4x²
    const c = a.exp().mul(0); // contributes 0
    b.add(c).add(a).backward(); // d/dx (4x² + 2x) = 8x + 2
    expect(x.grad!.item()).toBe(26);
  });

  it('inputs that do not require grad get no gradient', () => {
    const x = leaf([1]);
    const k = zeros([1], { dtype: 'float64' });
    x.mul(k).sum().backward();
    expect(k.grad).toBeNull();
    expect(x.grad!.toArray()).toEqual([0]);
  });
});
