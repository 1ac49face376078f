import { describe, expect, it } from 'vitest';
import {
  AutogradError,
  IndexError,
  ShapeError,
  TapegradError,
  arange,
  autogradGrad,
  customOp,
  grad,
  hessian,
  jvp,
  rand,
  randn,
  randperm,
  stack,
  tensor,
  valueAndGrad,
  vjp,
  vmap,
  zeros,
  type Tensor,
} from '@tapegrad/core';
import { assertAllClose } from '@tapegrad/core/testing';
import { loopMap } from './loop-map.js';

const f64 = (shape: number[]): Tensor => randn(shape, { dtype: 'float64' });
const close = (a: Tensor, b: Tensor): void => assertAllClose(a, b, { rtol: 1e-10, atol: 1e-12 });

describe('inDims and outDims', () => {
  it('maps each argument along its own dim, negative dims included, and shares null ones', () => {
    const f = (a: Tensor, b: Tensor, c: Tensor) => a.matmul(b).add(c);
    const a = f64([2, 3, 4]); // examples along dim 1
    const b = f64([4, 2]); // shared
    const c = f64([2, 3]); // examples along the last dim
    const out = vmap(f, { inDims: [1, null, -1] })(a, b, c);
    close(out, loopMap(f, [1, null, -1])(a, b, c));
    expect(out.shape).toEqual([3, 2, 2]);
  });

  it('puts the batch at outDims, per output when the function returns several', () => {
    const f = (x: Tensor): Tensor[] => [x.sum(), x.mul(2), x.unsqueeze(0)];
    const x = f64([4, 3]);
    const [s, d, u] = vmap(f, { outDims: [0, 1, -1] })(x);
    close(s!, x.sum(1));
    close(d!, x.mul(2).mT);
    close(u!, x.mT.unsqueeze(0));
  });

  it('an output the same for every example is expanded along the batch; with outDims null it is returned as is', () => {
    const w = f64([3]);
    const x = f64([5, 2]);
    const [shared, sums] = vmap((t: Tensor) => [w.exp(), t.sum()], { outDims: [1, 0] })(x);
    close(shared!, w.exp().unsqueeze(1).expand([3, 5]));
    close(sums!, x.sum(1));
    const [, once] = vmap((t: Tensor) => [t.sum(), w.exp()], { outDims: [0, null] })(x);
    expect(once!.shape).toEqual([3]);
    expect(() => vmap((t: Tensor) => t, { outDims: null })(x)).toThrow(/outDims of output 0 is null/);
  });

  it('nests: vmap(vmap(f)) is f over a grid of examples (an outer product)', () => {
    const a = f64([3]);
    const b = f64([4]);
    const outer = vmap(vmap((x: Tensor, y: Tensor) => x.mul(y), { inDims: [null, 0] }), { inDims: [0, null] })(a, b);
    close(outer, a.unsqueeze(1).mul(b));
  });

  it('keeps the dtype one example gets: a 0-d float64 example against a float32 tensor gives float32', () => {
    const s = f64([3]);
    const v = randn([2]);
    const f = (x: Tensor, y: Tensor) => x.mul(y).add(y);
    const out = vmap(f, { inDims: [0, null] })(s, v);
    expect(f(s.select(0, 0), v).dtype).toBe('float32');
    expect(out.dtype).toBe('float32');
    assertAllClose(out, loopMap(f, [0, null])(s, v), { rtol: 1e-6 });
  });

  it('maps over a batch of no examples', () => {
    const f = (x: Tensor, w: Tensor) => x.unsqueeze(0).matmul(w).relu().sum(0);
    expect(vmap(f, { inDims: [0, null] })(f64([0, 3]), f64([3, 2])).shape).toEqual([0, 2]);
    expect(vmap(f, { inDims: [1, 0], outDims: 1 })(f64([3, 0]), f64([0, 3, 2])).shape).toEqual([2, 0]);
    expect(vmap(grad((w: Tensor, x: Tensor) => f(x, w).sum()), { inDims: [null, 0] })(f64([3, 2]), f64([0, 3])).shape).toEqual([0, 3, 2]);
  });

  it('checks the index ranges of every example', () => {
    const idx = tensor(new Int32Array([0, 1, 5]), { shape: [3, 1] });
    expect(() => vmap((x: Tensor, i: Tensor) => x.gather(0, i))(f64([3, 4]), idx)).toThrow(IndexError);
  });
});

