// Each optimizer's first steps against the update formula, written out here
// with plain numbers (float64 parameters, gradients set by hand).
import { describe, expect, it } from 'vitest';
import type { Tensor } from '@tapegrad/core';
import { Adagrad, Adam, AdamW, GD, Lion, RMSprop, SGD, type Optimizer } from '@tapegrad/optim';
import { expectClose, grad, param, values } from './helpers.js';

/** Feeds the gradients one step at a time; returns the parameter after each step. */
function run(opt: Optimizer, p: Tensor, grads: number[][]): number[][] {
  return grads.map((g) => {
    p.grad = grad(g);
    opt.step();
    return values(p);
  });
}

describe('GD', () => {
  it('w ← w − lr·g', () => {
    const p = param([1, -2]);
    const out = run(new GD([p], { lr: 0.1 }), p, [[0.5, -1], [0.25, 2]]);
    expectClose(out[0]!, [1 - 0.1 * 0.5, -2 - 0.1 * -1]);
    expectClose(out[1]!, [1 - 0.1 * 0.5 - 0.1 * 0.25, -2 + 0.1 - 0.1 * 2]);
  });
});

describe('SGD', () => {
  const g1 = 0.5, g2 = -0.3, g3 = 0.8, w0 = 1.5;

  it('plain: w ← w − lr·g', () => {
    const p = param([w0]);
    const [a, b] = run(new SGD([p], { lr: 0.2 }), p, [[g1], [g2]]);
    expectClose(a!, [w0 - 0.2 * g1]);
    expectClose(b!, [w0 - 0.2 * g1 - 0.2 * g2]);
  });

  it('momentum with dampening: b1 = g1, b_t = μ·b + (1 − τ)·g', () => {
    const lr = 0.1, mu = 0.9, tau = 0.2;
    const p = param([w0]);
    const out = run(new SGD([p], { lr, momentum: mu, dampening: tau }), p, [[g1], [g2], [g3]]);
    const b1 = g1; // the first buffer is the gradient itself, undampened
    const w1 = w0 - lr * b1;
    const b2 = mu * b1 + (1 - tau) * g2;
    const w2 = w1 - lr * b2;
    const b3 = mu * b2 + (1 - tau) * g3;
    const w3 = w2 - lr * b3;
    expectClose(out[0]!, [w1]);
    expectClose(out[1]!, [w2]);
    expectClose(out[2]!, [w3]);
  });

  it('Nesterov: the step uses g + μ·b', () => {
    const lr = 0.1, mu = 0.9;
    const p = param([w0]);
    const out = run(new SGD([p], { lr, momentum: mu, nesterov: true }), p, [[g1], [g2], [g3]]);
    const b1 = g1;
    const w1 = w0 - lr * (g1 + mu * b1);
    const b2 = mu * b1 + g2;
    const w2 = w1 - lr * (g2 + mu * b2);
    const b3 = mu * b2 + g3;
    const w3 = w2 - lr * (g3 + mu * b3);
    expectClose(out[0]!, [w1]);
    expectClose(out[1]!, [w2]);
    expectClose(out[2]!, [w3]);
    // and it differs from classical momentum
    const w1Classic = w0 - lr * b1;
    expect(Math.abs(out[0]![0]! - w1Classic)).toBeGreaterThan(1e-3);
  });

  it('weight decay is added to the gradient before momentum', () => {
    const lr = 0.1, mu = 0.5, wd = 0.01;
    const p = param([w0]);
    const out = run(new SGD([p], { lr, momentum: mu, weightDecay: wd }), p, [[g1], [g2]]);
    const d1 = g1 + wd * w0;
    const w1 = w0 - lr * d1;
    const d2 = g2 + wd * w1;
    const b2 = mu * d1 + d2;
    const w2 = w1 - lr * b2;
    expectClose(out[0]!, [w1]);
    expectClose(out[1]!, [w2]);
  });

  it('maximize ascends: the gradient is negated first', () => {
    const lr = 0.1, mu = 0.9;
    const p = param([w0]);
    const out = run(new SGD([p], { lr, momentum: mu, maximize: true }), p, [[g1], [g2]]);
    const w1 = w0 + lr * g1;
    const w2 = w1 - lr * (mu * -g1 + -g2);
    expectClose(out[0]!, [w1]);
    expectClose(out[1]!, [w2]);
  });
});

/** Adam written out for one scalar, as in PyTorch's documentation. */
function adamByHand(w0: number, gs: number[], o: { lr: number; b1: number; b2: number; eps: number; wd?: number; decoupled?: boolean; amsgrad?: boolean; maximize?: boolean }): number[] {
  let w = w0, m = 0, v = 0, vmax = 0;
  const out: number[] = [];
  gs.forEach((g0, i) => {
    const t = i + 1;
    let g = o.maximize ? -g0 : g0;
    if (o.wd && o.decoupled) w = w - o.lr * o.wd * w;
    else if (o.wd) g = g + o.wd * w;
    m = o.b1 * m + (1 - o.b1) * g;
    v = o.b2 * v + (1 - o.b2) * g * g;
    const mHat = m / (1 - o.b1 ** t);
    vmax = Math.max(vmax, v);
    const vHat = (o.amsgrad ? vmax : v) / (1 - o.b2 ** t);
    w = w - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
    out.push(w);
  });
  return out;
}

