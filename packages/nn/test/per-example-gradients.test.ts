import { describe, expect, it } from 'vitest';
import { IndexError, grad, randint, randn, stack, tensor, vmap, type Tensor } from '@tapegrad/core';
import { assertAllClose } from '@tapegrad/core/testing';
import { binaryCrossEntropy, crossEntropy, embedding, gelu, layerNorm } from '@tapegrad/nn';

// Per-example gradients with vmap(grad(loss)) through nn's functional layers
// and losses (whose checks read every example's indices), against backward()
// one example at a time.

const f64 = (shape: number[], scale = 1): Tensor => randn(shape, { dtype: 'float64' }).mul(scale);

/** `loss(...params, ...data)`'s gradients for each example, by backward() on each example alone. */
function oneAtATime(loss: (...xs: Tensor[]) => Tensor, params: readonly Tensor[], data: readonly Tensor[]): Tensor[] {
  const perExample = Array.from({ length: data[0]!.shape[0]! }, (_, b) => {
    const leaves = params.map((p) => p.detach().requiresGrad_());
    loss(...leaves, ...data.map((d) => d.select(0, b))).backward();
    return leaves.map((l) => l.grad!);
  });
  return params.map((_, i) => stack(perExample.map((g) => g[i]!)));
}

function check(loss: (...xs: Tensor[]) => Tensor, params: readonly Tensor[], data: readonly Tensor[]): void {
  const argnums = params.map((_, i) => i);
  const inDims = [...params.map(() => null), ...data.map(() => 0)];
  const grads = vmap(grad(loss, { argnums }), { inDims })(...params, ...data);
  const expected = oneAtATime(loss, params, data);
  grads.forEach((g, i) => assertAllClose(g, expected[i]!, { rtol: 1e-10, atol: 1e-12 }));
}

describe('per-example gradients through nn', () => {
  it('embedding, layerNorm, gelu and crossEntropy', () => {
    const model = (table: Tensor, gamma: Tensor, w: Tensor, ids: Tensor, y: Tensor): Tensor => {
      const h = layerNorm(embedding(ids, table).mean(0, true), 4, gamma);
      return crossEntropy(gelu(h).matmul(w), y.reshape([1]));
    };
    const params = [f64([7, 4]), f64([4]).add(1), f64([4, 3], 0.5)];
    check(model, params, [randint(0, 7, [5, 6]), randint(0, 3, [5])]);
  });

  it('binaryCrossEntropy', () => {
    const model = (w: Tensor, x: Tensor, y: Tensor): Tensor => binaryCrossEntropy(x.matmul(w).sigmoid(), y);
    check(model, [f64([3, 2])], [f64([4, 3]), randint(0, 2, [4, 2]).double()]);
  });

  it("the losses' index checks look at every example", () => {
    const loss = (w: Tensor, x: Tensor, y: Tensor) => crossEntropy(x.matmul(w).unsqueeze(0), y.reshape([1]));
    const y = tensor(new Int32Array([0, 2, 7]));
    expect(() => vmap(grad(loss), { inDims: [null, 0, 0] })(f64([2, 3]), f64([3, 2]), y)).toThrow(IndexError);
    expect(() => vmap(grad(loss), { inDims: [null, 0, 0] })(f64([2, 3]), f64([3, 2]), y)).toThrow(/crossEntropy: target value 7/);
  });
});
