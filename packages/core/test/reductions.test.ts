import { describe, expect, it } from 'vitest';
import { tensor, zeros, DTypeError, IndexError } from '@tapegrad/core';
import { assertAllClose } from '@tapegrad/core/testing';

/** [[1, 5, 3], [4, 2, 6]] in float64 */
const m = () =>
  tensor(
    [
      [1, 5, 3],
      [4, 2, 6],
    ],
    { dtype: 'float64' },
  );

describe('sum, mean, prod', () => {
  it('over all elements and given dims, with keepdim', () => {
    expect(m().sum().item()).toBe(21);
    expect(m().sum().shape).toEqual([]);
    expect(m().sum(0).toArray()).toEqual([5, 7, 9]);
    expect(m().sum(1).toArray()).toEqual([9, 12]);
    expect(m().sum(-1, true).toArray()).toEqual([[9], [12]]);
    expect(m().sum([0, 1], true).toArray()).toEqual([[21]]);
    expect(m().mean().item()).toBe(3.5);
    expect(m().mean(0).toArray()).toEqual([2.5, 3.5, 4.5]);
    expect(m().mean(1, true).toArray()).toEqual([[3], [4]]);
    expect(m().prod().item()).toBe(720);
    expect(m().prod(1).toArray()).toEqual([15, 48]);
    expect(m().prod(0, true).toArray()).toEqual([[4, 10, 18]]);
  });

  it('over a 3-d tensor and a transposed view', () => {
    const x = tensor([
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]);
    expect(x.sum([0, 2]).toArray()).toEqual([14, 22]);
    expect(x.sum([2, 0]).toArray()).toEqual([14, 22]);
    expect(m().mT.sum(1).toArray()).toEqual([5, 7, 9]);
  });

  it('over leading and trailing dims of a float32 tensor, each result summed in float64 in row-major order', () => {
    // A conv bias gradient's layout: [N, C, H, W] summed over N, H and W.
    const [N, C, H, W] = [3, 4, 5, 6];
    const values = Array.from({ length: N * C * H * W }, (_, i) => Math.fround(Math.sin(i * 1.7) * 1000) / 7);
    const x = tensor(Float32Array.from(values), { shape: [N, C, H, W] });
    const sums: number[] = [];
    const maxes: number[] = [];
    for (let c = 0; c < C; c++) {
      let acc = 0;
      let best = -Infinity;
      for (let n = 0; n < N; n++) {
        for (let h = 0; h < H; h++) {
          for (let w = 0; w < W; w++) {
            const v = Math.fround(values[((n * C + c) * H + h) * W + w]!);
            acc += v;
            best = Math.max(best, v);
          }
        }
      }
      sums.push(Math.fround(acc));
      maxes.push(best);
    }
    expect(Array.from(x.sum([0, 2, 3]).data)).toEqual(sums);
    expect(Array.from(x.amax([0, 2, 3]).data)).toEqual(maxes);
    // Over [0, 2] the last dim is kept: each result's elements come a row apart.
    const mid = x.sum([0, 2]);
    expect(mid.shape).toEqual([C, W]);
    let acc = 0;
    for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) acc += Math.fround(values[((n * C + 1) * H + h) * W + 2]!);
    expect(mid.data[1 * W + 2]).toBe(Math.fround(acc));
    // A NaN anywhere in a result's elements wins its max, as in PyTorch.
    const withNaN = Float32Array.from(values);
    withNaN[((2 * C + 3) * H + 1) * W + 4] = Number.NaN;
    expect(Array.from(tensor(withNaN, { shape: [N, C, H, W] }).amax([0, 2, 3]).data).map(Number.isNaN)).toEqual([false, false, false, true]);
  });

  it('of an empty tensor: sum 0, prod 1', () => {
    expect(zeros([0]).sum().item()).toBe(0);
    expect(zeros([0, 3]).sum(0).toArray()).toEqual([0, 0, 0]);
    expect(zeros([0]).prod().item()).toBe(1);
  });

  it('mean of an int tensor is refused, as in PyTorch', () => {
    expect(() => tensor([1, 2], { dtype: 'int32' }).mean()).toThrow(DTypeError);
    expect(() => tensor([1, 2], { dtype: 'int32' }).mean()).toThrow(/mean.*int32/);
  });

  it('sum of int keeps int32', () => {
    const s = tensor([1, 2], { dtype: 'int32' }).sum();
    expect(s.dtype).toBe('int32');
    expect(s.item()).toBe(3);
  });

  it('bad dims name the op and the dims', () => {
    expect(() => m().sum(5)).toThrow(IndexError);
    expect(() => m().sum(5)).toThrow(/sum: dim 5 .*2 dims/);
    expect(() => m().mean(-3)).toThrow(/mean: dim -3/);
    expect(() => m().sum([0, -2])).toThrow(/sum.*repeat/);
  });
});

