import { describe, expect, it } from 'vitest';
import { arange, cat, chunk, noGrad, split, stack, tensor, zeros, ShapeError, IndexError } from '@tapegrad/core';

/** [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]] */
const grid = () => arange(12).reshape([3, 4]);

describe('views share storage', () => {
  type Grid = ReturnType<typeof grid>;
  // [name, view of the grid, number of base elements the view covers]
  it.each([
    ['reshape', (x: Grid) => x.reshape([2, 6]), 12],
    ['view', (x: Grid) => x.view([12]), 12],
    ['flatten', (x: Grid) => x.flatten(), 12],
    ['permute', (x: Grid) => x.permute([1, 0]), 12],
    ['transpose', (x: Grid) => x.transpose(0, 1), 12],
    ['mT', (x: Grid) => x.mT, 12],
    ['unsqueeze', (x: Grid) => x.unsqueeze(1), 12],
    ['squeeze', (x: Grid) => x.unsqueeze(0).squeeze(), 12],
    ['slice', (x: Grid) => x.slice(1, 1, 3), 6],
    ['narrow', (x: Grid) => x.narrow(0, 1, 2), 8],
    ['select', (x: Grid) => x.select(1, 2), 3],
  ] as const)('%s: a write through the base shows in the view and back', (_, make, covered) => {
    const x = grid();
    const v = make(x);
    const before = v.data;
    noGrad(() => x.add_(100));
    Array.from(v.data).forEach((val, i) => expect(val).toBe(before[i]! + 100));
    noGrad(() => v.mul_(0));
    expect(x.eq(0).sum().item()).toBe(covered);
  });

  it('expand: a write through the base shows in every broadcast copy', () => {
    const x = tensor([1, 2]);
    const e = x.unsqueeze(0).expand([3, 2]);
    noGrad(() => x.mul_(10));
    expect(e.toArray()).toEqual([
      [10, 20],
      [10, 20],
      [10, 20],
    ]);
  });

  it('a write through a slice lands in the right places of the base', () => {
    const x = grid();
    noGrad(() => x.slice(1, 0, undefined, 2).fill_(-1)); // columns 0 and 2
    expect(x.toArray()).toEqual([
      [-1, 1, -1, 3],
      [-1, 5, -1, 7],
      [-1, 9, -1, 11],
    ]);
    noGrad(() => x.select(0, -1).copy_(tensor([7, 7, 7, 7])));
    expect(x.select(0, 2).toArray()).toEqual([7, 7, 7, 7]);
  });

  it('bumps the version of every view of the storage', () => {
    const x = grid();
    const v = x.mT;
    noGrad(() => v.zero_());
    expect(x.version).toBe(1);
    expect(v.version).toBe(1);
  });
});

