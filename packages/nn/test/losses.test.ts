import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DTypeError, IndexError, ShapeError, tensor, type Tensor } from '@tapegrad/core';
import { gradcheck } from '@tapegrad/core/testing';
import { tensors } from '@tapegrad/core/testing/arbitraries';
import {
  CrossEntropyLoss,
  MSELoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  huberLoss,
  klDiv,
  l1Loss,
  logSoftmax,
  mseLoss,
  nllLoss,
  smoothL1Loss,
  softmax,
} from '@tapegrad/nn';

const f64 = (v: number[] | number[][]): Tensor => tensor(v, { dtype: 'float64' });
const i32 = (v: number[] | number[][]): Tensor => tensor(v, { dtype: 'int32' });
const reductions = ['mean', 'sum', 'none'] as const;

// Logits [[2, 0, -1], [0.5, 1.5, 0]] and their log-softmax written out.
const L = [
  [2, 0, -1],
  [0.5, 1.5, 0],
];
const lse = L.map((row) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)));
const logp = L.map((row, i) => row.map((v) => v - lse[i]!));

describe('regression losses', () => {
  const pairs = fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(tensors({ shape: [2, n], min: -2, max: 2 }), tensors({ shape: [2, n], min: -2, max: 2 })));
  // Away from the kinks |d| = 0, beta, delta.
  const smooth = ([a, b]: [Tensor, Tensor]): boolean => (a.sub(b).abs().data as Float64Array).every((v) => v > 1e-3 && Math.abs(v - 0.7) > 1e-3 && Math.abs(v - 1.3) > 1e-3);
  it('gradcheck w.r.t. input and target for every reduction', () => {
    fc.assert(
      fc.property(pairs.filter(smooth), ([a, b]) => {
        for (const reduction of reductions) {
          for (const f of [
            (x: Tensor, y: Tensor) => mseLoss(x, y, { reduction }),
            (x: Tensor, y: Tensor) => l1Loss(x, y, { reduction }),
            (x: Tensor, y: Tensor) => smoothL1Loss(x, y, { reduction, beta: 0.7 }),
            (x: Tensor, y: Tensor) => huberLoss(x, y, { reduction, delta: 1.3 }),
          ]) gradcheck(f, [a.requiresGrad_(), b.requiresGrad_()]);
        }
      }),
      { seed: 42, numRuns: 10 },
    );
  });

  it('values by hand', () => {
    const x = f64([0, 3, -1]);
    const y = f64([0.5, 0, -1]);
    expect(mseLoss(x, y).item()).toBeCloseTo((0.25 + 9) / 3, 14);
    expect(l1Loss(x, y, { reduction: 'sum' }).item()).toBeCloseTo(3.5, 14);
    expect(smoothL1Loss(x, y).item()).toBeCloseTo((0.125 + 2.5 + 0) / 3, 14);
    expect(smoothL1Loss(x, y, { beta: 2 }).item()).toBeCloseTo((0.0625 + 2 + 0) / 3, 14);
    expect(huberLoss(x, y, { delta: 2 }).item()).toBeCloseTo((0.125 + 2 * (3 - 1) + 0) / 3, 14);
    expect(huberLoss(x, y, { reduction: 'none' }).toArray()).toEqual([0.125, 2.5, 0]);
    expect(new MSELoss({ reduction: 'sum' }).forward(x, y).item()).toBeCloseTo(9.25, 14);
  });

  it('refuses shape and dtype mismatches', () => {
    expect(() => mseLoss(f64([1, 2]), f64([1, 2, 3]))).toThrow(ShapeError);
    expect(() => mseLoss(f64([1, 2]), f64([1, 2, 3]))).toThrow(/mseLoss.*\[3\].*\[2\]/);
    expect(() => l1Loss(i32([1, 2]), f64([1, 2]))).toThrow(DTypeError);
  });
});

