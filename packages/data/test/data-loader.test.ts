import { Generator, arange, tensor, type Tensor } from '@tapegrad/core';
import { DataLoader, Subset, TensorDataset, defaultCollate, randomSplit, type Dataset } from '@tapegrad/data';
import { describe, expect, it } from 'vitest';

const x = arange(20).reshape([10, 2]);
const y = arange(10).to('int32');
const ds = new TensorDataset(x, y);

describe('TensorDataset', () => {
  it('indexes the first dimension of every tensor', () => {
    const [xi, yi] = ds.get(3);
    expect(ds.length).toBe(10);
    expect(xi!.toArray()).toEqual([6, 7]);
    expect(yi!.shape).toEqual([]);
    expect(yi!.item()).toBe(3);
  });

  it('getBatch gives what the default collate of the items gives', () => {
    const idx = [4, 0, 7];
    const fast = ds.getBatch(idx);
    const slow = defaultCollate(idx.map((i) => ds.get(i)));
    expect(fast.map((t) => t.toArray())).toEqual(slow.map((t) => t.toArray()));
    expect(fast.map((t) => t.dtype)).toEqual(['float32', 'int32']);
  });
});

describe('randomSplit', () => {
  it('cuts one seeded permutation by counts', () => {
    const [a, b] = randomSplit(ds, [7, 3], { generator: new Generator(1) });
    expect([a!.length, b!.length]).toEqual([7, 3]);
    expect([...a!.indices, ...b!.indices].sort((p, q) => p - q)).toEqual([...Array(10).keys()]);
    const [again] = randomSplit(ds, [7, 3], { generator: new Generator(1) });
    expect(again!.indices).toEqual(a!.indices);
  });

  it('deals the remainder of fractions round-robin, as PyTorch does', () => {
    // floor(10 · 0.33) = 3 three times, remainder 1 to the first subset.
    expect(randomSplit(ds, [0.33, 0.33, 0.34], { generator: new Generator(0) }).map((s) => s.length)).toEqual([4, 3, 3]);
    expect(randomSplit(ds, [0.5, 0.5]).map((s) => s.length)).toEqual([5, 5]);
  });

  it('subsets batch through the dataset they wrap', () => {
    const sub = new Subset(ds, [9, 8, 7]);
    expect(sub.getBatch!([0, 2])[1]!.toArray()).toEqual([9, 7]);
    expect(new Subset<number>({ length: 3, get: (i) => i }, [2]).getBatch).toBeUndefined();
  });
});

describe('DataLoader', () => {
  const ys = (loader: Iterable<Tensor[]>): number[][] => [...loader].map(([, yb]) => yb!.toArray() as number[]);

  it('batches in order, with a short last batch unless dropLast', () => {
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    expect(ys(loader)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const [xb] = [...loader][0]!;
    expect(xb!.shape).toEqual([4, 2]);
    const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect(ys(dropped)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  it('shuffles with a seeded generator, a new order every pass', () => {
    const a = new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(5) });
    const b = new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(5) });
    const first = ys(a);
    expect(ys(b)).toEqual(first);
    expect(first.flat().sort((p, q) => p - q)).toEqual([...Array(10).keys()]);
    expect(ys(a)).not.toEqual(first);
  });

  it('collates tuples, objects, numbers and booleans as default_collate does', () => {
    const items: Dataset<{ x: Tensor; label: number; ok: boolean; name: string; pair: [number, Tensor] }> = {
      length: 5,
      get: (i) => ({ x: tensor([i, -i]), label: i, ok: i % 2 === 0, name: `n${i}`, pair: [i * 10, tensor(i)] }),
    };
    const [batch] = [...new DataLoader(items, { batchSize: 3 })];
    expect(batch!.x.toArray()).toEqual([[0, -0], [1, -1], [2, -2]]);
    expect(batch!.label.toArray()).toEqual([0, 1, 2]);
    expect(batch!.ok.dtype).toBe('bool');
    expect(batch!.name).toEqual(['n0', 'n1', 'n2']);
    expect(batch!.pair[0].toArray()).toEqual([0, 10, 20]);
    expect(batch!.pair[1].toArray()).toEqual([0, 1, 2]);
  });

  it('uses a custom collate on items from get', () => {
    const loader = new DataLoader(ds, { batchSize: 5, collate: (items) => items.length });
    expect([...loader]).toEqual([5, 5]);
  });

  it('awaits a dataset whose get returns promises, with for await', async () => {
    const slow: Dataset<Promise<[Tensor, number]>> = { length: 5, get: async (i) => [tensor([i]), i] };
    const seen: number[][] = [];
    for await (const [xb, yb] of new DataLoader(slow, { batchSize: 2 })) {
      expect(xb.shape[1]).toBe(1);
      seen.push(yb.toArray() as number[]);
    }
    expect(seen).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('for await also iterates an in-memory dataset', async () => {
    const seen: number[][] = [];
    for await (const [, yb] of new DataLoader(ds, { batchSize: 6 })) seen.push(yb!.toArray() as number[]);
    expect(seen).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9]]);
  });

  it('an empty dataset yields no batch', () => {
    expect([...new DataLoader({ length: 0, get: () => 0 })]).toEqual([]);
  });
});
