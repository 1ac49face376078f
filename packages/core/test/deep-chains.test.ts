import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '@tapegrad/core';
import { rng } from './seeded-random.js';

// Float32 elementwise results of 4096 elements and more are deferred and fused
// on the wasm backend. A right-deep chain (each op's right operand is the
// deferred chain so far) must evaluate at any depth, as a left-deep one does.

const N = 4096;
const input = (seed: number): Tensor => {
  const r = rng(seed);
  return tensor(Array.from({ length: N }, () => 2 * r() - 1));
};

/** `xs[0] op (xs[1] op (… op xs[depth]))`, evaluated in float64 element by element. */
function expected(xs: readonly Float32Array[], ops: readonly ('add' | 'mul')[]): Float64Array {
  const out = Float64Array.from(xs[xs.length - 1]!);
  for (let i = ops.length - 1; i >= 0; i--) {
    const x = xs[i]!;
    for (let j = 0; j < N; j++) out[j] = ops[i] === 'add' ? x[j]! + out[j]! : x[j]! * out[j]!;
  }
  return out;
}

describe('right-deep fused chains', () => {
  it('right-deep fused chains of every depth up to 32 evaluate', () => {
    const failures: string[] = [];
    for (let depth = 1; depth <= 32; depth++) {
      const ts = Array.from({ length: depth + 1 }, (_, i) => input(1000 * depth + i));
      const ops = Array.from({ length: depth }, (_, i): 'add' | 'mul' => (i % 2 === 0 ? 'add' : 'mul'));
      try {
        let acc = ts[depth]!;
        for (let i = depth - 1; i >= 0; i--) acc = ops[i] === 'add' ? ts[i]!.add(acc) : ts[i]!.mul(acc);
        const got = acc.data as Float32Array;
        const want = expected(ts.map((t) => t.data as Float32Array), ops);
        const worst = want.reduce((m, w, j) => Math.max(m, Math.abs(got[j]! - w) / (1 + Math.abs(w))), 0);
        if (!(worst < 1e-4)) failures.push(`depth ${depth}: off by ${worst}`);
      } catch (e) {
        failures.push(`depth ${depth}: ${String(e)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('a Horner-form polynomial of degree 12 evaluates', () => {
    const x = input(7);
    const coefficients = Array.from({ length: 13 }, (_, i) => 1 / (i + 1));
    // c0 + x·(c1 + x·(c2 + …)): each product's right operand is the deferred rest
    let p: Tensor = x.mul(coefficients[12]!).add(coefficients[11]!);
    for (let i = 10; i >= 0; i--) p = x.mul(p).add(coefficients[i]!);
    const xs = x.data as Float32Array;
    const got = p.data as Float32Array;
    for (let j = 0; j < N; j += 97) {
      const want = coefficients.reduceRight((acc, c) => acc * xs[j]! + c, 0);
      expect(got[j]).toBeCloseTo(want, 4);
    }
  });
});
