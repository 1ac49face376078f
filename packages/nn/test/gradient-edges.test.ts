import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@tapegrad/core';
import { binaryCrossEntropy, elu, hardtanh, huberLoss, layerNorm, leakyRelu, relu, smoothL1Loss, softplus } from '@tapegrad/nn';

const f64 = (v: number[]): Tensor => tensor(v, { dtype: 'float64' });
const sigma = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * One row per function and point: the gradient PyTorch's derivative formula
 * gives there, worked out by hand (its `derivatives.yaml` / backward kernels).
 * Points: the kink, ±large (the branch not taken overflows), ±∞.
 */
const rows: [string, (x: Tensor) => Tensor, number, number][] = [
  // relu: x > 0 ? g : 0
  ['relu', relu, 0, 0],
  ['relu', relu, -Infinity, 0],
  ['relu', relu, 1e30, 1],
  ['relu', relu, Infinity, 1],
  // leakyRelu: x > 0 ? g : g·slope
  ['leakyRelu', (x) => leakyRelu(x, 0.1), 0, 0.1],
  ['leakyRelu', (x) => leakyRelu(x, 0.1), -Infinity, 0.1],
  ['leakyRelu', (x) => leakyRelu(x, 0.1), Infinity, 1],
  // elu: x > 0 ? g : g·alpha·eˣ
  ['elu', (x) => elu(x), 0, 1],
  ['elu', (x) => elu(x, 2), 0, 2],
  ['elu', (x) => elu(x), 1000, 1],
  ['elu', (x) => elu(x), 1e30, 1],
  ['elu', (x) => elu(x), Infinity, 1],
  ['elu', (x) => elu(x), -1000, 0],
  ['elu', (x) => elu(x), -1e30, 0],
  ['elu', (x) => elu(x), -Infinity, 0],
  ['elu', (x) => elu(x), -1, Math.exp(-1)],
  // softplus: βx > threshold ? g : g·σ(βx)
  ['softplus', (x) => softplus(x), 0, 0.5],
  ['softplus', (x) => softplus(x), 20, sigma(20)],
  ['softplus', (x) => softplus(x), 21, 1],
  ['softplus', (x) => softplus(x), 1e30, 1],
  ['softplus', (x) => softplus(x), Infinity, 1],
  ['softplus', (x) => softplus(x), -1e30, 0],
  ['softplus', (x) => softplus(x), -Infinity, 0],
  // hardtanh: (x <= min || x >= max) ? 0 : g
  ['hardtanh', (x) => hardtanh(x), -1, 0],
  ['hardtanh', (x) => hardtanh(x), 1, 0],
  ['hardtanh', (x) => hardtanh(x), 0.5, 1],
  ['hardtanh', (x) => hardtanh(x), Infinity, 0],
  ['hardtanh', (x) => hardtanh(x), -Infinity, 0],
  // clamp: (x >= min && x <= max) ? g : 0
  ['clamp', (x) => x.clamp(-1, 1), -1, 1],
  ['clamp', (x) => x.clamp(-1, 1), 1, 1],
  ['clamp', (x) => x.clamp(-1, 1), 1e30, 0],
  ['clamp', (x) => x.clamp(-1, 1), -Infinity, 0],
  // abs: g·sign(x)
  ['abs', (x) => x.abs(), 0, 0],
  ['abs', (x) => x.abs(), -Infinity, -1],
  // maximum/minimum at a tie: half to each side
  ['maximum', (x) => x.maximum(f64([2])), 2, 0.5],
  ['minimum', (x) => x.minimum(f64([2])), 2, 0.5],
  // huber (delta 1): |d| <= delta ? d : delta·sign(d)
  ['huberLoss', (x) => huberLoss(x, f64([0]), { reduction: 'sum' }), 1, 1],
  ['huberLoss', (x) => huberLoss(x, f64([0]), { reduction: 'sum' }), 1e30, 1],
  ['huberLoss', (x) => huberLoss(x, f64([0]), { reduction: 'sum' }), Infinity, 1],
  ['huberLoss', (x) => huberLoss(x, f64([0]), { reduction: 'sum' }), -Infinity, -1],
  // smoothL1 (beta 1): d < −beta ? −1 : d > beta ? 1 : d/beta
  ['smoothL1Loss', (x) => smoothL1Loss(x, f64([0]), { reduction: 'sum' }), 1, 1],
  ['smoothL1Loss', (x) => smoothL1Loss(x, f64([0]), { reduction: 'sum' }), 0.5, 0.5],
  ['smoothL1Loss', (x) => smoothL1Loss(x, f64([0]), { reduction: 'sum' }), Infinity, 1],
  ['smoothL1Loss', (x) => smoothL1Loss(x, f64([0]), { reduction: 'sum' }), -Infinity, -1],
  // sigmoid and tanh saturate to a zero gradient
  ['sigmoid', (x) => x.sigmoid(), Infinity, 0],
  ['tanh', (x) => x.tanh(), -Infinity, 0],
  // pow: b·aᵇ⁻¹ (0 where b = 0)
  ['pow 2', (x) => x.pow(2), 0, 0],
  ['pow 0', (x) => x.pow(0), 0, 0],
  // sqrt: 1/(2√x), ∞ at 0 as in PyTorch
  ['sqrt', (x) => x.sqrt(), 0, Infinity],
  // norms and std at 0: PyTorch masks the 0/0 to 0
  ['norm', (x) => x.expand([3]).norm(), 0, 0],
  ['norm 3', (x) => x.expand([3]).norm(3), 0, 0],
  ['std', (x) => x.expand([3]).std(), 5, 0],
];

