import { describe, expect, it } from 'vitest';
import { avgPool2d, conv2d, eye, grad, jvp, maxPool2d, randn, randint, stack, tensor, vjp, vmap, type Tensor } from '@tapegrad/core';
import { assertAllClose } from '@tapegrad/core/testing';

// Per-example gradients by vmap(grad(loss)), against the gradients computed
// one example at a time with backward() (no vmap, no functional API), and
// Jacobians by vmap(vjp) and vmap(jvp) against central finite differences.

const f64 = (shape: number[], scale = 1): Tensor => randn(shape, { dtype: 'float64' }).mul(scale);

/** Cross-entropy of one example: logits `[1, classes]`, target a 0-d int32 class. */
const crossEntropy = (logits: Tensor, target: Tensor): Tensor => logits.logsumexp(1).sub(logits.gather(1, target.reshape([1, 1])).reshape([1])).sum();

/** The gradients of `loss(...params, x, y)` for each example, by backward() on each example alone. */
function oneAtATime(loss: (...xs: Tensor[]) => Tensor, params: readonly Tensor[], x: Tensor, y: Tensor): Tensor[] {
  const perExample = Array.from({ length: x.shape[0]! }, (_, b) => {
    const leaves = params.map((p) => p.detach().requiresGrad_());
    loss(...leaves, x.select(0, b), y.select(0, b)).backward();
    return leaves.map((l) => l.grad!);
  });
  return params.map((_, i) => stack(perExample.map((g) => g[i]!)));
}

function checkPerExample(loss: (...xs: Tensor[]) => Tensor, params: readonly Tensor[], x: Tensor, y: Tensor): void {
  const argnums = params.map((_, i) => i);
  const inDims = [...params.map(() => null), 0, 0];
  const grads = vmap(grad(loss, { argnums }), { inDims })(...params, x, y) as unknown as Tensor[];
  const expected = oneAtATime(loss, params, x, y);
  grads.forEach((g, i) => {
    expect(g.shape).toEqual([x.shape[0]!, ...params[i]!.shape]);
    assertAllClose(g, expected[i]!, { rtol: 1e-10, atol: 1e-12 });
  });
}

describe('per-example gradients', () => {
  it('of a small MLP (two linear layers, tanh, cross-entropy)', () => {
    const mlp = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, x: Tensor, y: Tensor): Tensor => {
      const h = x.unsqueeze(0).matmul(w1).add(b1).tanh();
      return crossEntropy(h.matmul(w2).add(b2), y);
    };
    const params = [f64([4, 8], 0.5), f64([8], 0.1), f64([8, 3], 0.5), f64([3], 0.1)];
    checkPerExample(mlp, params, f64([6, 4]), randint(0, 3, [6]));
  });

  it('of a small conv net (conv, relu, max pool, grouped conv, average pool, linear)', () => {
    const net = (k1: Tensor, c1: Tensor, k2: Tensor, w: Tensor, b: Tensor, x: Tensor, y: Tensor): Tensor => {
      let h = conv2d(x.unsqueeze(0), k1, c1, { padding: 1 }).relu();
      h = maxPool2d(h, 2);
      h = conv2d(h, k2, null, { groups: 2, padding: 1 }).sigmoid();
      h = avgPool2d(h, 2);
      return crossEntropy(h.flatten(1).matmul(w).add(b), y);
    };
    const params = [f64([4, 2, 3, 3], 0.4), f64([4], 0.1), f64([4, 2, 2, 2], 0.4), f64([16, 3], 0.5), f64([3], 0.1)];
    checkPerExample(net, params, f64([5, 2, 6, 6]), randint(0, 3, [5]));
  });

  it('add up to the gradient of the summed loss', () => {
    const loss = (w: Tensor, x: Tensor, y: Tensor) => x.matmul(w).sub(y).square().sum();
    const w = f64([3]);
    const x = f64([7, 3]);
    const y = f64([7]);
    const perExample = vmap(grad(loss), { inDims: [null, 0, 0] })(w, x, y);
    const leaf = w.detach().requiresGrad_();
    x.matmul(leaf).sub(y).square().sum().backward();
    assertAllClose(perExample.sum(0), leaf.grad!, { rtol: 1e-10 });
  });
});

describe('Jacobians by vmap over basis vectors', () => {
  const a = tensor([[0.3, -1.2, 0.5], [1.1, 0.4, -0.7], [-0.2, 0.9, 0.8], [0.6, -0.5, 1.3]], { dtype: 'float64' });
  const f = (x: Tensor): Tensor => a.matmul(x).tanh().mul(x.square().sum()).add(x.select(0, 1).exp());
  const x0 = tensor([0.4, -0.3, 0.9], { dtype: 'float64' });

  /** The Jacobian `[4, 3]` by central differences. */
  function finiteDifferences(): Tensor {
    const eps = 1e-6;
    const columns = [0, 1, 2].map((j) => {
      const e = eye(3, undefined, { dtype: 'float64' }).select(0, j).mul(eps);
      return f(x0.add(e)).sub(f(x0.sub(e))).div(2 * eps);
    });
    return stack(columns, 1);
  }

  it('vmap(vjp) gives its rows', () => {
    const rows = vmap((v: Tensor) => vjp(f, [x0], v)[1][0]!)(eye(4, undefined, { dtype: 'float64' }));
    assertAllClose(rows, finiteDifferences(), { rtol: 1e-6, atol: 1e-8 });
  });

  it('vmap(jvp) gives its columns', () => {
    const cols = vmap((t: Tensor) => jvp(f, [x0], [t])[1], { outDims: 1 })(eye(3, undefined, { dtype: 'float64' }));
    assertAllClose(cols, finiteDifferences(), { rtol: 1e-6, atol: 1e-8 });
  });
});
