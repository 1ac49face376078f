import { describe, expect, it } from 'vitest';
import { tensor, grad } from '../src/index.js';

describe('smoke', () => {
  it('runs', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    expect(x.grad?.toArray()).toEqual([[2, 4], [6, 8]]);
    console.log(String(x), String(y), String(tensor([1.5, 2])));
    const w = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const out = x.matmul(w).relu().logsumexp(1).mean();
    out.backward();
    console.log(String(w.grad));
    const d2 = grad(grad((t) => t.pow(3).sum()));
    console.log(String(d2(tensor([2]))));
  });
});
