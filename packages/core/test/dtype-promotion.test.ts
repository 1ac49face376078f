import { describe, expect, it } from 'vitest';
import { isFloating, promoteTypes, tensor, ones, zeros, type DType, DTypeError } from '@tapegrad/core';
import { BINARY_KERNELS } from '../src/backend/js/elementwise.js';
import { elementwiseSpecs, type ElementwiseColumns } from './op-specs.js';

const make = (d: DType, dims = true) => (dims ? ones([2], { dtype: d }) : ones([], { dtype: d }));

describe('promotion of two tensors', () => {
  // PyTorch's table for these four types: the higher category, then the wider type, wins.
  const table: [DType, DType, DType][] = [
    ['bool', 'bool', 'bool'],
    ['bool', 'int32', 'int32'],
    ['bool', 'float32', 'float32'],
    ['bool', 'float64', 'float64'],
    ['int32', 'int32', 'int32'],
    ['int32', 'float32', 'float32'],
    ['int32', 'float64', 'float64'],
    ['float32', 'float32', 'float32'],
    ['float32', 'float64', 'float64'],
    ['float64', 'float64', 'float64'],
  ];
  it.each(table)('%s with %s gives %s', (a, b, want) => {
    expect(promoteTypes(a, b)).toBe(want);
    expect(promoteTypes(b, a)).toBe(want);
    if (a !== 'bool' || b !== 'bool') {
      expect(make(a).mul(make(b)).dtype).toBe(want);
      expect(make(b).mul(make(a)).dtype).toBe(want);
    }
  });

  it('two 0-d tensors promote like tensors with dims', () => {
    expect(make('int32', false).add(make('float64', false)).dtype).toBe('float64');
  });
});

describe('tensor and scalar', () => {
  it('a plain number does not widen a tensor of its category', () => {
    expect(ones([2], { dtype: 'int32' }).add(2).dtype).toBe('int32');
    expect(ones([2], { dtype: 'int32' }).add(2).toArray()).toEqual([3, 3]);
    expect(ones([2], { dtype: 'float32' }).add(2.5).dtype).toBe('float32');
    expect(ones([2], { dtype: 'float64' }).mul(3).dtype).toBe('float64');
  });

  it('a fractional number lifts an int tensor to float32', () => {
    const r = tensor([1, 2], { dtype: 'int32' }).add(2.5);
    expect(r.dtype).toBe('float32');
    expect(r.toArray()).toEqual([3.5, 4.5]);
  });

  it('a 0-d tensor of the same category does not widen', () => {
    expect(make('float32').add(make('float64', false)).dtype).toBe('float32');
    expect(make('float64', false).add(make('float32')).dtype).toBe('float32');
  });

  it('a 0-d tensor of a higher category decides', () => {
    expect(make('int32').add(make('float64', false)).dtype).toBe('float64');
    expect(make('bool').add(make('int32', false)).dtype).toBe('int32');
    expect(make('bool').mul(make('float32', false)).dtype).toBe('float32');
  });

  it('a number on the left works like one on the right', async () => {
    const { sub, div } = await import('@tapegrad/core');
    expect(sub(10, tensor([1, 2], { dtype: 'int32' })).toArray()).toEqual([9, 8]);
    expect(sub(10, tensor([1, 2], { dtype: 'int32' })).dtype).toBe('int32');
    expect(div(1, tensor([2, 4])).toArray()).toEqual([0.5, 0.25]);
  });
});