describe('gradients inside and around vmap', () => {
  const loss = (w: Tensor, x: Tensor) => x.matmul(w).tanh().square().sum();

  it('vmap(grad(f)) gives one gradient per example, for shared and mapped arguments', () => {
    const w = f64([3, 2]);
    const x = f64([5, 3]);
    const [gw, gx] = vmap(grad(loss, { argnums: [0, 1] }), { inDims: [null, 0] })(w, x) as unknown as [Tensor, Tensor];
    const loop = [0, 1, 2, 3, 4].map((b) => grad(loss, { argnums: [0, 1] })(w, x.select(0, b)));
    close(gw, stack(loop.map((g) => g[0]!)));
    close(gx, stack(loop.map((g) => g[1]!)));
  });

  it('a gradient with respect to an argument the examples share, whose output depends on a captured batched tensor', () => {
    const w = f64([3, 2]);
    const x = f64([4, 3]);
    const out = vmap((xi: Tensor) => grad((wi: Tensor) => loss(wi, xi))(w))(x);
    close(out, loopMap((xi) => grad((wi: Tensor) => loss(wi, xi))(w), [0])(x));
  });

  it('grad(vmap(f)) differentiates through the batched computation', () => {
    const w = f64([3, 2]);
    const x = f64([4, 3]);
    const total = (wi: Tensor) => vmap((xi: Tensor) => loss(wi, xi))(x).sum();
    close(grad(total)(w), grad((wi: Tensor) => loss(wi, x))(w));
  });

  it('vmap(grad(grad(f))) and vmap(vmap(grad(f))) match their loops', () => {
    const f = (x: Tensor) => x.pow(3).sin().sum();
    const d2 = grad((x: Tensor) => grad(f)(x).sum());
    const x = f64([4, 2]);
    close(vmap(d2)(x), loopMap(d2, [0])(x));
    const xx = f64([2, 3, 2]);
    close(vmap(vmap(grad(f)))(xx), loopMap(loopMap(grad(f), [0]), [0])(xx));
  });

  it('vmap(valueAndGrad), vmap(jvp) and vmap(hessian) match their loops', () => {
    const f = (x: Tensor) => x.exp().mul(x.sum()).sum();
    const x = f64([3, 4]);
    const [v, g] = vmap((t: Tensor) => valueAndGrad(f)(t))(x) as unknown as [Tensor, Tensor];
    close(v, loopMap((t) => f(t), [0])(x));
    close(g, loopMap(grad(f), [0])(x));
    const t = f64([3, 4]);
    const jt = vmap((xi: Tensor, ti: Tensor) => jvp((y) => y.sin().mul(y.sum()), [xi], [ti])[1])(x, t);
    close(jt, loopMap((xi, ti) => jvp((y) => y.sin().mul(y.sum()), [xi!], [ti!])[1], [0, 0])(x, t));
    close(vmap(hessian(f))(x), loopMap(hessian(f), [0])(x));
  });

  it('deeper compositions match their loops: vmap inside grad inside vmap, grad of vmap of grad, hessians, vjp and jvp', () => {
    const g = (x: Tensor) => x.sin().mul(x.square().sum());
    const x = f64([3, 4, 2]);
    // vmap(grad(x => vmap(g)(x).sum()))
    const inner = (xi: Tensor) => vmap(g)(xi).sum();
    close(vmap(grad(inner))(x), loopMap(grad(inner), [0])(x));
    // grad(vmap(grad(f)))  (nested=true path)
    const f = (xi: Tensor) => xi.pow(3).sum();
    const outer = (xx: Tensor) => vmap(grad(f))(xx).square().sum();
    const loopOuter = (xx: Tensor) => loopMap(grad(f), [0])(xx).square().sum();
    close(grad(outer)(x), grad(loopOuter)(x));
    // vmap(hessian) inside vmap
    const xs = f64([2, 3, 2]);
    close(vmap(vmap(hessian(f)))(xs), loopMap(loopMap(hessian(f), [0]), [0])(xs));
    // vmap(vjp) over inDims 1 with batched x too
    const v = f64([4, 3]);
    const xv = f64([3, 4]);
    const fv = (a: Tensor, b: Tensor) => vjp((t) => t.exp().mul(t.sum()), [a], b)[1][0]!;
    close(vmap(fv, { inDims: [1, 0] })(xv, v), loopMap(fv, [1, 0])(xv, v));
    // jvp with batched tangents only
    const x0 = f64([4]);
    const fj = (t: Tensor) => jvp((y) => y.tanh().mul(y.sum()), [x0], [t])[1];
    close(vmap(fj)(v.mT.contiguous()), loopMap(fj, [0])(v.mT.contiguous()));
    // grad of vmap with outDims and a shared param
    const w = f64([4, 2]);
    const lossW = (ww: Tensor) => vmap((xi: Tensor) => xi.matmul(ww).relu(), { outDims: 1 })(x.select(2, 0)).sum();
    const lossW2 = (ww: Tensor) => stack([0, 1, 2].map((b) => x.select(2, 0).select(0, b).matmul(ww).relu()), 1).sum();
    close(grad(lossW)(w), grad(lossW2)(w));
  });

  it('a custom op, which has no batching rule, runs once per example: values and gradients', () => {
    const cube = customOp<[Tensor]>({
      name: 'cube',
      forward: (ctx, a) => {
        ctx.save(a);
        return a.pow(3);
      },
      backward: (ctx, g) => [g.mul(ctx.saved[0]!.square()).mul(3)],
    });
    const x = f64([3, 2]);
    close(vmap(cube)(x), x.pow(3));
    close(vmap(grad((a: Tensor) => cube(a).sum()))(x), x.square().mul(3));
  });
});