describe('view results', () => {
  it('reshape with -1, view, flatten ranges', () => {
    expect(grid().reshape([-1, 6]).shape).toEqual([2, 6]);
    expect(grid().reshape([2, 2, 3]).toArray()).toEqual([
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
      [
        [6, 7, 8],
        [9, 10, 11],
      ],
    ]);
    const x = zeros([2, 3, 4, 5]);
    expect(x.flatten(1).shape).toEqual([2, 60]);
    expect(x.flatten(1, 2).shape).toEqual([2, 12, 5]);
    expect(x.flatten(-2).shape).toEqual([2, 3, 20]);
    expect(tensor(5).flatten().shape).toEqual([1]);
  });

  it('permute and transpose reorder elements', () => {
    const x = arange(6).reshape([1, 2, 3]);
    expect(x.permute([2, 0, 1]).shape).toEqual([3, 1, 2]);
    expect(x.permute([2, 0, 1]).toArray()).toEqual([[[0, 3]], [[1, 4]], [[2, 5]]]);
    expect(grid().transpose(1, 0).toArray()).toEqual([
      [0, 4, 8],
      [1, 5, 9],
      [2, 6, 10],
      [3, 7, 11],
    ]);
    expect(x.mT.shape).toEqual([1, 3, 2]);
    expect(x.transpose(-1, -3).shape).toEqual([3, 2, 1]);
  });

  it('squeeze and unsqueeze', () => {
    const x = zeros([1, 3, 1, 2]);
    expect(x.squeeze().shape).toEqual([3, 2]);
    expect(x.squeeze(0).shape).toEqual([3, 1, 2]);
    expect(x.squeeze([0, 2]).shape).toEqual([3, 2]);
    expect(x.squeeze(1).shape).toEqual([1, 3, 1, 2]); // size 3: unchanged
    expect(x.unsqueeze(-1).shape).toEqual([1, 3, 1, 2, 1]);
    expect(x.unsqueeze(4).shape).toEqual([1, 3, 1, 2, 1]);
    expect(tensor(1).unsqueeze(0).shape).toEqual([1]);
  });

  it('slice with negative bounds, steps and out-of-range ends (Python rules)', () => {
    const r = arange(10);
    expect(r.slice(0, -3).toArray()).toEqual([7, 8, 9]);
    expect(r.slice(0, 1, -1, 3).toArray()).toEqual([1, 4, 7]);
    expect(r.slice(0, undefined, undefined, 4).toArray()).toEqual([0, 4, 8]);
    expect(r.slice(0, -100, 100).numel).toBe(10);
    expect(r.slice(0, 8, 2).numel).toBe(0);
    expect(grid().slice(-1, 1, 4, 2).toArray()).toEqual([
      [1, 3],
      [5, 7],
      [9, 11],
    ]);
  });

  it('narrow and select, negative indices', () => {
    expect(grid().narrow(1, 1, 2).toArray()).toEqual([
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
    expect(grid().narrow(0, -1, 1).toArray()).toEqual([[8, 9, 10, 11]]);
    expect(grid().select(0, -1).toArray()).toEqual([8, 9, 10, 11]);
    expect(grid().select(1, 0).toArray()).toEqual([0, 4, 8]);
  });

  it('expand broadcasts with stride 0 and keeps -1 sizes', () => {
    const b = tensor([[1], [2]]);
    expect(b.expand([2, 3]).toArray()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(b.expand([2, -1, 2]).shape).toEqual([2, 2, 2]);
    expect(b.expand([2, 2, 3]).strides).toEqual([0, 1, 0]);
    expect(b.broadcastTo([2, 2]).toArray()).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('stays correct through permute → slice → expand chains', () => {
    const x = arange(24).reshape([2, 3, 4]);
    // x.permute(2, 0, 1)[1:4:2, :, ::2] → shape [2, 2, 2]
    const v = x.permute([2, 0, 1]).slice(0, 1, 4, 2).slice(2, 0, undefined, 2);
    expect(v.toArray()).toEqual([
      [
        [1, 9],
        [13, 21],
      ],
      [
        [3, 11],
        [15, 23],
      ],
    ]);
    const e = v.select(1, 1).unsqueeze(0).expand([3, 2, 2]);
    expect(e.toArray()).toEqual([
      [
        [13, 21],
        [15, 23],
      ],
      [
        [13, 21],
        [15, 23],
      ],
      [
        [13, 21],
        [15, 23],
      ],
    ]);
    expect(e.sum().item()).toBe(3 * (13 + 21 + 15 + 23));
    expect(e.contiguous().isContiguous()).toBe(true);
    expect(e.reshape([12]).toArray()).toEqual([13, 21, 15, 23, 13, 21, 15, 23, 13, 21, 15, 23]);
    // writing into the strided view lands in x
    noGrad(() => x.permute([2, 0, 1]).slice(0, 1, 4, 2).slice(2, 0, undefined, 2).fill_(0));
    expect(x.sum().item()).toBe((23 * 24) / 2 - (1 + 9 + 13 + 21 + 3 + 11 + 15 + 23));
  });

  it('contiguous copies a view only when needed', () => {
    const x = grid();
    expect(x.contiguous()).toBe(x);
    const t = x.mT;
    expect(t.isContiguous()).toBe(false);
    const c = t.contiguous();
    expect(c.isContiguous()).toBe(true);
    expect(c.toArray()).toEqual(t.toArray());
    noGrad(() => c.fill_(0));
    expect(x.sum().item()).toBe(66); // the copy is separate
  });

  it('view refuses a non-contiguous layout; reshape copies instead', () => {
    const t = grid().mT;
    expect(() => t.view([12])).toThrow(ShapeError);
    expect(() => t.view([12])).toThrow(/view.*\[4, 3\].*\[12\]/);
    expect(t.reshape([12]).toArray()).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    // a merge the strides allow is still a view
    const y = zeros([2, 3, 4]).permute([1, 0, 2]).slice(2, 0, 4);
    expect(y.reshape([3, 8]).shape).toEqual([3, 8]);
  });
});

describe('copies', () => {
  it('cat along a dim, with dtype promotion', () => {
    const a = tensor([[1, 2]]);
    const b = tensor([
      [3, 4],
      [5, 6],
    ]);
    expect(cat([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(cat([b, b], 1).toArray()).toEqual([
      [3, 4, 3, 4],
      [5, 6, 5, 6],
    ]);
    expect(cat([b.mT, b.mT], -1).toArray()).toEqual([
      [3, 5, 3, 5],
      [4, 6, 4, 6],
    ]);
    const mixed = cat([tensor([1], { dtype: 'int32' }), tensor([0.5], { dtype: 'float64' })]);
    expect(mixed.dtype).toBe('float64');
    expect(mixed.toArray()).toEqual([1, 0.5]);
  });

  it('stack along a new dim', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    expect(stack([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(stack([a, b], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(stack([a, b], -1).shape).toEqual([2, 2]);
  });

  it('split by size and by sizes, chunk', () => {
    const r = arange(5);
    expect(split(r, 2).map((t) => t.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(r.split([1, 4]).map((t) => t.toArray())).toEqual([[0], [1, 2, 3, 4]]);
    expect(chunk(r, 3).map((t) => t.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(grid().chunk(2, 1).map((t) => t.shape)).toEqual([
      [3, 2],
      [3, 2],
    ]);
    expect(() => r.split([2, 2])).toThrow(/split.*\[2, 2\].*5/);
  });

  it('flip reverses and copies', () => {
    const x = grid();
    expect(x.flip([0]).toArray()).toEqual([
      [8, 9, 10, 11],
      [4, 5, 6, 7],
      [0, 1, 2, 3],
    ]);
    expect(x.flip([0, 1]).select(0, 0).toArray()).toEqual([11, 10, 9, 8]);
    const f = x.flip([1]);
    noGrad(() => f.zero_());
    expect(x.sum().item()).toBe(66);
  });

  it('pad the last dims, with zeros or a value', () => {
    const x = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(x.pad([1, 2]).toArray()).toEqual([
      [0, 1, 2, 0, 0],
      [0, 3, 4, 0, 0],
    ]);
    expect(x.pad([0, 1, 1, 0], 9).toArray()).toEqual([
      [9, 9, 9],
      [1, 2, 9],
      [3, 4, 9],
    ]);
  });

  it('repeat tiles, adding leading dims', () => {
    const x = tensor([1, 2]);
    expect(x.repeat([2]).toArray()).toEqual([1, 2, 1, 2]);
    expect(x.repeat([2, 3]).toArray()).toEqual([
      [1, 2, 1, 2, 1, 2],
      [1, 2, 1, 2, 1, 2],
    ]);
    expect(tensor([[1], [2]]).repeat([1, 2]).toArray()).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });
});

describe('movement errors', () => {
  it('name the op and the shapes', () => {
    expect(() => grid().reshape([5, 2])).toThrow(ShapeError);
    expect(() => grid().reshape([5, 2])).toThrow(/reshape.*\[5, 2\].*\[3, 4\]/);
    expect(() => grid().reshape([-1, 5])).toThrow(/reshape.*\[-1, 5\].*\[3, 4\]/);
    expect(() => grid().permute([0])).toThrow(IndexError);
    expect(() => grid().permute([0])).toThrow(/permute.*\[0\].*2 dims.*\[3, 4\]/);
    expect(() => grid().permute([0, 0])).toThrow(/permute.*repeat/);
    expect(() => grid().transpose(0, 2)).toThrow(IndexError);
    expect(() => grid().transpose(0, 2)).toThrow(/transpose.*dim 2.*2 dims/);
    expect(() => grid().expand([3, 5])).toThrow(/expand.*\[3, 4\].*\[3, 5\]/);
    expect(() => cat([grid(), zeros([2, 3])])).toThrow(ShapeError);
    expect(() => cat([grid(), zeros([2, 3])])).toThrow(/cat.*\[2, 3\].*\[3, 4\]/);
    expect(() => stack([grid(), zeros([4, 3])])).toThrow(/stack.*\[4, 3\].*\[3, 4\]/);
    expect(() => grid().select(0, 3)).toThrow(IndexError);
    expect(() => grid().select(0, 3)).toThrow(/select.*index 3.*size 3.*\[3, 4\]/);
    expect(() => grid().narrow(1, 2, 3)).toThrow(IndexError);
    expect(() => grid().narrow(1, 2, 3)).toThrow(/narrow.*start 2.*length 3.*size 4.*\[3, 4\]/);
  });
});
