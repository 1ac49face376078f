import { afterAll, describe, expect, it } from 'vitest';
import { autogradGrad, configureStoragePool, customOp, full, rand, storagePoolStats, type Tensor } from '@tapegrad/core';

// Backward hands the storage it made and nobody can reach straight back to
// the pool, inside a synchronous loop. These tests check the other half of
// that promise: whatever did reach somebody (a .grad, a hook, a custom op, a
// captured gradient) keeps its values while later passes reuse the pool.
// Sizes are 8192 float32 (32 KiB), above the 16 KiB the pool starts at.
const N = 8192;

/** Backward passes over fresh tensors of the same size, to reuse (and overwrite) pooled buffers. */
function churn(): void {
  for (let i = 0; i < 4; i++) {
    const x = rand([N]).add(7).requiresGrad_();
    x.mul(x).add(3).neg().mul(5).sum().backward();
  }
}

const values = (t: Tensor): number[] => Array.from(t.toArray() as number[]);

describe('backward recycles what it made', () => {
  afterAll(() => configureStoragePool({ maxBytes: 64 << 20 }));

  it('refills the pool in a loop that never yields, and every step stays right', () => {
    configureStoragePool({ maxBytes: 64 << 20 });
    const w = rand([128, 128]).sub(0.5).mul(0.1);
    const ws = values(w.reshape([-1]));
    for (let step = 0; step < 8; step++) {
      // The gradient reaching the product is computed (the matmul's rule reads
      // it) and dies inside the pass: that is what goes back to the pool.
      const x = rand([64, 128]).requiresGrad_();
      x.matmul(w).exp().sum().backward();
      if (step === 0) expect(storagePoolStats().buffers).toBeGreaterThan(0);
      // d/dx Σ exp(x·w) = exp(x·w)·wᵀ, from the values alone, at a few entries.
      const xs = values(x.reshape([-1]));
      const g = values(x.grad!.reshape([-1]));
      for (const [i, j] of [[0, 0], [5, 77], [63, 127], [31, 64]] as const) {
        let expected = 0;
        for (let k = 0; k < 128; k++) {
          let dot = 0;
          for (let m = 0; m < 128; m++) dot += xs[i * 128 + m]! * ws[m * 128 + k]!;
          expected += Math.exp(dot) * ws[j * 128 + k]!;
        }
        expect(g[i * 128 + j]).toBeCloseTo(expected, 4);
      }
    }
  });

  it('gives two leaves that share a gradient storage of their own', () => {
    const x = rand([N]).requiresGrad_();
    const y = rand([N]).requiresGrad_();
    x.add(y).mul(3).sum().backward();
    expect(x.grad!.storage).not.toBe(y.grad!.storage);
    x.grad!.add_(1);
    churn();
    expect(new Set(values(x.grad!))).toEqual(new Set([4]));
    expect(new Set(values(y.grad!))).toEqual(new Set([3]));
  });

  it('keeps a .grad it took over, and one it accumulated into, across later passes', () => {
    const x = rand([N]).requiresGrad_();
    x.mul(2).sum().backward();
    churn();
    expect(new Set(values(x.grad!))).toEqual(new Set([2]));
    x.mul(5).sum().backward();
    churn();
    expect(new Set(values(x.grad!))).toEqual(new Set([7]));
  });

  it('keeps what a hook was given and what it made', () => {
    const kept: Tensor[] = [];
    const x = rand([N]).requiresGrad_();
    const h = x.mul(3);
    h.registerHook((g) => {
      kept.push(g, g.mul(10));
    });
    h.mul(2).sum().backward();
    churn();
    expect(new Set(values(kept[0]!))).toEqual(new Set([2]));
    expect(new Set(values(kept[1]!))).toEqual(new Set([20]));
    expect(new Set(values(x.grad!))).toEqual(new Set([6]));
  });

  it("keeps what a custom op's backward made and what it was given", () => {
    const kept: Tensor[] = [];
    const double = customOp<[Tensor]>({
      name: 'double',
      forward: (_ctx, a) => a.mul(2),
      backward: (_ctx, g) => {
        const made = g.mul(2);
        kept.push(g, made);
        return [made];
      },
    });
    const x = rand([N]).requiresGrad_();
    double(x.mul(1)).mul(4).sum().backward();
    churn();
    expect(new Set(values(kept[0]!))).toEqual(new Set([4]));
    expect(new Set(values(kept[1]!))).toEqual(new Set([8]));
    expect(new Set(values(x.grad!))).toEqual(new Set([8]));
  });

  it('keeps retained and captured gradients', () => {
    const x = rand([N]).requiresGrad_();
    const h = x.mul(3).retainGrad();
    h.mul(h).sum().backward();
    const [dx] = autogradGrad([x.mul(x).mul(0.5).sum()], [x]);
    const xs = values(x);
    churn();
    const hg = values(h.grad!);
    const dxs = values(dx!);
    for (let i = 0; i < N; i += 101) {
      expect(hg[i]).toBeCloseTo(6 * xs[i]!, 4);
      expect(dxs[i]).toBeCloseTo(xs[i]!, 5);
    }
  });

  it('leaves the root gradient a caller passed in untouched', () => {
    const x = rand([N]).requiresGrad_();
    const seed = full([N], 1.5);
    x.mul(1).backward(seed);
    churn();
    expect(new Set(values(seed))).toEqual(new Set([1.5]));
    expect(new Set(values(x.grad!))).toEqual(new Set([1.5]));
  });

  it('releases nothing from a pass that fails, and later passes stay right', () => {
    const x = rand([N]).requiresGrad_();
    const y = x.exp();
    const partial = y.mul(2);
    y.add_(1); // exp saved y: its rule must refuse the modified value
    expect(() => partial.sum().backward()).toThrow(/modified by an in-place op/);
    const before = storagePoolStats().buffers;
    const kept = x.mul(3);
    kept.sum().backward();
    churn();
    const xs = values(x);
    const ks = values(kept);
    for (let i = 0; i < N; i += 97) expect(ks[i]).toBeCloseTo(3 * xs[i]!, 5);
    expect(new Set(values(x.grad!))).toEqual(new Set([3]));
    expect(storagePoolStats().buffers).toBeGreaterThanOrEqual(before);
  });

  it('recycles nothing once the pool is turned off, and stays right', () => {
    configureStoragePool({ maxBytes: 0 });
    const x = rand([N]).requiresGrad_();
    x.exp().sum().backward();
    expect(storagePoolStats().buffers).toBe(0);
    const xs = values(x);
    const g = values(x.grad!);
    for (let i = 0; i < N; i += 89) expect(g[i]).toBeCloseTo(Math.exp(xs[i]!), 4);
    configureStoragePool({ maxBytes: 64 << 20 });
  });
});
