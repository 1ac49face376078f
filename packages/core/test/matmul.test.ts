import { describe, expect, it } from 'vitest';
import { arange, dot, matmul, outer, tensor, zeros, ShapeError, DTypeError, Generator, randn } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';

/** Plain triple loop over nested arrays, the reference for every case. */
function naive(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}

const A = [
  [1, 2, 3],
  [4, 5, 6],
]; // [2, 3]
const B = [
  [7, 8],
  [9, 10],
  [11, 12],
]; // [3, 2]

describe('matmul cases', () => {
  it('1-D · 1-D is a 0-d dot product', () => {
    const r = tensor([1, 2, 3]).matmul(tensor([4, 5, 6]));
    expect(r.shape).toEqual([]);
    expect(r.item()).toBe(32);
    expect(dot(tensor([1, 2]), tensor([3, 4])).item()).toBe(11);
  });

  it('2-D · 2-D', () => {
    expect(tensor(A).matmul(tensor(B)).toArray()).toEqual([
      [58, 64],
      [139, 154],
    ]);
  });

  it('2-D · 1-D drops the last dim, 1-D · 2-D the first', () => {
    const mv = tensor(A).matmul(tensor([1, 0, -1]));
    expect(mv.shape).toEqual([2]);
    expect(mv.toArray()).toEqual([-2, -2]);
    const vm = tensor([1, -1]).matmul(tensor(A));
    expect(vm.shape).toEqual([3]);
    expect(vm.toArray()).toEqual([-3, -3, -3]);
  });

  it('batched with broadcast batch dims: [2,1,3,4] · [5,4,2] → [2,5,3,2]', () => {
    const g = new Generator(1);
    const a = randn([2, 1, 3, 4], { generator: g, dtype: 'float64' });
    const b = randn([5, 4, 2], { generator: g, dtype: 'float64' });
    const r = a.matmul(b);
    expect(r.shape).toEqual([2, 5, 3, 2]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 5; j++) {
        const want = naive(a.select(0, i).select(0, 0).toArray() as number[][], b.select(0, j).toArray() as number[][]);
        assertAllClose(r.select(0, i).select(0, j), want, { rtol: 1e-13 });
      }
    }
  });

  it('batch · matrix and matrix · batch, and batched vectors', () => {
    const a = arange(12, { dtype: 'float64' }).reshape([2, 2, 3]);
    const r = a.matmul(tensor(B, { dtype: 'float64' }));
    expect(r.shape).toEqual([2, 2, 2]);
    expect(r.select(0, 1).toArray()).toEqual(naive(a.select(0, 1).toArray() as number[][], B));
    const l = tensor(B, { dtype: 'float64' }).mT.matmul(a.mT);
    expect(l.shape).toEqual([2, 2, 2]);
    expect(l.select(0, 0).toArray()).toEqual(naive([[7, 9, 11], [8, 10, 12]], a.select(0, 0).mT.toArray() as number[][]));
    const bv = a.matmul(tensor([1, 1, 1], { dtype: 'float64' }));
    expect(bv.toArray()).toEqual([
      [3, 12],
      [21, 30],
    ]);
  });

  it('transposed and sliced operands (views) give the same products', () => {
    const at = tensor(A).mT.contiguous().mT; // a transposed layout of A
    expect(at.isContiguous()).toBe(false);
    expect(at.matmul(tensor(B)).toArray()).toEqual(naive(A, B));
    const bt = tensor(B).mT.contiguous().mT;
    expect(tensor(A).matmul(bt).toArray()).toEqual(naive(A, B));
    expect(at.matmul(bt).toArray()).toEqual(naive(A, B));
    // every other column of a wider matrix
    const wide = tensor([
      [1, 0, 2, 0, 3, 0],
      [4, 0, 5, 0, 6, 0],
    ]).slice(1, 0, undefined, 2);
    expect(wide.matmul(tensor(B)).toArray()).toEqual(naive(A, B));
  });

  it('batches whose size-1 dims have their own stride (a narrowed view)', () => {
    // x[:, :1] of a [2, 3, 2, 3]: shape [2, 1, 2, 3], batch strides [18, 6]
    const base = arange(36, { dtype: 'float64' }).reshape([2, 3, 2, 3]);
    const a = base.narrow(1, 0, 1);
    const b = tensor(B, { dtype: 'float64' }).unsqueeze(0).unsqueeze(0).expand([2, 1, 3, 2]).contiguous();
    const r = a.matmul(b);
    expect(r.shape).toEqual([2, 1, 2, 2]);
    for (let i = 0; i < 2; i++) {
      expect(r.select(0, i).select(0, 0).toArray()).toEqual(naive(a.select(0, i).select(0, 0).toArray() as number[][], B));
    }
  });

  it('int32 operands give int32', () => {
    const r = tensor(A, { dtype: 'int32' }).matmul(tensor(B, { dtype: 'int32' }));
    expect(r.dtype).toBe('int32');
    expect(r.toArray()).toEqual(naive(A, B));
  });

  it('outer', () => {
    expect(outer(tensor([1, 2]), tensor([3, 4, 5])).toArray()).toEqual([
      [3, 4, 5],
      [6, 8, 10],
    ]);
  });

  it('gradients of every case pass gradcheck', () => {
    const g = new Generator(3);
    const r = (s: number[]) => randn(s, { generator: g, dtype: 'float64' }).requiresGrad_();
    const pairs: [number[], number[]][] = [
      [[3], [3]],
      [[2, 3], [3]],
      [[3], [3, 2]],
      [[2, 3], [3, 4]],
      [[2, 1, 2, 3], [3, 3, 2]],
      [[2, 2, 3], [3, 2]],
    ];
    for (const [sa, sb] of pairs) gradcheck((a, b) => matmul(a!, b!), [r(sa), r(sb)]);
    gradcheck((a, b) => a!.mT.matmul(b!.mT), [r([3, 2]), r([4, 3])]);
  });
});

