import { describe, expect, it } from 'vitest';
import { grad, hessian, jvp, tensor, valueAndGrad, vjp, type Tensor, AutogradError } from '@tapegrad/core';
import { assertAllClose } from '@tapegrad/core/testing';

const f64 = (v: Parameters<typeof tensor>[0]) => tensor(v, { dtype: 'float64' });

describe('grad and valueAndGrad', () => {
  it('gradient with respect to the first argument by default', () => {
    const df = grad((x: Tensor) => x.pow(3).sum());
    expect(df(f64([1, 2])).toArray()).toEqual([3, 12]);
  });

  it('argnums as a number and as an array', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y).add(y.square()).sum();
    const x = f64([1, 2]);
    const y = f64([3, 4]);
    expect(grad(f, { argnums: 1 })(x, y).toArray()).toEqual([1 + 6, 2 + 8]);
    const [gx, gy] = grad(f, { argnums: [0, 1] })(x, y);
    expect(gx!.toArray()).toEqual([3, 4]);
    expect(gy!.toArray()).toEqual([7, 10]);
    expect(() => grad(f, { argnums: 2 })(x, y)).toThrow(AutogradError);
  });

  it('does not touch the arguments or their .grad', () => {
    const x = tensor([2], { dtype: 'float64', requiresGrad: true });
    const g = grad((t: Tensor) => t.square().sum())(x);
    expect(g.toArray()).toEqual([4]);
    expect(x.grad).toBeNull();
  });

  it('valueAndGrad returns both from one pass', () => {
    const [v, g] = valueAndGrad((x: Tensor) => x.square().sum())(f64([3, 4]));
    expect(v.item()).toBe(25);
    expect(g.toArray()).toEqual([6, 8]);
    expect(v.requiresGrad).toBe(false);
  });

  it('a function that does not depend on its argument has zero gradient', () => {
    expect(grad((x: Tensor) => x.detach().sum())(f64([1, 2])).toArray()).toEqual([0, 0]);
  });

  it('requires a scalar output', () => {
    expect(() => grad((x: Tensor) => x.mul(2))(f64([1, 2]))).toThrow(/grad.*scalar.*\[2\]/);
  });

  it('grad(grad(f)) is the second derivative', () => {
    const d2 = grad(grad((x: Tensor) => x.pow(3).sum()));
    expect(d2(f64([2])).toArray()).toEqual([12]);
    const d3 = grad(grad(grad((x: Tensor) => x.sin().sum())));
    assertAllClose(d3(f64([0.5])), [-Math.cos(0.5)], { rtol: 1e-14 });
  });
});

describe('vjp and jvp', () => {
  it('vjp of exp is v·exp(x)', () => {
    const x = f64([0, 1]);
    const [y, [vx]] = vjp((t) => t.exp(), [x], f64([2, 3]));
    assertAllClose(y, [1, Math.E], { rtol: 1e-15 });
    assertAllClose(vx!, [2, 3 * Math.E], { rtol: 1e-15 });
  });

  it('vjp of a matrix function with two inputs', () => {
    const a = f64([
      [1, 2],
      [3, 4],
    ]);
    const b = f64([5, 6]);
    const v = f64([1, -1]);
    const [y, [va, vb]] = vjp((m, x) => m!.matmul(x!), [a, b], v);
    expect(y.toArray()).toEqual([17, 39]);
    expect(va!.toArray()).toEqual([
      [5, 6],
      [-5, -6],
    ]); // v ⊗ b
    expect(vb!.toArray()).toEqual([-2, -2]); // Aᵀv
  });

  it('jvp of elementwise sin is cos(x)·t', () => {
    const x = f64([0.2, 1.5, -3]);
    const t = f64([1, 2, 3]);
    const [y, jt] = jvp((u) => u.sin(), [x], [t]);
    assertAllClose(y, [Math.sin(0.2), Math.sin(1.5), Math.sin(-3)], { rtol: 1e-15 });
    assertAllClose(jt, [Math.cos(0.2), 2 * Math.cos(1.5), 3 * Math.cos(-3)], { rtol: 1e-14 });
  });

  it('jvp of x ↦ A·x is A·t, and of a bilinear map sums both tangents', () => {
    const A = f64([
      [1, 2, 0],
      [0, -1, 3],
    ]);
    const [, jt] = jvp((x) => A.matmul(x), [f64([9, 9, 9])], [f64([1, 1, 2])]);
    expect(jt.toArray()).toEqual([3, 5]);
    // f(x, y) = x·y elementwise: J·(tx, ty) = y·tx + x·ty
    const [, j2] = jvp((x, y) => x!.mul(y!), [f64([1, 2]), f64([3, 4])], [f64([1, 0]), f64([0, 1])]);
    expect(j2.toArray()).toEqual([3, 2]);
  });

  it('jvp needs one tangent per input', () => {
    expect(() => jvp((x) => x, [f64([1])], [])).toThrow(/jvp.*0 tangents.*1 inputs/);
  });
});

describe('hessian', () => {
  it('of Σx³ is diag(6x)', () => {
    // assertAllClose: off-diagonal zeros may come out as −0
    assertAllClose(hessian((x) => x.pow(3).sum())(f64([1, 2, -1])), [
      [6, 0, 0],
      [0, 12, 0],
      [0, 0, -6],
    ]);
  });

  it('of the quadratic form xᵀAx is A + Aᵀ', () => {
    const A = f64([
      [1, 2, 0],
      [5, 3, -1],
      [0, 4, 2],
    ]);
    const H = hessian((x) => x.matmul(A.matmul(x)))(f64([0.3, -1, 2]));
    expect(H.toArray()).toEqual([
      [2, 7, 0],
      [7, 6, 3],
      [0, 3, 4],
    ]);
  });

  it('keeps the shape of a matrix argument', () => {
    const H = hessian((x) => x.square().sum())(f64([[1, 2]]));
    expect(H.shape).toEqual([1, 2, 1, 2]);
    expect(H.reshape([2, 2]).toArray()).toEqual([
      [2, 0],
      [0, 2],
    ]);
  });
});
