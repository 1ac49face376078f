import { describe, expect, it } from 'vitest';
import { gather, indexSelect, maskedFill, oneHot, scatterAdd, tensor, zeros, DTypeError, IndexError, ShapeError } from '@tapegrad/core';
import { gradcheck } from '@tapegrad/core/testing';

const i32 = (v: Parameters<typeof tensor>[0]) => tensor(v, { dtype: 'int32' });
const x = () =>
  tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

describe('gather', () => {
  it('along dim 1 and dim 0', () => {
    expect(x().gather(1, i32([[2, 0], [1, 1]])).toArray()).toEqual([
      [3, 1],
      [5, 5],
    ]);
    expect(gather(x(), 0, i32([[1, 0, 1]])).toArray()).toEqual([[4, 2, 6]]);
    expect(x().gather(-1, i32([[0], [2]])).toArray()).toEqual([[1], [6]]);
  });

  it('from a transposed view', () => {
    expect(x().mT.gather(0, i32([[1, 0]])).toArray()).toEqual([[2, 4]]);
  });

  it('with an index that is a strided view starting inside its storage', () => {
    // index rows [1, 2] of a [3, 4] table, every other column: [[2, 0], [1, 1]]
    const table = i32([[9, 9, 9, 9], [2, 7, 0, 7], [1, 7, 1, 7]]);
    const index = table.slice(0, 1, 3).slice(1, 0, 4, 2);
    expect(index.strides).toEqual([4, 2]);
    expect(x().gather(1, index).toArray()).toEqual([[3, 1], [5, 5]]);
    // scatterAdd with a src that walks like the index (same strides, another offset).
    const srcTable = tensor([[0, 0, 0, 0], [10, 0, 20, 0], [30, 0, 40, 0]]);
    const src = srcTable.slice(0, 1, 3).slice(1, 0, 4, 2);
    expect(zeros([2, 3]).scatterAdd(1, index, src).toArray()).toEqual([[20, 0, 10], [0, 70, 0]]);
  });

  it('gradient scatters back, adding repeats', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true });
    w.gather(0, i32([2, 2, 0])).sum().backward();
    expect(w.grad!.toArray()).toEqual([1, 0, 2]);
  });

  it('errors: float index, out-of-range index, shape', () => {
    expect(() => x().gather(1, tensor([[0]]))).toThrow(DTypeError);
    expect(() => x().gather(1, tensor([[0]]))).toThrow(/gather.*int32.*float32/);
    expect(() => x().gather(1, i32([[3]]))).toThrow(IndexError);
    expect(() => x().gather(1, i32([[3]]))).toThrow(/gather: index 3 .*size 3/);
    expect(() => x().gather(1, i32([[-1]]))).toThrow(/gather: index -1/);
    expect(() => x().gather(1, i32([0]))).toThrow(ShapeError);
    expect(() => x().gather(1, i32([0]))).toThrow(/gather.*\[1\].*\[2, 3\]/);
    expect(() => x().gather(2, i32([[0]]))).toThrow(/gather: dim 2/);
  });
});

describe('scatterAdd', () => {
  it('repeated indices accumulate', () => {
    expect(scatterAdd(zeros([3]), 0, i32([0, 2, 0]), tensor([1, 2, 3])).toArray()).toEqual([4, 0, 2]);
    const r = zeros([2, 3]).scatterAdd(1, i32([[0, 0], [2, 1]]), tensor([[1, 2], [3, 4]]));
    expect(r.toArray()).toEqual([
      [3, 0, 0],
      [0, 4, 3],
    ]);
  });

  it('adds to the input, which is left unchanged', () => {
    const base = tensor([10, 20]);
    expect(base.scatterAdd(0, i32([1, 1]), tensor([1, 1])).toArray()).toEqual([10, 22]);
    expect(base.toArray()).toEqual([10, 20]);
  });

  it('adds into a broadcast scalar (filled, not read element by element), and a broadcast row', () => {
    const r = tensor(2).expand([2, 3]).scatterAdd(1, i32([[0, 0], [2, 1]]), tensor([[1, 2], [3, 4]]));
    expect(r.toArray()).toEqual([
      [5, 2, 2],
      [2, 6, 5],
    ]);
    const rows = tensor([1, 2, 3]).expand([2, 3]).scatterAdd(1, i32([[2], [0]]), tensor([[10], [20]]));
    expect(rows.toArray()).toEqual([
      [1, 2, 13],
      [21, 2, 3],
    ]);
  });

  it('src larger than index: only the indexed part is used', () => {
    const r = zeros([3]).scatterAdd(0, i32([2]), tensor([5, 7, 9]));
    expect(r.toArray()).toEqual([0, 0, 5]);
  });

  it('gradients pass gradcheck, also with src larger than index', () => {
    const idx = i32([[0, 1], [1, 1]]);
    gradcheck((a, s) => a!.scatterAdd(1, idx, s!), [
      tensor([[1, 2], [3, 4]], { dtype: 'float64', requiresGrad: true }),
      tensor([[0.5, -1], [2, 3]], { dtype: 'float64', requiresGrad: true }),
    ]);
    gradcheck((s) => zeros([2], { dtype: 'float64' }).scatterAdd(0, i32([1]), s!), [
      tensor([0.5, -1, 3], { dtype: 'float64', requiresGrad: true }),
    ]);
  });

  it('errors: out-of-range index, float index', () => {
    expect(() => zeros([3]).scatterAdd(0, i32([3]), tensor([1]))).toThrow(IndexError);
    expect(() => zeros([3]).scatterAdd(0, i32([3]), tensor([1]))).toThrow(/scatterAdd: index 3 .*size 3/);
    expect(() => zeros([3]).scatterAdd(0, tensor([0]), tensor([1]))).toThrow(/scatterAdd.*int32/);
    expect(() => zeros([3]).scatterAdd(0, i32([0, 1]), tensor([1]))).toThrow(/scatterAdd.*\[2\].*\[1\].*\[3\]/);
  });
});

