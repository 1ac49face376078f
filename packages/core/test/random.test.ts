import { describe, expect, it } from 'vitest';
import { Generator, defaultGenerator, manualSeed, rand, randint, randn, randperm, randLike, randnLike, zeros } from '@tapegrad/core';

// An independent model of the generator in BigInt arithmetic: xoshiro128**
// (Blackman and Vigna) seeded by four draws of splitmix32 with MurmurHash3's
// fmix32 finaliser, as the Generator documents.
const M32 = 0xffffffffn;
const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M32;

function splitmix32(seed: bigint): () => bigint {
  let x = seed & M32;
  return () => {
    x = (x + 0x9e3779b9n) & M32;
    let z = x;
    z = ((z ^ (z >> 16n)) * 0x85ebca6bn) & M32;
    z = ((z ^ (z >> 13n)) * 0xc2b2ae35n) & M32;
    return (z ^ (z >> 16n)) & M32;
  };
}

function xoshiro128ss(state: bigint[]): () => bigint {
  const s = state.slice();
  return () => {
    const result = (rotl((s[1]! * 5n) & M32, 7n) * 9n) & M32;
    const t = (s[1]! << 9n) & M32;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11n);
    return result;
  };
}

function model(seed: number): () => bigint {
  const sm = splitmix32(BigInt(seed));
  return xoshiro128ss([sm(), sm(), sm(), sm()]);
}

describe('Generator', () => {
  it('matches the published xoshiro128** output for the state [1, 2, 3, 4]', () => {
    // Reference output of the authors' C implementation.
    const g = new Generator().setState([1, 2, 3, 4]);
    const got = Array.from({ length: 6 }, () => g.nextUint32());
    expect(got).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('seeds through splitmix32: the first numbers of seeds 0 and 42', () => {
    for (const seed of [0, 42]) {
      const m = model(seed);
      const g = new Generator(seed);
      for (let i = 0; i < 8; i++) expect(g.nextUint32()).toBe(Number(m()));
    }
  });

  it('nextFloat takes 53 bits from two draws', () => {
    const m = model(7);
    const g = new Generator(7);
    for (let i = 0; i < 4; i++) {
      const hi = Number(m() >> 5n);
      const lo = Number(m() >> 6n);
      expect(g.nextFloat()).toBe((hi * 2 ** 26 + lo) / 2 ** 53);
    }
  });

  it('same seed, same numbers; another seed, other numbers', () => {
    const a = randn([50], { generator: new Generator(3) });
    const b = randn([50], { generator: new Generator(3) });
    const c = randn([50], { generator: new Generator(4) });
    expect(a.equal(b)).toBe(true);
    expect(a.equal(c)).toBe(false);
  });

  it('manualSeed restarts the stream, also of the default generator', () => {
    const g = new Generator(5);
    const first = rand([10], { generator: g });
    g.manualSeed(5);
    expect(rand([10], { generator: g }).equal(first)).toBe(true);

    manualSeed(11);
    const x = randn([7]);
    manualSeed(11);
    expect(randn([7]).equal(x)).toBe(true);
    expect(rand([3], { generator: new Generator(11) }).equal(rand([3], { generator: defaultGenerator.manualSeed(11) }))).toBe(true);
  });

  it('manualSeed drops a cached second normal', () => {
    const g = new Generator(9);
    const first = g.nextNormal();
    g.nextNormal();
    g.nextNormal(); // leaves a spare behind
    g.manualSeed(9);
    expect(g.nextNormal()).toBe(first);
  });

  it('getState and setState replay a stream', () => {
    const g = new Generator(1);
    g.nextNormal(); // the spare is part of the state
    const s = g.getState();
    const a = [g.nextNormal(), g.nextNormal(), g.nextFloat()];
    g.setState(s);
    expect([g.nextNormal(), g.nextNormal(), g.nextFloat()]).toEqual(a);
  });

  it('split gives streams independent of each other and of the parent', () => {
    const g = new Generator(0);
    const c1 = g.split();
    const c2 = g.split();
    const n = 64;
    const seqs = [c1, c2, g].map((r) => Array.from({ length: n }, () => r.nextUint32()));
    const [s1, s2, s3] = seqs as [number[], number[], number[]];
    // No shared values at all between the three streams (a collision of two
    // 32-bit draws among 64×64 pairs has probability below 1e-6).
    const all = new Set([...s1, ...s2, ...s3]);
    expect(all.size).toBe(3 * n);
    // Splitting is deterministic.
    expect(new Generator(0).split().nextUint32()).toBe(s1[0]);
  });

  it('split advances the parent and is reproducible', () => {
    const a = new Generator(21);
    const b = new Generator(21);
    a.split();
    b.split();
    expect(a.nextUint32()).toBe(b.nextUint32());
    expect(new Generator(21).split().nextFloat()).toBe(new Generator(21).split().nextFloat());
  });
});

describe('random tensors', () => {
  it('rand is in [0, 1) with mean 1/2 and variance 1/12', () => {
    const x = rand([100_000], { generator: new Generator(123), dtype: 'float64' });
    expect(x.min().item()).toBeGreaterThanOrEqual(0);
    expect(x.max().item()).toBeLessThan(1);
    // Standard errors: 1/sqrt(12·1e5) ≈ 0.0009 for the mean.
    expect(Math.abs(x.mean().item() - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(x.var().item() - 1 / 12)).toBeLessThan(0.002);
  });

  it('randn has mean 0, std 1 and the normal tails', () => {
    const x = randn([100_000], { generator: new Generator(2024), dtype: 'float64' });
    // Standard error of the mean is 0.003, of the std about 0.0022.
    expect(Math.abs(x.mean().item())).toBeLessThan(0.015);
    expect(Math.abs(x.std().item() - 1)).toBeLessThan(0.012);
    // P(|z| > 1.96) = 0.05.
    const tail = x.abs().gt(1.96).sum().item() / 100_000;
    expect(Math.abs(tail - 0.05)).toBeLessThan(0.005);
    // Skewness near 0.
    expect(Math.abs(x.pow(3).mean().item())).toBeLessThan(0.05);
  });

  it('randint covers [low, high) uniformly', () => {
    const x = randint(-2, 3, [50_000], { generator: new Generator(5) });
    expect(x.dtype).toBe('int32');
    expect(x.min().item()).toBe(-2);
    expect(x.max().item()).toBe(2);
    for (let v = -2; v <= 2; v++) {
      const share = x.eq(v).sum().item() / 50_000;
      expect(Math.abs(share - 0.2)).toBeLessThan(0.01);
    }
    expect(() => randint(3, 3, [2])).toThrow(/randint/);
  });

  it('randperm is a permutation, reproducible by seed', () => {
    const p = randperm(20, { generator: new Generator(8) });
    expect(p.dtype).toBe('int32');
    const vals = (p.toArray() as number[]).slice().sort((a, b) => a - b);
    expect(vals).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(randperm(20, { generator: new Generator(8) }).equal(p)).toBe(true);
    expect(randperm(0).numel).toBe(0);
  });

  it('randLike and randnLike take shape and dtype', () => {
    const x = zeros([2, 3], { dtype: 'float64' });
    const r = randLike(x, { generator: new Generator(1) });
    expect(r.shape).toEqual([2, 3]);
    expect(r.dtype).toBe('float64');
    expect(randnLike(x).shape).toEqual([2, 3]);
  });
});