describe('in-place ops inside vmap', () => {
  it('write into a batched tensor as the loop writes into each example, views included', () => {
    const f = (x: Tensor, y: Tensor) => {
      const z = x.clone();
      z.add_(y, 2);
      z.narrow(0, 0, 1).mul_(-1);
      z.fill_(0.5);
      return z.add_(x);
    };
    const x = f64([4, 3]);
    const y = f64([3]);
    close(vmap(f, { inDims: [0, null] })(x, y), loopMap(f, [0, null])(x, y));
  });

  it('differentiate inside vmap(grad) as in the loop, reading self included', () => {
    const f = (x: Tensor) => {
      const h = x.mul(1.5);
      h.mul_(x);
      h.narrow(0, 1, 1).add_(x.narrow(0, 0, 1).exp());
      return h.sin().sum();
    };
    const x = f64([4, 3]);
    close(vmap(grad(f))(x), loopMap(grad(f), [0])(x));
  });

  it("write into the caller's tensor when it is an argument, as PyTorch's vmap does", () => {
    const x = zeros([3, 2], { dtype: 'float64' });
    vmap((t: Tensor, v: Tensor) => t.add_(v))(x, arange(3, { dtype: 'float64' }));
    expect(x.toArray()).toEqual([[0, 0], [1, 1], [2, 2]]);
  });

  it('refuse to write a batched value into a tensor that is not batched', () => {
    const acc = zeros([2]);
    expect(() => vmap((t: Tensor) => acc.add_(t))(randn([3, 2]))).toThrow(/add_: cannot write a value that differs between the examples/);
  });
});

describe('random ops inside vmap', () => {
  it("are refused by default ('error')", () => {
    for (const draw of [() => rand([2]), () => randn([2]), () => randperm(3)]) {
      expect(() => vmap((t: Tensor) => t.add(draw()))(randn([3, 2]))).toThrow(/random ops inside vmap are refused/);
    }
  });

  it("'same' draws once for every example; 'different' draws per example", () => {
    const same = vmap((t: Tensor) => rand([4]).add(t.mul(0)), { randomness: 'same' })(zeros([3, 4]));
    close(same.select(0, 1), same.select(0, 0));
    const diff = vmap((t: Tensor) => rand([4]).add(t.mul(0)), { randomness: 'different' })(zeros([3, 4]));
    expect(diff.select(0, 1).allClose(diff.select(0, 0))).toBe(false);
    const draw = (t: Tensor) => rand([]).add(t.mul(0));
    const grid = vmap(vmap(draw, { randomness: 'different' }), { randomness: 'different' })(zeros([2, 3]));
    expect(new Set(grid.toArray() as unknown as number[][]).size).toBe(2);
    expect(new Set((grid.toArray() as number[][]).flat()).size).toBe(6);
    const rows = vmap(vmap(draw, { randomness: 'different' }), { randomness: 'same' })(zeros([2, 3]));
    close(rows.select(0, 1), rows.select(0, 0));
    expect(new Set((rows.toArray() as number[][])[0]).size).toBe(3);
  });
});

describe('what vmap refuses', () => {
  it('reading elements of a batched tensor', () => {
    for (const read of [(t: Tensor) => t.sum().item(), (t: Tensor) => t.data, (t: Tensor) => t.toArray(), (t: Tensor) => t.equal(t)]) {
      const f = (t: Tensor) => {
        read(t);
        return t;
      };
      expect(() => vmap(f)(randn([3, 2]))).toThrow(/cannot read the elements of a tensor batched by vmap/);
    }
  });

  it('printing shows the batch instead of reading it', () => {
    let printed = '';
    vmap((t: Tensor) => {
      printed = String(t);
      return t;
    })(randn([3, 2]));
    expect(printed).toMatch(/^BatchedTensor\(level 0, batch of 3 along dim 0, value tensor/);
  });

  it('a batched tensor kept past its vmap', () => {
    let kept: Tensor | undefined;
    vmap((t: Tensor) => {
      kept = t;
      return t;
    })(randn([3, 2]));
    expect(() => kept!.exp()).toThrow(/batched by a vmap that has returned/);
  });

  it('backward and autogradGrad on batched tensors', () => {
    const x = randn([3, 2]).requiresGrad_();
    const callsBackward = (t: Tensor) => {
      t.sum().backward();
      return t;
    };
    expect(() => vmap(callsBackward)(x)).toThrow(AutogradError);
    expect(() => vmap((t: Tensor) => autogradGrad([t.sum()], [t])[0]!)(x)).toThrow(/grad: called inside vmap/);
  });

  it('errors are tapegrad errors naming vmap', () => {
    expect(() => vmap((a: Tensor, b: Tensor) => a.add(b))(randn([3]), randn([4]))).toThrow(ShapeError);
    expect(() => vmap((a: Tensor) => a)(randn([3]))).not.toThrow();
    expect(() => vmap((a: Tensor) => a, { inDims: null })(randn([3]))).toThrow(TapegradError);
  });
});
