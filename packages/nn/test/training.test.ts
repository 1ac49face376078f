import { describe, expect, it } from 'vitest';
import { Generator, noGrad, tensor, zerosLike, type Tensor } from '@tapegrad/core';
import { Linear, ReLU, Sequential, Tanh, crossEntropy, type Module } from '@tapegrad/nn';

/** A minimal Adam, written here so that nn's tests do not depend on the optim package. */
function adam(model: Module, lr: number): () => void {
  const params = model.parameters();
  const m = params.map((p) => zerosLike(p));
  const v = params.map((p) => zerosLike(p));
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let t = 0;
  return () =>
    noGrad(() => {
      t++;
      params.forEach((p, i) => {
        const g = p.grad;
        if (g === null) return;
        m[i]!.mul_(b1).add_(g, 1 - b1);
        v[i]!.mul_(b2).addcmul_(g, g, 1 - b2);
        const mHat = m[i]!.div(1 - b1 ** t);
        const vHat = v[i]!.div(1 - b2 ** t);
        p.sub_(mHat.div(vHat.sqrt().add(eps)).mul(lr));
      });
    });
}

function train(model: Sequential, x: Tensor, y: Tensor, steps: number, lr: number): number {
  const step = adam(model, lr);
  for (let i = 0; i < steps; i++) {
    model.zeroGrad();
    crossEntropy(model.forward(x), y).backward();
    step();
  }
  const predicted = model.forward(x).argmax(1);
  return predicted.eq(y).to('float32').mean().item();
}

describe('end to end', () => {
  it('an MLP learns XOR to 100% training accuracy', () => {
    const g = new Generator(0);
    const model = new Sequential(new Linear(2, 8, { generator: g }), new Tanh(), new Linear(8, 2, { generator: g }));
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tensor([0, 1, 1, 0], { dtype: 'int32' });
    expect(train(model, x, y, 300, 0.05)).toBe(1);
  });

  it('an MLP learns a two-class spiral to ≥ 95% training accuracy', () => {
    const g = new Generator(7);
    const perClass = 100;
    const points: number[][] = [];
    const labels: number[] = [];
    for (let c = 0; c < 2; c++) {
      for (let i = 0; i < perClass; i++) {
        const r = i / perClass;
        const theta = c * Math.PI + r * 3 * Math.PI + g.nextNormal() * 0.15;
        points.push([r * Math.cos(theta), r * Math.sin(theta)]);
        labels.push(c);
      }
    }
    const x = tensor(points);
    const y = tensor(labels, { dtype: 'int32' });
    const model = new Sequential(new Linear(2, 32, { generator: g }), new ReLU(), new Linear(32, 32, { generator: g }), new ReLU(), new Linear(32, 2, { generator: g }));
    expect(train(model, x, y, 600, 0.01)).toBeGreaterThanOrEqual(0.95);
  });
});