describe('matmul errors name the op and both shapes', () => {
  it('inner size mismatch', () => {
    expect(() => zeros([2, 3]).matmul(zeros([2, 3]))).toThrow(ShapeError);
    expect(() => zeros([2, 3]).matmul(zeros([2, 3]))).toThrow(/matmul: shapes \[2, 3\] and \[2, 3\].*3 and 2/);
    expect(() => zeros([3]).matmul(zeros([4]))).toThrow(/matmul: shapes \[3\] and \[4\]/);
    expect(() => zeros([3]).matmul(zeros([4, 2]))).toThrow(/matmul.*\[3\].*\[4, 2\]/);
  });

  it('0-d operands', () => {
    expect(() => tensor(2).matmul(zeros([2]))).toThrow(ShapeError);
    expect(() => zeros([2]).matmul(tensor(2))).toThrow(/matmul: shapes \[2\] and \[\]/);
  });

  it('batch dims that do not broadcast', () => {
    expect(() => zeros([2, 3, 4]).matmul(zeros([3, 4, 5]))).toThrow(ShapeError);
    expect(() => zeros([2, 3, 4]).matmul(zeros([3, 4, 5]))).toThrow(/matmul.*\[2, 3, 4\].*\[3, 4, 5\]/);
  });

  it('bool operands, dot and outer of the wrong rank', () => {
    expect(() => tensor([true]).matmul(tensor([true]))).toThrow(DTypeError);
    expect(() => dot(zeros([2, 2]), zeros([2]))).toThrow(/dot.*\[2, 2\].*\[2\]/);
    expect(() => outer(zeros([2, 2]), zeros([2]))).toThrow(/outer.*\[2, 2\]/);
  });
});