describe('Adam', () => {
  const base = { lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8 };

  it('bias correction: the first step moves by lr·g/(|g| + ε), about lr', () => {
    const p = param([1, -1]);
    const [w1] = run(new Adam([p], { lr: 0.01 }), p, [[3, -0.002]]);
    // m̂1 = g, v̂1 = g², so the step is lr·g/(|g| + ε) whatever the size of g
    expectClose(w1!, [1 - (0.01 * 3) / (3 + 1e-8), -1 - (0.01 * -0.002) / (0.002 + 1e-8)]);
  });

  it('three steps against the formula', () => {
    const p = param([0.5]);
    const gs = [0.2, -0.1, 0.4];
    const out = run(new Adam([p], { lr: base.lr }), p, gs.map((g) => [g]));
    const expected = adamByHand(0.5, gs, base);
    out.forEach((w, i) => expectClose(w, [expected[i]!]));
    // second step written out fully
    const m2 = 0.9 * (0.1 * 0.2) + 0.1 * -0.1;
    const v2 = 0.999 * (0.001 * 0.04) + 0.001 * 0.01;
    const w1 = 0.5 - 0.01 * Math.sign(0.2) * (0.2 / (0.2 + 1e-8));
    const w2 = w1 - (0.01 * (m2 / (1 - 0.9 ** 2))) / (Math.sqrt(v2 / (1 - 0.999 ** 2)) + 1e-8);
    expectClose(out[1]!, [w2]);
  });

  it('amsgrad uses the running max of v, which differs from Adam after a large gradient', () => {
    const gs = [10, 0.1, 0.1];
    const p = param([1]);
    // β2 = 0.5 lets v fall quickly below its maximum after the large first gradient
    const out = run(new Adam([p], { lr: 0.1, betas: [0.9, 0.5], amsgrad: true }), p, gs.map((g) => [g]));
    const ams = adamByHand(1, gs, { ...base, b2: 0.5, lr: 0.1, amsgrad: true });
    const plain = adamByHand(1, gs, { ...base, b2: 0.5, lr: 0.1 });
    out.forEach((w, i) => expectClose(w, [ams[i]!]));
    // steps 2 and 3 are where v is below its maximum: amsgrad must make a difference there
    expect(Math.abs(ams[1]! - plain[1]!)).toBeGreaterThan(1e-3);
    expect(Math.abs(out[2]![0]! - plain[2]!)).toBeGreaterThan(1e-3);
  });

  it('weight decay is coupled (added to the gradient)', () => {
    const gs = [0.2, -0.1, 0.4];
    const p = param([2]);
    const out = run(new Adam([p], { lr: 0.01, weightDecay: 0.1 }), p, gs.map((g) => [g]));
    const w = 2, g1 = 0.2 + 0.1 * w; // step 1 by hand
    const w1 = w - (0.01 * g1) / (Math.abs(g1) + 1e-8);
    expectClose(out[0]!, [w1]);
    const expected = adamByHand(2, gs, { ...base, wd: 0.1 });
    out.forEach((v, i) => expectClose(v, [expected[i]!]));
  });

  it('maximize negates the gradient', () => {
    const gs = [0.2, -0.1, 0.4];
    const p = param([0.5]);
    const out = run(new Adam([p], { lr: 0.01, maximize: true }), p, gs.map((g) => [g]));
    const expected = adamByHand(0.5, gs, { ...base, maximize: true });
    out.forEach((v, i) => expectClose(v, [expected[i]!]));
    expect(out[0]![0]).toBeGreaterThan(0.5);
  });
});

describe('AdamW', () => {
  it('weight decay is decoupled: w ← w·(1 − lr·λ) before the Adam step', () => {
    const gs = [0.2, -0.1, 0.4];
    const p = param([2]);
    const out = run(new AdamW([p], { lr: 0.01, weightDecay: 0.1 }), p, gs.map((g) => [g]));
    const w1 = 2 * (1 - 0.01 * 0.1) - (0.01 * 0.2) / (0.2 + 1e-8); // step 1 by hand
    expectClose(out[0]!, [w1]);
    const expected = adamByHand(2, gs, { lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1, decoupled: true });
    out.forEach((v, i) => expectClose(v, [expected[i]!]));
    // coupled decay gives a different trajectory
    const coupled = adamByHand(2, gs, { lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1 });
    expect(Math.abs(coupled[0]! - out[0]![0]!)).toBeGreaterThan(1e-4);
  });

  it('defaults to weightDecay 0.01, Adam to 0', () => {
    const a = new AdamW([param([1])]);
    const b = new Adam([param([1])]);
    expect(a.paramGroups[0]!.weightDecay).toBe(0.01);
    expect(b.paramGroups[0]!.weightDecay).toBe(0);
  });
});

