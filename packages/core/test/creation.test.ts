import { describe, expect, it } from 'vitest';
import {
  arange,
  empty,
  emptyLike,
  eye,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  tensor,
  zeros,
  zerosLike,
  ShapeError,
  DTypeError,
  TapegradError,
} from '@tapegrad/core';

describe('tensor()', () => {
  it('builds from nested arrays, inferring the shape', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.numel).toBe(6);
    expect(t.ndim).toBe(2);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('makes a 0-d tensor from a number', () => {
    const t = tensor(3.5);
    expect(t.shape).toEqual([]);
    expect(t.ndim).toBe(0);
    expect(t.numel).toBe(1);
    expect(t.item()).toBe(3.5);
    expect(t.toArray()).toBe(3.5);
  });

  it('keeps the type of a typed array and takes a shape', () => {
    const t = tensor(new Int32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(tensor(new Float64Array([0.1])).dtype).toBe('float64');
  });

  it('copies the data it is given', () => {
    const src = new Float32Array([1, 2]);
    const t = tensor(src);
    src[0] = 100;
    expect(t.toArray()).toEqual([1, 2]);
  });

  it('copies the shape it is given: reusing the array later changes nothing', () => {
    const shape = [2, 3];
    const a = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape });
    const b = tensor([1, 2, 3, 4, 5, 6], { shape });
    shape[0] = 3;
    shape[1] = 2;
    const c = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape });
    expect(a.shape).toEqual([2, 3]);
    expect(b.shape).toEqual([2, 3]);
    expect(a.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(c.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(a.add(1).strides).toEqual([3, 1]);
    expect(c.add(1).strides).toEqual([2, 1]);
  });

  it('makes bool from booleans and honours an explicit dtype', () => {
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor([true, false]).toArray()).toEqual([true, false]);
    const d = tensor([1.25, 2], { dtype: 'float64' });
    expect(d.dtype).toBe('float64');
    expect(d.toArray()).toEqual([1.25, 2]);
    // Conversion to int32 truncates toward zero, as a cast does.
    expect(tensor([1.7, -1.7], { dtype: 'int32' }).toArray()).toEqual([1, -1]);
  });

  it('stores any non-zero number as true in a bool tensor', () => {
    // Bool storage must hold 0/1: other kernels (eq, toArray) rely on it.
    expect(tensor([0, 2, -3], { dtype: 'bool' }).toArray()).toEqual([false, true, true]);
    expect(tensor(new Float32Array([0, 0.5]), { dtype: 'bool' }).toArray()).toEqual([false, true]);
    expect(tensor([2], { dtype: 'bool' }).eq(tensor([true])).toArray()).toEqual([true]);
  });

  it('rejects ragged arrays, wrong shapes and unknown dtypes', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor(new Float32Array(5), { shape: [2, 2] })).toThrow(/\[2, 2\].*5/);
    expect(() => tensor([1], { dtype: 'float16' as never })).toThrow(DTypeError);
  });

  it('makes an empty 1-d tensor from []', () => {
    const t = tensor([]);
    expect(t.shape).toEqual([0]);
    expect(t.numel).toBe(0);
  });
});

describe('filled tensors', () => {
  it('zeros, ones, full, empty', () => {
    expect(zeros([2, 2]).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(ones([3], { dtype: 'int32' }).toArray()).toEqual([1, 1, 1]);
    expect(ones([3], { dtype: 'int32' }).dtype).toBe('int32');
    expect(full([2], 7.5).toArray()).toEqual([7.5, 7.5]);
    expect(full([2], 3, { dtype: 'bool' }).toArray()).toEqual([true, true]);
    const e = empty([2, 3], { dtype: 'float64' });
    expect(e.shape).toEqual([2, 3]);
    expect(e.dtype).toBe('float64');
    expect(zeros([]).shape).toEqual([]);
    expect(zeros([0, 3]).numel).toBe(0);
  });

  it('*Like takes the shape and dtype of its argument, unless told', () => {
    const x = tensor([[1, 2, 3]], { dtype: 'float64' });
    for (const t of [zerosLike(x), onesLike(x), fullLike(x, 4), emptyLike(x)]) {
      expect(t.shape).toEqual([1, 3]);
      expect(t.dtype).toBe('float64');
    }
    expect(onesLike(x).toArray()).toEqual([[1, 1, 1]]);
    expect(fullLike(x, 4).toArray()).toEqual([[4, 4, 4]]);
    expect(zerosLike(x, { dtype: 'int32' }).dtype).toBe('int32');
    expect(onesLike(x, { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('rejects negative or fractional sizes', () => {
    expect(() => zeros([2, -1])).toThrow(ShapeError);
    expect(() => zeros([1.5])).toThrow(/zeros.*\[1\.5\]/);
  });
});

describe('ranges', () => {
  it('arange with one, two and three arguments', () => {
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(2, 5).toArray()).toEqual([2, 3, 4]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(arange(3, 3).numel).toBe(0);
    expect(arange(4, { dtype: 'int32' }).dtype).toBe('int32');
    expect(arange(1, 4, { dtype: 'float64' }).toArray()).toEqual([1, 2, 3]);
  });

  it('arange rejects a zero step and a range that runs the wrong way', () => {
    expect(() => arange(0, 5, 0)).toThrow(TapegradError);
    expect(() => arange(5, 0)).toThrow(/arange/);
  });

  it('linspace includes both ends', () => {
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(2, -2, 3).toArray()).toEqual([2, 0, -2]);
    expect(linspace(3, 9, 1).toArray()).toEqual([3]);
    expect(linspace(0, 1, 0).numel).toBe(0);
    const l = linspace(0, 0.3, 4, { dtype: 'float64' }).toArray() as number[];
    [0, 0.1, 0.2, 0.3].forEach((v, i) => expect(l[i]).toBeCloseTo(v, 15));
  });

  it('eye, square and rectangular', () => {
    expect(eye(3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(eye(3, 2, { dtype: 'int32' }).toArray()).toEqual([
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
  });
});

describe('reading', () => {
  it('data is a copy: writing to it leaves the tensor alone', () => {
    const t = tensor([1, 2, 3]);
    const d = t.data;
    expect(d).toBeInstanceOf(Float32Array);
    d[0] = 99;
    expect(t.toArray()).toEqual([1, 2, 3]);
  });

  it('data of a view is its own elements in row-major order', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Array.from(t.mT.data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(t.select(1, 2).data)).toEqual([3, 6]);
  });

  it('item reads one element, also of a view, and rejects more', () => {
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(t.select(0, 1).select(0, 0).item()).toBe(3);
    expect(t.narrow(1, 1, 1).narrow(0, 1, 1).item()).toBe(4);
    expect(() => t.item()).toThrow(/item.*\[2, 2\]/);
  });

  it('toArray of bool and int tensors', () => {
    expect(tensor([1, 0, 3]).gt(0).toArray()).toEqual([true, false, true]);
    expect(tensor([[7]], { dtype: 'int32' }).toArray()).toEqual([[7]]);
  });
});