describe('result types of particular ops', () => {
  /** The result dtype the op table gives an op whose inputs promote to `d`. */
  const resultOf = (result: ElementwiseColumns['result'], d: DType): DType => (result === 'bool' ? 'bool' : result === 'float' && !isFloating(d) ? 'float32' : d);

  it.each(elementwiseSpecs.map((s) => [s.name, s.elementwise] as const))('%s gives the result dtype of its row, for every pair of dtypes it accepts', (_, { kernel, dtypes, result }) => {
    for (const a of dtypes) {
      const x = make(a);
      if (!BINARY_KERNELS.includes(kernel as never)) {
        expect((x[kernel as 'exp'] as () => { dtype: DType })().dtype, `${kernel}(${a})`).toBe(resultOf(result, a));
        continue;
      }
      for (const b of dtypes) {
        expect((x[kernel as 'add'] as (y: unknown) => { dtype: DType })(make(b)).dtype, `${kernel}(${a}, ${b})`).toBe(resultOf(result, promoteTypes(a, b)));
      }
    }
  });

  it('comparisons with a fractional number compare the values', () => {
    expect(tensor([1, 2], { dtype: 'int32' }).lt(1.5).toArray()).toEqual([true, false]);
  });

  it('int / int is true division in float32', () => {
    const r = tensor([1, 7], { dtype: 'int32' }).div(tensor([2, 2], { dtype: 'int32' }));
    expect(r.dtype).toBe('float32');
    expect(r.toArray()).toEqual([0.5, 3.5]);
    expect(tensor([3], { dtype: 'int32' }).div(2).toArray()).toEqual([1.5]);
  });

  it('float functions of ints give float32; neg/abs keep ints', () => {
    const i = tensor([1, -4], { dtype: 'int32' });
    expect(i.exp().dtype).toBe('float32');
    expect(i.abs().sqrt().toArray()).toEqual([1, 2]);
    expect(i.neg().dtype).toBe('int32');
    expect(i.abs().toArray()).toEqual([1, 4]);
  });

  it('sum of bool counts, as int32', () => {
    const s = tensor([true, true, false, true]).sum();
    expect(s.dtype).toBe('int32');
    expect(s.item()).toBe(3);
  });

  it('bool arithmetic stays 0/1: true + true is true', () => {
    // PyTorch: bool + bool is a logical or, bool · bool a logical and.
    const t = tensor([true, true, false]);
    const f = tensor([true, false, false]);
    expect(t.add(f).toArray()).toEqual([true, true, false]);
    expect(t.add(f).eq(tensor([true, true, false])).toArray()).toEqual([true, true, true]);
    expect(t.mul(f).toArray()).toEqual([true, false, false]);
  });
});

describe('conversions', () => {
  it('to(), float(), double(), int(), bool()', () => {
    const x = tensor([1.7, -1.7, 0]);
    expect(x.to('int32').toArray()).toEqual([1, -1, 0]);
    expect(x.int().dtype).toBe('int32');
    expect(x.bool().toArray()).toEqual([true, true, false]);
    expect(x.double().dtype).toBe('float64');
    expect(tensor([2], { dtype: 'int32' }).float().dtype).toBe('float32');
    expect(tensor([true, false]).float().toArray()).toEqual([1, 0]);
  });

  it('to() its own dtype is the tensor itself', () => {
    const x = tensor([1]);
    expect(x.to('float32')).toBe(x);
  });

  it('float32 rounds, float64 keeps the digits', () => {
    expect(tensor([0.1]).double().item()).toBe(Math.fround(0.1));
    expect(tensor([0.1], { dtype: 'float64' }).item()).toBe(0.1);
  });
});

describe('float64 precision through the math functions', () => {
  const xs = [0.1, 0.5, 1.3, 2.7, 4.2, 7.9];
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
  // The float functions of one operand, with their references (Math's where there is one).
  const floatFunctions = elementwiseSpecs.filter((s) => s.elementwise.result === 'float' && !BINARY_KERNELS.includes(s.elementwise.kernel as never));
  it.each(floatFunctions.map((s) => [s.name, s.elementwise.reference] as const))('%s matches its reference to 1e-15', (name, f) => {
    const x = tensor(xs, { dtype: 'float64' });
    const y = (x[name as 'exp'] as () => typeof x)();
    expect(y.dtype).toBe('float64');
    (y.toArray() as number[]).forEach((v, i) => expect(rel(v, f(xs[i]!))).toBeLessThan(1e-15));
  });

  it('erf matches reference values to 1e-15', () => {
    // erf from a 50-digit table (Abramowitz–Stegun values extended by mpmath).
    const ref: [number, number][] = [
      [0.1, 0.1124629160182848922],
      [0.5, 0.5204998778130465377],
      [1, 0.8427007929497148693],
      [2, 0.9953222650189527342],
      [3.5, 0.9999992569016276586],
      [-1, -0.8427007929497148693],
    ];
    const y = tensor(
      ref.map(([x]) => x),
      { dtype: 'float64' },
    ).erf();
    (y.toArray() as number[]).forEach((v, i) => expect(rel(v, ref[i]![1])).toBeLessThan(2e-15));
  });

  it('small differences survive in float64 but not in float32', () => {
    expect(tensor([1 + 1e-12], { dtype: 'float64' }).sub(1).item()).toBe(1 + 1e-12 - 1);
    expect(tensor([1 + 1e-12]).sub(1).item()).toBe(0);
  });
});

describe('dtype errors', () => {
  it('only float tensors can require grad', () => {
    expect(() => zeros([2], { dtype: 'int32' }).requiresGrad_()).toThrow(DTypeError);
    expect(() => zeros([2], { dtype: 'bool', requiresGrad: true })).toThrow(/requiresGrad_.*bool/);
  });
});
