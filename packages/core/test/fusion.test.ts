import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  autogradGrad,
  getBackend,
  noGrad,
  setBackend,
  tensor,
  wasmBackend,
  type Backend,
  type Tensor,
} from '@tapegrad/core';
import { rng } from './seeded-random.js';
import type { CpuBuffer } from '../src/backend/cpu/cpu-buffer.js';

// Deferred elementwise chains (backend/cpu/deferral.ts) on the wasm backend, the one with
// `fusion`: results against the reference backend running the same ops one
// by one, and against values worked out here; what may write into a storage
// a deferred result still reads; views, backward, double backward.
const wasm = wasmBackend();

function uniform(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

const flat = (t: Tensor): Float32Array => Float32Array.from(t.reshape([-1]).toArray() as number[]);
/** The CPU buffer under a tensor: this file tests the CPU backends' own memory. */
const bufferOf = (t: Tensor): CpuBuffer => t.storage.buffer as CpuBuffer;
const deferred = (t: Tensor): boolean => bufferOf(t).deferred !== null;

function expectClose(got: Float32Array, want: ArrayLike<number>, rel: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (Math.abs(got[i]! - w) > rel * Math.max(1, Math.abs(w))) expect({ i, got: got[i] }).toEqual({ i, got: w });
  }
}

type Step = { op: 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum'; other: 'tensor' | 'scalar' | 'expanded'; value: number } | { op: 'neg' | 'abs' | 'relu' | 'exp' | 'sigmoid' | 'tanh' | 'sqrt' | 'log' };

/** One step of a chain; exp, sqrt and log get inputs they are defined and finite on. */
function step(h: Tensor, s: Step, others: readonly Tensor[]): Tensor {
  switch (s.op) {
    case 'exp':
      return h.tanh().mul(3).exp();
    case 'sqrt':
    case 'log':
      return h.abs().add(0.5)[s.op]();
    case 'neg':
    case 'abs':
    case 'relu':
    case 'sigmoid':
    case 'tanh':
      return h[s.op]();
    default: {
      const o = s.other === 'tensor' ? others[0]! : s.other === 'expanded' ? others[1]!.expand(h.shape) : s.value;
      return s.op === 'div' ? h.div(typeof o === 'number' ? o : o.abs().add(0.5)) : h[s.op](o);
    }
  }
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constantFrom('add' as const, 'sub' as const, 'mul' as const, 'div' as const, 'maximum' as const, 'minimum' as const),
    other: fc.constantFrom('tensor' as const, 'scalar' as const, 'expanded' as const),
    value: fc.double({ min: 0.25, max: 2, noNaN: true }),
  }),
  fc.record({ op: fc.constantFrom('neg' as const, 'abs' as const, 'relu' as const, 'exp' as const, 'sigmoid' as const, 'tanh' as const, 'sqrt' as const, 'log' as const) }),
);

