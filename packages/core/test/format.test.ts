import { describe, expect, it } from 'vitest';
import { arange, tensor, zeros } from '@tapegrad/core';

describe('toString prints like PyTorch', () => {
  it('integral floats with a trailing dot, rows aligned under each other', () => {
    expect(String(tensor([[1, 2], [3, 4]]))).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(String(tensor([1, -10, 100]))).toBe('tensor([  1., -10., 100.])');
  });

  it('four decimals', () => {
    expect(String(tensor([1.5, 2]))).toBe('tensor([1.5000, 2.0000])');
    expect(String(tensor([0.123456, -2.5]))).toBe('tensor([ 0.1235, -2.5000])');
  });

  it('0-d tensors', () => {
    expect(String(tensor(3))).toBe('tensor(3.)');
    expect(String(tensor(0.5))).toBe('tensor(0.5000)');
  });

  it('3-d tensors: a blank line between matrices', () => {
    expect(String(arange(8).reshape([2, 2, 2]))).toBe(
      'tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])',
    );
  });

  it('scientific notation when the range is wide or the values tiny or huge', () => {
    expect(String(tensor([1e-5, 1]))).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(String(tensor([0.5, 2000]))).toBe('tensor([5.0000e-01, 2.0000e+03])');
    // integral values too, once they span more than three decades
    expect(String(tensor([1, 1e6]))).toBe('tensor([1.0000e+00, 1.0000e+06])');
    expect(String(tensor([1e9]))).toBe('tensor([1.0000e+09])');
  });

  it('nan and inf', () => {
    expect(String(tensor([Number.NaN, Infinity, -Infinity, 1]))).toBe('tensor([nan, inf, -inf, 1.])');
  });

  it('shows a dtype that is not the default, and requiresGrad or gradFn', () => {
    expect(String(tensor([1, 2], { dtype: 'float64' }))).toBe('tensor([1., 2.], dtype=float64)');
    expect(String(tensor([1, 2], { dtype: 'int32' }))).toBe('tensor([1, 2])');
    expect(String(tensor([true, false]))).toBe('tensor([ true, false])');
    const x = tensor([1], { requiresGrad: true });
    expect(String(x)).toBe('tensor([1.], requiresGrad=true)');
    expect(String(x.mul(2))).toBe('tensor([2.], gradFn=<mul>)');
  });

  it('empty tensors', () => {
    expect(String(zeros([0]))).toBe('tensor([])');
    expect(String(zeros([0, 3]))).toBe('tensor([], size=[0, 3])');
  });

  it('elides the middle of more than 1000 elements', () => {
    const s = String(arange(1001));
    expect(s).toBe('tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.], shape=[1001])');
    const m = String(arange(2000).reshape([40, 50]).add(1000));
    const lines = m.split('\n');
    expect(lines[0]).toBe('tensor([[1000., 1001., 1002.,  ..., 1047., 1048., 1049.],');
    expect(lines).toContain('        ...,');
    expect(lines[lines.length - 1]).toBe('        [2950., 2951., 2952.,  ..., 2997., 2998., 2999.]], shape=[40, 50])');
    expect(lines.length).toBe(7);
    // the formatter looks only at the values shown: 0…1999 span more than three decades
    expect(String(arange(2000).reshape([40, 50]))).toMatch(/^tensor\(\[\[0\.0000e\+00, 1\.0000e\+00/);
    // 1000 elements exactly are printed in full
    expect(String(arange(1000))).not.toContain('...');
  });
});