describe('RMSprop', () => {
  const alpha = 0.9, eps = 1e-8, lr = 0.01;

  it('plain: v = α·v + (1 − α)·g², w ← w − lr·g/(√v + ε)', () => {
    const p = param([1]);
    const out = run(new RMSprop([p], { lr, alpha }), p, [[0.5], [-0.2]]);
    const v1 = (1 - alpha) * 0.25;
    const w1 = 1 - (lr * 0.5) / (Math.sqrt(v1) + eps);
    const v2 = alpha * v1 + (1 - alpha) * 0.04;
    const w2 = w1 - (lr * -0.2) / (Math.sqrt(v2) + eps);
    expectClose(out[0]!, [w1]);
    expectClose(out[1]!, [w2]);
  });

  it('centered with momentum: divides by √(v − ḡ²) + ε, buffer b = μ·b + g/d', () => {
    const mu = 0.5;
    const p = param([1]);
    const gs = [0.5, -0.2, 0.3];
    const out = run(new RMSprop([p], { lr, alpha, centered: true, momentum: mu }), p, gs.map((g) => [g]));
    let w = 1, v = 0, gAvg = 0, b = 0;
    gs.forEach((g, i) => {
      v = alpha * v + (1 - alpha) * g * g;
      gAvg = alpha * gAvg + (1 - alpha) * g;
      const d = Math.sqrt(v - gAvg * gAvg) + eps;
      b = mu * b + g / d;
      w = w - lr * b;
      expectClose(out[i]!, [w]);
    });
    // step 1 spelled out: v − ḡ² = 0.1·0.25 − 0.05² = 0.0225, √ = 0.15
    expectClose(out[0]!, [1 - lr * (0.5 / (0.15 + eps))]);
  });

  it('weight decay and maximize', () => {
    const p = param([2]);
    const out = run(new RMSprop([p], { lr, alpha, weightDecay: 0.1, maximize: true }), p, [[0.5]]);
    const g = -0.5 + 0.1 * 2;
    expectClose(out[0]!, [2 - (lr * g) / (Math.sqrt((1 - alpha) * g * g) + eps)]);
  });
});

describe('Adagrad', () => {
  it('sum += g², lr decays as lr/(1 + (t − 1)·η)', () => {
    const lr = 0.1, eta = 0.5, acc = 0.1, eps = 1e-10, wd = 0.05;
    const p = param([1, -1]);
    const out = run(new Adagrad([p], { lr, lrDecay: eta, initialAccumulatorValue: acc, weightDecay: wd }), p, [[0.3, 0.1], [-0.2, 0.4]]);
    const expected: number[][] = [[], []];
    [1, -1].forEach((w0, j) => {
      const gs = j === 0 ? [0.3, -0.2] : [0.1, 0.4];
      let w = w0, s = acc;
      gs.forEach((g0, i) => {
        const g = g0 + wd * w;
        const clr = lr / (1 + i * eta);
        s = s + g * g;
        w = w - (clr * g) / (Math.sqrt(s) + eps);
        expected[i]![j] = w;
      });
    });
    expectClose(out[0]!, expected[0]!);
    expectClose(out[1]!, expected[1]!);
  });
});

describe('Lion', () => {
  it('w ← w − lr·(sign(β1·m + (1 − β1)·g) + λ·w), m ← β2·m + (1 − β2)·g', () => {
    const lr = 0.01, b1 = 0.9, b2 = 0.99, wd = 0.5;
    const p = param([1, -2]);
    const out = run(new Lion([p], { lr, betas: [b1, b2], weightDecay: wd }), p, [[0.3, -0.5], [-0.4, 0.01], [-0.05, 0.2]]);
    // element 0: m1 = 0.003; c2 = 0.9·0.003 − 0.1·0.4 < 0
    const w1 = 1 - lr * (1 + wd * 1);
    const m1 = (1 - b2) * 0.3;
    const c2 = b1 * m1 + (1 - b1) * -0.4;
    const w2 = w1 - lr * (Math.sign(c2) + wd * w1);
    const m2 = b2 * m1 + (1 - b2) * -0.4;
    const c3 = b1 * m2 + (1 - b1) * -0.05;
    const w3 = w2 - lr * (Math.sign(c3) + wd * w2);
    // element 1: the sign of c follows the momentum, not the small gradient, at step 2
    const v1 = -2 - lr * (-1 + wd * -2);
    const n1 = (1 - b2) * -0.5;
    const d2 = b1 * n1 + (1 - b1) * 0.01;
    expect(Math.sign(d2)).toBe(-1);
    const v2 = v1 - lr * (Math.sign(d2) + wd * v1);
    const n2 = b2 * n1 + (1 - b2) * 0.01;
    const d3 = b1 * n2 + (1 - b1) * 0.2;
    const v3 = v2 - lr * (Math.sign(d3) + wd * v2);
    expectClose(out[0]!, [w1, v1]);
    expectClose(out[1]!, [w2, v2]);
    expectClose(out[2]!, [w3, v3]);
  });
});
