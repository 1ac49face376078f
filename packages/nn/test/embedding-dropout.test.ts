import { describe, expect, it } from 'vitest';
import { DTypeError, Generator, IndexError, ones, randn, tensor } from '@tapegrad/core';
import { gradcheck } from '@tapegrad/core/testing';
import { Dropout, Embedding, dropout, embedding } from '@tapegrad/nn';

const f64 = { dtype: 'float64' } as const;
const ids = (v: number[][] | number[]) => tensor(v, { dtype: 'int32' });

describe('Embedding', () => {
  it('looks up rows, shaped [...input, dim]', () => {
    const weight = tensor([[0, 0], [1, 2], [3, 4]], f64);
    expect(embedding(ids([[2, 1], [1, 1]]), weight).toArray()).toEqual([[[3, 4], [1, 2]], [[1, 2], [1, 2]]]);
    const emb = new Embedding(10, 4, { generator: new Generator(0) });
    expect(emb.forward(ids([[1, 2, 3]])).shape).toEqual([1, 3, 4]);
  });

  it('zero-initialises the padding row and gives it no gradient', () => {
    const emb = new Embedding(4, 3, { paddingIdx: 0, dtype: 'float64', generator: new Generator(3) });
    expect(emb.weight.select(0, 0).toArray()).toEqual([0, 0, 0]);
    emb.forward(ids([0, 1, 0, 2, 1])).sum().backward();
    expect(emb.weight.grad!.toArray()).toEqual([[0, 0, 0], [2, 2, 2], [1, 1, 1], [0, 0, 0]]);
    // negative paddingIdx counts from the end
    expect(new Embedding(4, 2, { paddingIdx: -1 }).paddingIdx).toBe(3);
  });

  it('passes gradcheck on the table', () => {
    const w = randn([5, 2], { ...f64, generator: new Generator(1) }).requiresGrad_();
    gradcheck((t) => embedding(ids([[4, 0], [0, 2]]), t), [w]);
    // with a padding row that is never looked up, the gradient is unchanged
    gradcheck((t) => embedding(ids([[4, 0], [0, 2]]), t, { paddingIdx: 3 }), [w]);
  });

  it('rejects bad indices', () => {
    const emb = new Embedding(3, 2);
    expect(() => emb.forward(ids([3]))).toThrow(/embedding: index 3 is out of range for 3 embeddings/);
    expect(() => emb.forward(tensor([1]))).toThrow(DTypeError);
    expect(() => new Embedding(3, 2, { paddingIdx: 3 })).toThrow(IndexError);
  });
});

describe('Dropout', () => {
  it('zeroes with probability p and scales the kept elements by 1/(1 − p)', () => {
    const y = dropout(ones([10000], f64), 0.25, { generator: new Generator(5) });
    const v = Array.from(y.data);
    expect(new Set(v)).toEqual(new Set([0, 1 / 0.75]));
    const dropped = v.filter((x) => x === 0).length / v.length;
    expect(dropped).toBeGreaterThan(0.22);
    expect(dropped).toBeLessThan(0.28);
  });

  it('is reproducible with a seeded generator and the identity in eval mode', () => {
    const x = randn([50], f64);
    const a = new Dropout(0.5, { generator: new Generator(9) }).forward(x);
    const b = new Dropout(0.5, { generator: new Generator(9) }).forward(x);
    expect(a.equal(b)).toBe(true);
    const drop = new Dropout(0.5);
    expect(drop.eval().forward(x)).toBe(x);
    expect(dropout(x, 0.5, { training: false })).toBe(x);
    expect(dropout(x, 1).abs().sum().item()).toBe(0);
  });

  it('sends gradients through the kept elements only', () => {
    const x = randn([20], f64).requiresGrad_();
    gradcheck((t) => dropout(t, 0.3, { generator: new Generator(2) }), [x]);
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => new Dropout(1.5)).toThrow(/Dropout: the drop probability must be in \[0, 1\], got 1.5/);
    expect(() => dropout(ones([2]), -0.1)).toThrow();
  });
});