describe('max, min, argmax, argmin', () => {
  it('over all elements', () => {
    expect(m().max().item()).toBe(6);
    expect(m().min().item()).toBe(1);
    expect(m().argmax().item()).toBe(5);
    expect(m().argmin().item()).toBe(0);
    expect(m().argmax().dtype).toBe('int32');
  });

  it('values and indices along a dim, with keepdim', () => {
    const { values, indices } = m().max(1);
    expect(values.toArray()).toEqual([5, 6]);
    expect(indices.toArray()).toEqual([1, 2]);
    const mn = m().min(0, true);
    expect(mn.values.toArray()).toEqual([[1, 2, 3]]);
    expect(mn.indices.toArray()).toEqual([[0, 1, 0]]);
    expect(m().argmax(0).toArray()).toEqual([1, 0, 1]);
    expect(m().argmin(1, true).toArray()).toEqual([[0], [1]]);
    expect(m().amax([0, 1]).item()).toBe(6);
    expect(m().amin(1, true).toArray()).toEqual([[1], [2]]);
  });

  it('along the last dim of a contiguous view that starts inside its storage', () => {
    const rows = tensor([[9, 9, 9], [4, 8, 2], [7, 1, 5]]).slice(0, 1, 3); // rows 1 and 2, offset 3
    expect(rows.max(1).values.toArray()).toEqual([8, 7]);
    expect(rows.argmin(1).toArray()).toEqual([2, 1]);
    expect(rows.prod(1).toArray()).toEqual([64, 35]);
    expect(rows.mT.amax(1).toArray()).toEqual([7, 8, 5]); // a transposed view: the general path
  });

  it('the first of equal extremes is the index', () => {
    expect(tensor([3, 7, 7, 1]).argmax().item()).toBe(1);
    expect(tensor([3, 1, 7, 1]).argmin().item()).toBe(1);
  });

  it('NaN is the extreme, as in PyTorch', () => {
    expect(tensor([1, Number.NaN, 3]).max().item()).toBeNaN();
    expect(tensor([1, Number.NaN, 3]).argmax().item()).toBe(1);
  });

  it('max of an empty tensor is an error', () => {
    expect(() => zeros([0]).max()).toThrow(IndexError);
    expect(() => zeros([0]).argmax()).toThrow(/argmax.*\[0\]/);
  });
});

describe('var and std', () => {
  // [1, 5, 3, 4, 2, 6]: mean 3.5, Σ(x−mean)² = 17.5
  it('over all elements, correction 1 (default) and 0', () => {
    expect(m().var().item()).toBeCloseTo(17.5 / 5, 14);
    expect(m().var(undefined, { correction: 0 }).item()).toBeCloseTo(17.5 / 6, 14);
    expect(m().std().item()).toBeCloseTo(Math.sqrt(3.5), 14);
    expect(m().std(undefined, { correction: 0 }).item()).toBeCloseTo(Math.sqrt(17.5 / 6), 14);
  });

  it('along a dim, keepdim', () => {
    // rows: [1, 5, 3] mean 3 → Σ = 8; [4, 2, 6] mean 4 → Σ = 8
    assertAllClose(m().var(1), [4, 4]);
    assertAllClose(m().var(1, { correction: 0, keepdim: true }), [[8 / 3], [8 / 3]]);
    // columns: [1,4] → 4.5, [5,2] → 4.5, [3,6] → 4.5
    assertAllClose(m().std(0), [Math.sqrt(4.5), Math.sqrt(4.5), Math.sqrt(4.5)]);
  });

  it('var of an int tensor is refused', () => {
    expect(() => tensor([1, 2], { dtype: 'int32' }).var()).toThrow(/var.*int32/);
  });
});

describe('logsumexp', () => {
  it('hand values', () => {
    assertAllClose(tensor([0, 0], { dtype: 'float64' }).logsumexp(), Math.log(2), { rtol: 1e-15 });
    assertAllClose(m().logsumexp(1), [Math.log(Math.exp(1) + Math.exp(5) + Math.exp(3)), Math.log(Math.exp(4) + Math.exp(2) + Math.exp(6))], { rtol: 1e-14 });
    expect(m().logsumexp(0, true).shape).toEqual([1, 3]);
  });

  it('does not overflow or underflow at ±1000', () => {
    assertAllClose(tensor([1000, 1000], { dtype: 'float64' }).logsumexp(), 1000 + Math.log(2), { rtol: 1e-15 });
    assertAllClose(tensor([-1000, -1000], { dtype: 'float64' }).logsumexp(), -1000 + Math.log(2), { rtol: 1e-15 });
    assertAllClose(tensor([1000, 0]).logsumexp(), 1000, { rtol: 1e-6 });
    expect(tensor([-Infinity, -Infinity]).logsumexp().item()).toBe(-Infinity);
    expect(tensor([Infinity, 0]).logsumexp().item()).toBe(Infinity);
  });

  it('its gradient is softmax, also at ±1000', () => {
    const x = tensor([1000, 1000, -1000], { dtype: 'float64', requiresGrad: true });
    x.logsumexp().backward();
    assertAllClose(x.grad!, [0.5, 0.5, 0], { atol: 1e-15 });
  });
});

describe('norm', () => {
  const v = () => tensor([3, -4, 0], { dtype: 'float64' });
  it('p = 1, 2, Infinity, 3', () => {
    expect(v().norm(1).item()).toBe(7);
    expect(v().norm().item()).toBe(5);
    expect(v().norm(Infinity).item()).toBe(4);
    expect(v().norm(3).item()).toBeCloseTo(Math.cbrt(27 + 64), 13);
  });

  it('along a dim', () => {
    const x = tensor(
      [
        [3, 4],
        [6, 8],
      ],
      { dtype: 'float64' },
    );
    expect(x.norm(2, 1).toArray()).toEqual([5, 10]);
    expect(x.norm(1, 0, true).toArray()).toEqual([[9, 12]]);
  });

  it('the gradient of the 2-norm at zero is zero, as in PyTorch', () => {
    // A subgradient: clipping and regularisation take norms of zero tensors.
    const z = zeros([3], { dtype: 'float64', requiresGrad: true });
    z.norm().backward();
    expect(z.grad!.toArray()).toEqual([0, 0, 0]);
  });

  it('rejects int tensors and non-positive p', () => {
    expect(() => tensor([1], { dtype: 'int32' }).norm()).toThrow(DTypeError);
    expect(() => v().norm(0)).toThrow(/norm.*p/);
  });
});