describe('gradients at kinks, at large inputs and at ±∞ (PyTorch formulas, derived by hand)', () => {
  it.each(rows.map(([name, f, x, g]) => ({ name, f, x, g })))('$name at $x has gradient $g', ({ f, x, g }) => {
    const t = f64([x]).requiresGrad_();
    f(t).sum().backward();
    const got = (t.grad!.toArray() as number[])[0]!;
    if (Number.isFinite(g)) expect(got).toBeCloseTo(g, 12);
    else expect(got).toBe(g);
  });
});

describe('binaryCrossEntropy at probabilities 0 and 1 (PyTorch: logs clamped at −100, gradient (p − y)/max((1 − p)p, 1e-12))', () => {
  it('gives finite values and gradients for p exactly 0 or 1', () => {
    const p = f64([0, 1, 0, 1]).requiresGrad_();
    const loss = binaryCrossEntropy(p, f64([1, 0, 0, 1]));
    // −(1·(−100)), −(1·(−100)), 0, 0 averaged over 4
    expect(loss.item()).toBe(50);
    loss.backward();
    // (0 − 1)/1e-12/4, (1 − 0)/1e-12/4, 0, 0
    const grad = p.grad!.toArray() as number[];
    expect(grad[0]).toBeCloseTo(-2.5e11, 0);
    expect(grad[1]).toBeCloseTo(2.5e11, 0);
    expect(grad.slice(2)).toEqual([0, 0]);
  });

  it('is finite through a saturated sigmoid and matches the clamped formula', () => {
    const x = f64([1000, -1000, -40]).requiresGrad_();
    const loss = binaryCrossEntropy(x.sigmoid(), f64([0, 1, 0]));
    expect(loss.item()).toBeCloseTo((100 + 100 + -Math.log1p(-sigma(-40))) / 3, 10);
    loss.backward();
    const p = sigma(-40);
    // σ'(±1000) = 0 stops the 1e12-sized loss gradient; at −40: p/max((1 − p)p, 1e-12)/3 · σ'(−40)
    const expected = [0, 0, (p / Math.max((1 - p) * p, 1e-12) / 3) * p * (1 - p)];
    const got = x.grad!.toArray() as number[];
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 30));
    expect(got[2]! / expected[2]!).toBeCloseTo(1, 10);
  });

  it('float32 saturated logits keep a finite loss and gradient', () => {
    const x = tensor([100, -100], { requiresGrad: true });
    const loss = binaryCrossEntropy(x.sigmoid(), tensor([0, 1]));
    // σ(100) rounds to 1 (log clamped: 100); σ(−100) is a float32 subnormal, −log of it ≈ 99.99
    expect(loss.item()).toBeCloseTo(100, 1);
    loss.backward();
    expect((x.grad!.toArray() as number[]).every(Number.isFinite)).toBe(true);
  });
});

describe('layerNorm of float32 inputs near the float32 maximum', () => {
  it('normalises exactly as at small scale, with a finite gradient', () => {
    const max = 3.4028234663852886e38;
    for (const scale of [max, 1e30, 1e20, 1]) {
      const x = tensor([[scale, -scale, 0]], { requiresGrad: true });
      const y = layerNorm(x, [3]);
      // mean 0, biased variance 2s²/3: y = ±s/√(2s²/3 + eps), 0
      const got = y.toArray() as number[][];
      const expected = scale / Math.sqrt((2 * scale * scale) / 3 + 1e-5);
      expect(got[0]![0]).toBeCloseTo(expected, 6);
      expect(got[0]![1]).toBeCloseTo(-expected, 6);
      expect(got[0]![2]).toBe(0);
      y.mul(tensor([[1, 2, 3]])).sum().backward();
      expect((x.grad!.toArray() as number[][])[0]!.every(Number.isFinite)).toBe(true);
    }
  });
});