describe.skipIf(wasm === null)('deferred elementwise chains on the wasm backend', () => {
  let previous: Backend;
  beforeEach(() => {
    previous = getBackend();
    setBackend('wasm');
  });
  afterEach(() => setBackend(previous));

  it('defers large float32 chains, computes them when read, and sums them without computing them', () => {
    const n = 10_000;
    const [av, bv, cv] = [uniform(n, 1), uniform(n, 2), uniform(n, 3)];
    const [a, b, c] = [tensor(av), tensor(bv), tensor(cv)];
    const e = a.mul(b).add(c).exp().mul(0.5);
    expect(deferred(e)).toBe(true);
    const s = e.sum().item();
    expect(deferred(e)).toBe(true);
    let want = 0;
    for (let i = 0; i < n; i++) want += 0.5 * Math.exp(av[i]! * bv[i]! + cv[i]!);
    expect(s).toBeCloseTo(want, 0);
    expect(Math.abs(s - want) / want).toBeLessThan(1e-5);
    const values = flat(e);
    expect(deferred(e)).toBe(false);
    expectClose(values, Array.from(av, (x, i) => 0.5 * Math.exp(x * bv[i]! + cv[i]!)), 2e-6);
    // Small tensors, other dtypes and non-fused kernels run at once.
    expect(deferred(tensor([1, 2, 3]).mul(2))).toBe(false);
    expect(deferred(a.double().mul(2))).toBe(false);
    expect(deferred(a.sin())).toBe(false);
  });

  it('matches the reference backend running the same ops one by one (property)', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 4096, max: 20_000 }), fc.integer(), (steps, n, seed) => {
        const [xv, yv, zv] = [uniform(n, seed), uniform(n, seed + 1), uniform(1, seed + 2)];
        const run = (): { out: Float32Array; sum: number } => {
          const others = [tensor(yv), tensor(zv)];
          let h = tensor(xv);
          for (const s of steps) h = step(h, s, others);
          return { sum: h.sum().item(), out: flat(h) };
        };
        const fused = run();
        setBackend('js');
        const reference = run();
        setBackend('wasm');
        expectClose(fused.out, reference.out, 1e-4);
        expect(Math.abs(fused.sum - reference.sum)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(reference.sum)));
      }),
      { numRuns: 40, seed: 42 },
    );
  });

  it('reads bias rows, per-channel values and bool masks inside expressions, as the reference does', () => {
    const compare = (make: () => Tensor, expectDeferred: boolean): void => {
      const fused = make();
      expect(deferred(fused)).toBe(expectDeferred);
      const got = flat(fused);
      setBackend('js');
      const want = flat(make());
      setBackend('wasm');
      expectClose(got, want, 2e-6);
    };
    const x = tensor(uniform(64 * 256, 91)).reshape([64, 256]);
    const bias = tensor(uniform(256, 92));
    compare(() => x.add(bias).relu(), true);
    compare(() => bias.sub(x).mul(bias).tanh(), true);
    const img = tensor(uniform(4 * 8 * 16 * 16, 93)).reshape([4, 8, 16, 16]);
    const perChannel = tensor(uniform(8, 94)).reshape([8, 1, 1]);
    compare(() => img.mul(perChannel).add(perChannel).sigmoid(), true);
    compare(() => img.mul(img.gt(0)), true);
    compare(() => img.mul(img.gt(0).narrow(0, 1, 1)), true); // a bool mask broadcast over the batch: rows of 2048
    // Rows shorter than 64 floats, and layouts that are neither rows nor runs, run at once.
    const narrow = tensor(uniform(1024 * 10, 95)).reshape([1024, 10]);
    compare(() => narrow.add(tensor(uniform(10, 96))), false);
    const transposed = tensor(uniform(256 * 64, 97)).reshape([256, 64]).transpose(0, 1);
    compare(() => x.add(transposed), false);
  });

  it('writes a bias row or per-channel values in place through the fused evaluator', () => {
    const xv = uniform(64 * 256, 101);
    const bv = uniform(256, 102);
    const x = tensor(xv).reshape([64, 256]);
    const array = bufferOf(x).data;
    noGrad(() => x.add_(tensor(bv)));
    expect(bufferOf(x).data).toBe(array);
    expectClose(flat(x), Array.from(xv, (v, i) => Math.fround(v + bv[i % 256]!)), 0);
    const img = tensor(uniform(4 * 8 * 256, 103)).reshape([4, 8, 16, 16]);
    const before = flat(img);
    const scale = uniform(8, 104);
    noGrad(() => img.mul_(tensor(scale).reshape([8, 1, 1])).div_(tensor(scale).reshape([8, 1, 1]).add(1)));
    expectClose(flat(img), Array.from(before, (v, i) => (v * scale[(i >> 8) % 8]!) / (scale[(i >> 8) % 8]! + 1)), 1e-6);
  });

  it('runs a chain longer than one expression bit for bit like float32 arithmetic', () => {
    const n = 5000;
    const xv = uniform(n, 7);
    let h = tensor(xv);
    for (let i = 0; i < 100; i++) h = i % 2 ? h.mul(1.01) : h.add(-0.003);
    const want = Float32Array.from(xv, (x) => {
      let v = x;
      for (let i = 0; i < 100; i++) v = Math.fround(i % 2 ? v * Math.fround(1.01) : v + Math.fround(-0.003));
      return v;
    });
    expect(Array.from(flat(h))).toEqual(Array.from(want));
  });

  it('counts a subexpression used twice once, and builds on a computed operand past the limit', () => {
    const n = 5000;
    const [xv, yv] = [uniform(n, 11), uniform(n, 12)];
    // h: 10 operations on x with a number each (21 nodes). h·h spells out 43 nodes as a tree, 22 distinct: still deferred.
    const chain = (t: Tensor): Tensor => {
      let h = t;
      for (let i = 0; i < 10; i++) h = i % 2 ? h.mul(0.99) : h.add(0.01);
      return h;
    };
    const h = chain(tensor(xv));
    const square = h.mul(h);
    expect(deferred(square)).toBe(true);
    // h + k with k 21 other nodes: 43 distinct. h, the first of two equal sides, is computed; the sum is still deferred.
    const k = chain(tensor(yv));
    const sum = h.add(k);
    expect(deferred(sum)).toBe(true);
    expect([deferred(h), deferred(k)]).toEqual([false, true]);
    const ref = (v: number): number => {
      let r = v;
      for (let i = 0; i < 10; i++) r = Math.fround(i % 2 ? r * Math.fround(0.99) : r + Math.fround(0.01));
      return r;
    };
    expect(Array.from(flat(square))).toEqual(Array.from(xv, (x) => Math.fround(ref(x) * ref(x))));
    expect(Array.from(flat(sum))).toEqual(Array.from(xv, (x, i) => Math.fround(ref(x) + ref(yv[i]!))));
  });

  it('keeps the values it was made from when an input is written in place afterwards', () => {
    const n = 8192;
    const xv = uniform(n, 11);
    const x = tensor(xv);
    const doubled = x.mul(2);
    const plusOne = x.add(1);
    expect(deferred(doubled)).toBe(true);
    const before = bufferOf(x).data;
    noGrad(() => x.add_(100));
    // Copy-on-write: x moved to a new array, and the readers were not computed.
    expect(bufferOf(x).data).not.toBe(before);
    expect(deferred(doubled)).toBe(true);
    expectClose(flat(doubled), Array.from(xv, (v) => 2 * v), 1e-6);
    // With no reader left, a write goes into the array itself.
    const now = bufferOf(x).data;
    noGrad(() => x.mul_(1));
    expect(bufferOf(x).data).toBe(now);
    const y = x.mul(3);
    noGrad(() => x.zero_());
    expectClose(flat(y), Array.from(xv, (v) => 3 * (v + 100)), 1e-6);
    expectClose(flat(plusOne), Array.from(xv, (v) => v + 1), 1e-6);
    const z = x.add(5);
    x.copy_(tensor(uniform(n, 12)));
    expect(new Set(flat(z))).toEqual(new Set([5]));
  });

  it('writes into a deferred tensor and into views of it', () => {
    const n = 8192;
    const xv = uniform(n, 13);
    const y = tensor(xv).mul(2);
    noGrad(() => y.add_(1));
    expectClose(flat(y), Array.from(xv, (v) => 2 * v + 1), 1e-6);
    const z = tensor(xv).add(3).reshape([64, 128]);
    noGrad(() => z.narrow(0, 0, 1).zero_());
    const got = flat(z);
    expectClose(got.subarray(0, 128), new Array<number>(128).fill(0), 0);
    expectClose(got.subarray(128), Array.from(xv.subarray(128), (v) => v + 3), 1e-6);
  });

  it('reads views of a deferred tensor (reshape, transpose, slice, expand) as its values', () => {
    const xv = uniform(64 * 128, 17);
    const y = tensor(xv).reshape([64, 128]).mul(-1);
    const t = flat(y.transpose(0, 1).contiguous());
    expect(t[1]).toBeCloseTo(-xv[128]!, 6);
    expect(t[64]).toBeCloseTo(-xv[1]!, 6);
    const rows = flat(y.narrow(0, 10, 2));
    expectClose(rows, Array.from(xv.subarray(1280, 1536), (v) => -v), 0);
    const spread = flat(y.narrow(0, 3, 1).expand([4, 128]));
    expectClose(spread, Array.from({ length: 512 }, (_, i) => -xv[384 + (i % 128)]!), 0);
    // An operand that is a strided view of a deferred tensor computes it first.
    const mixed = flat(y.transpose(0, 1).add(y.transpose(0, 1)));
    expect(mixed[1]).toBeCloseTo(-2 * xv[128]!, 5);
  });

  it('differentiates through deferred chains: gradients by hand, and accumulation into .grad', () => {
    const n = 6000;
    const [av, bv, cv] = [uniform(n, 21, -1, 1), uniform(n, 22, -1, 1), uniform(n, 23, -1, 1)];
    const a = tensor(av, { requiresGrad: true });
    const [b, c] = [tensor(bv), tensor(cv)];
    const loss = (): Tensor => a.mul(b).add(c).exp().mul(0.5).sum();
    loss().backward();
    expect(deferred(a.grad!)).toBe(true);
    // d/da Σ 0.5·exp(a·b + c) = 0.5·exp(a·b + c)·b
    const once = Array.from(av, (x, i) => 0.5 * Math.exp(x * bv[i]! + cv[i]!) * bv[i]!);
    expectClose(flat(a.grad!), once, 2e-6);
    loss().backward();
    expectClose(flat(a.grad!), once.map((g) => 2 * g), 2e-6);
  });

  it('takes second derivatives through deferred chains', () => {
    const n = 5000;
    const [av, bv] = [uniform(n, 31, -1, 1), uniform(n, 32, -1, 1)];
    const a = tensor(av, { requiresGrad: true });
    const b = tensor(bv);
    const [g] = autogradGrad([a.mul(b).exp().sum()], [a], undefined, { createGraph: true });
    // d/da Σ exp(a·b) = b·exp(a·b); d/da Σ b·exp(a·b) = b²·exp(a·b)
    expectClose(flat(g!), Array.from(av, (x, i) => bv[i]! * Math.exp(x * bv[i]!)), 2e-6);
    g!.sum().backward();
    expectClose(flat(a.grad!), Array.from(av, (x, i) => bv[i]! * bv[i]! * Math.exp(x * bv[i]!)), 2e-6);
  });

  it('keeps a deferred .grad right while later passes recycle memory', () => {
    const n = 8192;
    const av = uniform(n, 41, -1, 1);
    const a = tensor(av, { requiresGrad: true });
    a.mul(a).sum().backward();
    const kept = a.grad!;
    expect(deferred(kept)).toBe(true);
    for (let i = 0; i < 4; i++) {
      const x = tensor(uniform(n, 50 + i)).requiresGrad_();
      x.matmul(tensor(uniform(n, 60 + i)).reshape([n, 1])).exp().sum().backward();
      x.reshape([64, 128]).matmul(tensor(uniform(128 * 64, 70)).reshape([128, 64])).sum().backward();
    }
    expectClose(flat(kept), Array.from(av, (x) => 2 * x), 1e-6);
  });

  it('computes a deferred tensor read after switching to another backend', () => {
    const xv = uniform(8192, 81);
    const y = tensor(xv).add(1).mul(3);
    setBackend('js');
    expectClose(flat(y), Array.from(xv, (v) => 3 * (v + 1)), 1e-6);
  });
});