describe('matmul over batch dims that no one stride walks', () => {
  // Attention's heads: [N, L, H·D] viewed as [N, H, L, D], whose batch dims
  // (N, H) have strides L·H·D and D. The product reads such views in place.
  const heads = (t: ReturnType<typeof randn>, n: number, l: number, h: number, d: number) => t.reshape([n, l, h, d]).transpose(1, 2);
  /** The product of every [n][h] matrix pair by the triple loop, from nested arrays. */
  const naiveBatched = (a: number[][][][], b: number[][][][]): number[][][][] => a.map((an, i) => an.map((m, j) => naive(m, b[i]![j]!)));

  for (const [n, l, h, d] of [
    [2, 3, 2, 2],
    [3, 40, 4, 16],
  ] as const) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`q·kᵀ and weights·v on head views [${n}, ${h}, ${l}, ${d}] (${dtype})`, () => {
        const g = new Generator(n * l);
        const q = heads(randn([n, l, h * d], { dtype, generator: g }), n, l, h, d);
        const k = heads(randn([n, l, h * d], { dtype, generator: g }), n, l, h, d);
        const scores = q.matmul(k.mT);
        expect(scores.shape).toEqual([n, h, l, l]);
        const tol = dtype === 'float32' ? { rtol: 1e-5, atol: 1e-5 } : { rtol: 1e-12, atol: 1e-12 };
        assertAllClose(scores, tensor(naiveBatched(q.toArray() as number[][][][], k.mT.toArray() as number[][][][]), { dtype }), tol);
        // One operand contiguous, the other a head view; and a head view against an expanded one.
        const w = randn([n, h, l, l], { dtype, generator: g });
        assertAllClose(w.matmul(k), tensor(naiveBatched(w.toArray() as number[][][][], k.toArray() as number[][][][]), { dtype }), tol);
        const shared = randn([n, 1, d, l], { dtype, generator: g }).expand([n, h, d, l]);
        assertAllClose(q.matmul(shared), tensor(naiveBatched(q.toArray() as number[][][][], shared.toArray() as number[][][][]), { dtype }), tol);
      });
    }
  }

  it('gradients through head views pass gradcheck (float64)', () => {
    const g = new Generator(7);
    const x = randn([2, 3, 4], { dtype: 'float64', generator: g }).requiresGrad_();
    const y = randn([2, 3, 4], { dtype: 'float64', generator: g }).requiresGrad_();
    expect(gradcheck((a, b) => heads(a!, 2, 3, 2, 2).matmul(heads(b!, 2, 3, 2, 2).mT), [x, y]).ok).toBe(true);
  });
});

describe('matmul gradients in their input layout', () => {
  it("a linear layer's weight (used as w.mT) gets a contiguous gradient, equal to gᵀ·x", () => {
    const g = new Generator(3);
    const x = randn([5, 4], { dtype: 'float64', generator: g });
    const w = randn([3, 4], { dtype: 'float64', generator: g }).requiresGrad_();
    const up = randn([5, 3], { dtype: 'float64', generator: g });
    x.matmul(w.mT).backward(up);
    expect(w.grad!.strides).toEqual([4, 1]);
    assertAllClose(w.grad!, tensor(naive(up.mT.toArray() as number[][], x.toArray() as number[][]), { dtype: 'float64' }), { rtol: 1e-12, atol: 1e-12 });
  });

  it('an input transposed on the left gets its gradient, B·gᵀ, in the same layout', () => {
    const g = new Generator(4);
    const a = randn([4, 5], { dtype: 'float64', generator: g }).requiresGrad_();
    const b = randn([4, 3], { dtype: 'float64', generator: g });
    const up = randn([5, 3], { dtype: 'float64', generator: g });
    a.mT.matmul(b).backward(up);
    expect(a.grad!.strides).toEqual([5, 1]);
    assertAllClose(a.grad!, tensor(naive(b.toArray() as number[][], up.mT.toArray() as number[][]), { dtype: 'float64' }), { rtol: 1e-12, atol: 1e-12 });
  });
});