describe('crossEntropy and nllLoss', () => {
  it('matches the hand-computed 2×3 example', () => {
    const target = i32([0, 1]);
    const want = -(logp[0]![0]! + logp[1]![1]!) / 2;
    expect(crossEntropy(f64(L), target).item()).toBeCloseTo(want, 14);
    expect(crossEntropy(f64(L), target, { reduction: 'sum' }).item()).toBeCloseTo(want * 2, 14);
    expect(crossEntropy(f64(L), target, { reduction: 'none' }).toArray()).toEqual([-logp[0]![0]!, -logp[1]![1]!].map((v) => expect.closeTo(v, 14)));
    expect(nllLoss(logSoftmax(f64(L), 1), target).item()).toBeCloseTo(want, 14);
    expect(new CrossEntropyLoss().forward(f64(L), target).item()).toBeCloseTo(want, 14);
    // Unbatched [C] input with a 0-d target.
    expect(crossEntropy(f64(L[1]!), tensor(2, { dtype: 'int32' })).item()).toBeCloseTo(-logp[1]![2]!, 14);
  });

  it('class weights: weighted mean divides by the weights of the kept targets', () => {
    const w = f64([0.2, 3, 1]);
    const target = i32([0, 1]);
    const num = 0.2 * -logp[0]![0]! + 3 * -logp[1]![1]!;
    expect(crossEntropy(f64(L), target, { weight: w }).item()).toBeCloseTo(num / 3.2, 14);
    expect(crossEntropy(f64(L), target, { weight: w, reduction: 'sum' }).item()).toBeCloseTo(num, 14);
  });

  it('ignoreIndex skips positions in the value and the mean', () => {
    const target = i32([-100, 2]);
    expect(crossEntropy(f64(L), target).item()).toBeCloseTo(-logp[1]![2]!, 14);
    expect(crossEntropy(f64(L), i32([0, 5]), { ignoreIndex: 5, weight: f64([2, 1, 1]) }).item()).toBeCloseTo(-logp[0]![0]!, 14);
    expect(crossEntropy(f64(L), target, { reduction: 'none' }).toArray()).toEqual([0, expect.closeTo(-logp[1]![2]!, 14)]);
    const x = f64(L).requiresGrad_();
    crossEntropy(x, target).backward();
    expect((x.grad!.toArray() as number[][])[0]).toEqual([0, 0, 0]);
  });

  it('label smoothing as PyTorch, with and without weights and ignored targets', () => {
    const eps = 0.1;
    const C = 3;
    const target = i32([0, 1]);
    const nll = [-logp[0]![0]!, -logp[1]![1]!];
    const smooth = logp.map((row) => -row.reduce((s, v) => s + v, 0));
    const want = (1 - eps) * ((nll[0]! + nll[1]!) / 2) + (eps / C) * ((smooth[0]! + smooth[1]!) / 2);
    expect(crossEntropy(f64(L), target, { labelSmoothing: eps }).item()).toBeCloseTo(want, 14);
    // Weighted: both terms divided by the weights of the targets.
    const w = [0.5, 2, 1];
    const wsmooth = logp.map((row) => -row.reduce((s, v, c) => s + w[c]! * v, 0));
    const wsum = w[0]! + w[1]!;
    const wantW = (1 - eps) * ((w[0]! * nll[0]! + w[1]! * nll[1]!) / wsum) + (eps / C) * ((wsmooth[0]! + wsmooth[1]!) / wsum);
    expect(crossEntropy(f64(L), target, { labelSmoothing: eps, weight: f64(w) }).item()).toBeCloseTo(wantW, 14);
    // One target ignored: only the other counts, in both terms.
    const wantI = (1 - eps) * nll[1]! + (eps / C) * smooth[1]!;
    expect(crossEntropy(f64(L), i32([-100, 1]), { labelSmoothing: eps }).item()).toBeCloseTo(wantI, 14);
    // Same as probability targets (1−ε)·onehot + ε/C without weights.
    const probs = f64([[1 - eps + eps / C, eps / C, eps / C], [eps / C, 1 - eps + eps / C, eps / C]]);
    expect(crossEntropy(f64(L), probs).item()).toBeCloseTo(want, 14);
  });

  it('probability targets, weights and smoothing', () => {
    const p = [
      [0.2, 0.5, 0.3],
      [1, 0, 0],
    ];
    const w = [1, 2, 0.5];
    const per = p.map((row, i) => -row.reduce((s, v, c) => s + w[c]! * v * logp[i]![c]!, 0));
    expect(crossEntropy(f64(L), f64(p), { weight: f64(w) }).item()).toBeCloseTo((per[0]! + per[1]!) / 2, 14);
    const eps = 0.2;
    const ps = p.map((row) => row.map((v) => v * (1 - eps) + eps / 3));
    const perS = ps.map((row, i) => -row.reduce((s, v, c) => s + v * logp[i]![c]!, 0));
    expect(crossEntropy(f64(L), f64(p), { labelSmoothing: eps, reduction: 'sum' }).item()).toBeCloseTo(perS[0]! + perS[1]!, 14);
  });

  it('gradcheck w.r.t. logits for index targets of any spatial shape, and w.r.t. both for probability targets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 1000 }),
        (n, c, spatial, seed) => {
          const shape = spatial === 0 ? [n, c] : [n, c, ...Array<number>(spatial).fill(2)];
          const numel = shape.reduce((a, b) => a * b, 1);
          const x = tensor(Array.from({ length: numel }, (_, i) => Math.sin(seed + i * 1.3) * 2), { dtype: 'float64', shape });
          const tshape = shape.filter((_, i) => i !== 1);
          const tn = tshape.reduce((a, b) => a * b, 1);
          const t = tensor(Array.from({ length: tn }, (_, i) => (i === 1 ? -100 : (seed + i) % c)), { dtype: 'int32', shape: tshape });
          const w = tensor(Array.from({ length: c }, (_, i) => 0.5 + i), { dtype: 'float64' });
          for (const reduction of reductions) {
            gradcheck((l) => crossEntropy(l, t, { reduction, weight: w, labelSmoothing: 0.1 }), [x.requiresGrad_()]);
            gradcheck((l) => nllLoss(l, t, { reduction }), [x]);
          }
          const p = softmax(tensor(Array.from({ length: numel }, (_, i) => Math.cos(seed * i)), { dtype: 'float64', shape }), 1);
          gradcheck((l, q) => crossEntropy(l, q, { weight: w, labelSmoothing: 0.2 }), [x, p.requiresGrad_()]);
        },
      ),
      { seed: 42, numRuns: 10 },
    );
  });

  it('index targets over [N, C, L]: each position picks −log softmax of its classes, contiguous or as a transposed view', () => {
    // [N, L, C] logits; the input is their transpose [N, C, L], as a sequence model hands them over.
    const [n, l, c] = [2, 3, 4];
    const rows = Array.from({ length: n * l }, (_, r) => Array.from({ length: c }, (_, k) => Math.sin(r * 1.7 + k * 0.9) * 3));
    const target = Array.from({ length: n * l }, (_, r) => (r * 3) % c);
    // −log softmax(row)[t] = log Σ exp(row) − row[t], written out.
    const want = rows.map((row, r) => Math.log(row.reduce((a, v) => a + Math.exp(v), 0)) - row[target[r]!]!);
    const nlc = tensor(rows.flat(), { dtype: 'float64', shape: [n, l, c] });
    const t = tensor(target, { dtype: 'int32', shape: [n, l] });
    for (const input of [nlc.transpose(1, 2), nlc.transpose(1, 2).contiguous()]) {
      expect((crossEntropy(input, t, { reduction: 'none' }).toArray() as number[][]).flat()).toEqual(want.map((v) => expect.closeTo(v, 12)));
      expect(crossEntropy(input, t).item()).toBeCloseTo(want.reduce((a, v) => a + v, 0) / want.length, 12);
    }
  });

  it('logits of ±1000 give finite loss and gradient', () => {
    const x = tensor([[1000, -1000], [-1000, 1000]], { requiresGrad: true });
    const loss = crossEntropy(x, i32([1, 1]));
    expect(loss.item()).toBeCloseTo(1000, 3);
    loss.backward();
    expect((x.grad!.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('refuses bad targets with clear errors', () => {
    expect(() => crossEntropy(f64(L), i32([0, 3]))).toThrow(IndexError);
    expect(() => crossEntropy(f64(L), i32([0, 3]))).toThrow(/crossEntropy: target value 3 .* 3 classes/);
    expect(() => crossEntropy(f64(L), i32([0, 1, 2]))).toThrow(/crossEntropy: target of shape \[3\] does not fit input of shape \[2, 3\]/);
    expect(() => crossEntropy(f64(L), tensor([true, false]))).toThrow(DTypeError);
    expect(() => crossEntropy(f64(L), f64([0, 1]))).toThrow(ShapeError);
    expect(() => crossEntropy(f64(L), i32([0, 1]), { weight: f64([1, 2]) })).toThrow(/weight of shape \[2\]/);
    expect(() => nllLoss(f64(L), i32([-1, 0]))).toThrow(/nllLoss: target value -1/);
  });
});

describe('binary cross-entropy', () => {
  it('values by hand, log clamped at −100', () => {
    expect(binaryCrossEntropy(f64([0.8, 0.3]), f64([1, 0])).item()).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 14);
    expect(binaryCrossEntropy(f64([0, 1]), f64([1, 0]), { reduction: 'none' }).toArray()).toEqual([100, 100]);
    expect(binaryCrossEntropy(f64([0.8, 0.3]), f64([1, 0]), { weight: f64([2, 1]), reduction: 'sum' }).item()).toBeCloseTo(-(2 * Math.log(0.8) + Math.log(0.7)), 14);
    expect(() => binaryCrossEntropy(f64([1.5]), f64([1]))).toThrow(/binaryCrossEntropy: input values must be probabilities/);
  });

  it('with logits: stable, posWeight and weight as PyTorch', () => {
    const sp = (z: number): number => Math.log1p(Math.exp(z));
    const x = [1.5, -0.5];
    const y = [1, 0.25];
    const want = x.map((v, i) => -(y[i]! * -sp(-v) + (1 - y[i]!) * -sp(v)));
    expect(binaryCrossEntropyWithLogits(f64(x), f64(y), { reduction: 'none' }).toArray()).toEqual(want.map((v) => expect.closeTo(v, 14)));
    const pw = 3;
    const wantP = x.map((v, i) => -(pw * y[i]! * -sp(-v) + (1 - y[i]!) * -sp(v)));
    expect(binaryCrossEntropyWithLogits(f64(x), f64(y), { posWeight: f64([pw]), weight: f64([2, 1]), reduction: 'sum' }).item()).toBeCloseTo(2 * wantP[0]! + wantP[1]!, 13);
    const big = tensor([1000, -1000, 1000], { requiresGrad: true });
    const l = binaryCrossEntropyWithLogits(big, tensor([1, 0, 0]), { reduction: 'none' });
    expect(l.toArray()).toEqual([0, 0, 1000]);
    l.sum().backward();
    expect(big.grad!.toArray()).toEqual([0, 0, 1]);
  });

  it('gradcheck w.r.t. input and target', () => {
    fc.assert(
      fc.property(tensors({ shape: [2, 3], min: 0.05, max: 0.95 }), tensors({ shape: [2, 3], min: 0, max: 1 }), tensors({ shape: [2, 3], min: -4, max: 4 }), (p, y, logits) => {
        for (const reduction of reductions) {
          gradcheck((a, b) => binaryCrossEntropy(a, b, { reduction, weight: f64([1, 2, 0.5]) }), [p.requiresGrad_(), y.requiresGrad_()]);
          gradcheck((a, b) => binaryCrossEntropyWithLogits(a, b, { reduction, posWeight: f64([2, 1, 0.3]), weight: f64([1, 2, 0.5]) }), [logits.requiresGrad_(), y]);
        }
      }),
      { seed: 42, numRuns: 10 },
    );
  });
});

describe('klDiv', () => {
  const q = [
    [0.2, 0.5, 0.3],
    [0.6, 0.3, 0.1],
  ];
  const p = [
    [0.1, 0.6, 0.3],
    [0, 0.5, 0.5],
  ];
  const terms = p.map((row, i) => row.map((v, c) => (v === 0 ? 0 : v * (Math.log(v) - Math.log(q[i]![c]!)))));
  const total = terms.flat().reduce((a, b) => a + b, 0);
  const logq = f64(q).log();
  it('values by hand for each reduction, p = 0 gives 0', () => {
    expect(klDiv(logq, f64(p), { reduction: 'batchmean' }).item()).toBeCloseTo(total / 2, 14);
    expect(klDiv(logq, f64(p)).item()).toBeCloseTo(total / 6, 14);
    expect(klDiv(logq, f64(p), { reduction: 'sum' }).item()).toBeCloseTo(total, 14);
    expect(klDiv(logq, f64(p), { reduction: 'none' }).toArray()).toEqual(terms.map((r) => r.map((v) => expect.closeTo(v, 14))));
    const logp = tensor(p.map((r) => r.map((v) => (v === 0 ? -1e30 : Math.log(v)))), { dtype: 'float64' });
    expect(klDiv(logq, logp, { reduction: 'batchmean', logTarget: true }).item()).toBeCloseTo(total / 2, 14);
  });
  it('gradcheck w.r.t. input and target', () => {
    fc.assert(
      fc.property(tensors({ shape: [2, 3], min: -3, max: -0.1 }), tensors({ shape: [2, 3], min: 0.05, max: 1 }), (lq, t) => {
        for (const reduction of ['mean', 'batchmean', 'sum', 'none'] as const) {
          gradcheck((a, b) => klDiv(a, b, { reduction }), [lq.requiresGrad_(), t.requiresGrad_()]);
          gradcheck((a, b) => klDiv(a, b, { reduction, logTarget: true }), [lq, t.log()]);
        }
      }),
      { seed: 42, numRuns: 10 },
    );
  });
});