describe('indexSelect', () => {
  it('picks rows or columns, repeating', () => {
    expect(indexSelect(x(), 0, i32([1, 1, 0])).toArray()).toEqual([
      [4, 5, 6],
      [4, 5, 6],
      [1, 2, 3],
    ]);
    expect(x().indexSelect(1, i32([2, 0])).toArray()).toEqual([
      [3, 1],
      [6, 4],
    ]);
  });

  it('gradient adds up repeats', () => {
    const emb = tensor([[1, 1], [2, 2], [3, 3]], { requiresGrad: true });
    emb.indexSelect(0, i32([2, 0, 2])).sum().backward();
    expect(emb.grad!.toArray()).toEqual([
      [1, 1],
      [0, 0],
      [2, 2],
    ]);
  });

  it('errors name indexSelect', () => {
    expect(() => x().indexSelect(0, i32([2]))).toThrow(IndexError);
    expect(() => x().indexSelect(0, i32([2]))).toThrow(/^indexSelect: index 2 .*size 2/);
    expect(() => x().indexSelect(0, tensor([0]))).toThrow(/indexSelect.*int32/);
    expect(() => x().indexSelect(0, i32([[0]]))).toThrow(/indexSelect.*1-D.*\[1, 1\]/);
  });
});

describe('maskedFill', () => {
  it('fills where the mask is true, broadcasting the mask', () => {
    const m = tensor([[true, false, true]]);
    expect(x().maskedFill(m, -1).toArray()).toEqual([
      [-1, 2, -1],
      [-1, 5, -1],
    ]);
    expect(maskedFill(x(), x().gt(4), tensor(0)).toArray()).toEqual([
      [1, 2, 3],
      [4, 0, 0],
    ]);
    const f = x().maskedFill(tensor([true, false, false]), -Infinity);
    expect(f.select(0, 0).toArray()).toEqual([-Infinity, 2, 3]);
  });

  it('keeps the dtype and passes the gradient where not filled', () => {
    expect(i32([1, 2]).maskedFill(tensor([true, false]), 7).dtype).toBe('int32');
    const w = tensor([1, 2, 3], { requiresGrad: true });
    w.maskedFill(tensor([false, true, false]), 0).mul(tensor([1, 2, 3])).sum().backward();
    expect(w.grad!.toArray()).toEqual([1, 0, 3]);
  });

  it('errors: non-bool mask, a mask that does not broadcast to the input', () => {
    expect(() => x().maskedFill(tensor([1, 0, 1]), 0)).toThrow(DTypeError);
    expect(() => x().maskedFill(tensor([1, 0, 1]), 0)).toThrow(/maskedFill.*bool.*float32/);
    expect(() => x().maskedFill(tensor([true, false]), 0)).toThrow(/maskedFill.*\[2, 3\].*\[2\]/);
    expect(() => tensor([1, 2]).maskedFill(tensor([[true], [false]]), 0)).toThrow(/maskedFill.*\[2, 1\].*\[2\]/);
  });
});

describe('oneHot', () => {
  it('encodes int32 classes in a new last dim', () => {
    expect(oneHot(i32([0, 2, 1]), 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expect(oneHot(i32([1, 3])).shape).toEqual([2, 4]);
    expect(oneHot(i32([[0], [1]]), 2).shape).toEqual([2, 1, 2]);
    expect(oneHot(i32([0])).dtype).toBe('int32');
  });

  it('errors: index beyond numClasses, negative index, float input', () => {
    expect(() => oneHot(i32([3]), 3)).toThrow(IndexError);
    expect(() => oneHot(i32([3]), 3)).toThrow(/oneHot: index 3 .*3/);
    expect(() => oneHot(i32([-1]), 3)).toThrow(/oneHot: index -1/);
    expect(() => oneHot(tensor([1]), 3)).toThrow(/oneHot.*int32/);
  });
});

describe('indexSelect backward with repeated indices', () => {
  it('adds each selected row of the gradient into its source row', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]], { dtype: 'float64' }).requiresGrad_();
    const ids = [0, 2, 0, 0, 3];
    const g = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13, 14, 15]];
    x.indexSelect(0, tensor(ids, { dtype: 'int32' })).backward(tensor(g, { dtype: 'float64' }));
    const want = [0, 1, 2, 3].map((r) => [0, 1, 2].map((c) => ids.reduce((s, id, k) => s + (id === r ? g[k]![c]! : 0), 0)));
    expect(x.grad!.toArray()).toEqual(want);
  });
});
