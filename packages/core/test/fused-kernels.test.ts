import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FusedExpr } from '../src/backend/cpu/fusion.js';
import type { ArrayView } from '../src/backend/cpu/cpu-kernels.js';
import { createWasmKernels } from '../src/backend/wasm/wasm-backend.js';
import { rng } from './seeded-random.js';

// The wasm backend evaluates a deferred elementwise expression with one
// generated kernel per expression shape (backend/wasm/modules/fused-module.ts),
// cached by that shape. Its results must be the very bits of the streaming
// kernels run one operation at a time, shared subexpressions and repeated
// leaves included, and two expressions that differ only in what they share
// must not be given each other's kernel.
const wasm = createWasmKernels();
const UNARY = ['neg', 'abs', 'sqrt', 'relu', 'exp', 'sigmoid', 'tanh', 'log', 'erf'] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;

function uniform(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => 4 * r() - 2);
}

const whole = (data: Float32Array, n: number, offset = 0): ArrayView => ({ data, shape: [n], strides: [1], offset });

/** `e` computed operation by operation with the backend's streaming kernels; shared nodes computed once. */
function oneByOne(e: FusedExpr, n: number, memo = new Map<FusedExpr, Float32Array>()): Float32Array {
  const seen = memo.get(e);
  if (seen !== undefined) return seen;
  const k = wasm!.kernels;
  let out: Float32Array;
  switch (e.kind) {
    case 'scalar':
      out = new Float32Array(n).fill(e.value);
      break;
    case 'input':
      out = Float32Array.from(e.data.subarray(e.offset, e.offset + n));
      break;
    case 'broadcast': {
      const row = e.view.shape[1]!;
      out = Float32Array.from({ length: n }, (_, i) => e.view.data[e.view.offset + (i % row)]!);
      break;
    }
    case 'unary':
      out = k.unary(e.op, whole(oneByOne(e.x, n, memo), n), 'float32') as Float32Array;
      break;
    case 'binary':
      out = k.binary(e.op, whole(oneByOne(e.a, n, memo), n), whole(oneByOne(e.b, n, memo), n), 'float32') as Float32Array;
      break;
  }
  memo.set(e, out);
  return out;
}

/** Bitwise equality, NaN payloads aside. */
function expectSameBits(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const same = Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
    if (!same) expect({ i, got: got[i] }).toEqual({ i, got: want[i] });
  }
}

type Plan = { op: number; pick: number; pick2: number; kind: 'unary' | 'binary' | 'leaf' | 'scalar'; value: number };

/**
 * An expression DAG from a plan: each step makes a node from earlier ones
 * (picked by index, so later steps reuse, and share, earlier nodes), a leaf
 * among a few arrays and offsets (equal leaves repeat), a broadcast row or a number.
 */
function build(plan: readonly Plan[], n: number, seed: number): FusedExpr {
  const arrays = [uniform(n + 8, seed), uniform(n + 8, seed + 1), uniform(n + 8, seed + 2)];
  const row = uniform(64, seed + 3);
  const nodes: FusedExpr[] = [{ kind: 'input', data: arrays[0]!, offset: 0 }];
  for (const p of plan) {
    const pick = (k: number): FusedExpr => nodes[k % nodes.length]!;
    switch (p.kind) {
      case 'leaf':
        nodes.push(
          p.op % 4 === 3
            ? { kind: 'broadcast', view: { data: row, shape: [n / 64, 64], strides: [0, 1], offset: 0 } }
            : { kind: 'input', data: arrays[p.op % 3]!, offset: p.pick % 3 },
        );
        break;
      case 'scalar':
        nodes.push({ kind: 'scalar', value: p.value });
        break;
      case 'unary':
        nodes.push({ kind: 'unary', op: UNARY[p.op % UNARY.length]!, x: pick(p.pick) });
        break;
      case 'binary':
        nodes.push({ kind: 'binary', op: BINARY[p.op % BINARY.length]!, a: pick(p.pick), b: pick(p.pick2) });
        break;
    }
  }
  // The root: the last operation made, or one on the last node.
  const last = nodes[nodes.length - 1]!;
  return last.kind === 'unary' || last.kind === 'binary' ? last : { kind: 'unary', op: 'tanh', x: last };
}

const planArb = fc.array(
  fc.record({
    op: fc.nat(100),
    pick: fc.nat(100),
    pick2: fc.nat(100),
    kind: fc.constantFrom('unary', 'binary', 'binary', 'leaf', 'scalar') as fc.Arbitrary<Plan['kind']>,
    value: fc.double({ min: -3, max: 3, noNaN: true }),
  }),
  { minLength: 1, maxLength: 30 },
);

describe.skipIf(wasm === null)('fused expressions in one generated kernel', () => {
  it('give the bits of the streaming kernels run one by one, on DAGs with shared nodes and repeated leaves', () => {
    fc.assert(
      fc.property(planArb, fc.integer({ min: 64, max: 320 }), fc.integer(), (plan, rows, seed) => {
        const n = rows * 64;
        const e = build(plan, n, seed);
        expectSameBits(wasm!.fusion.evaluate(e, n), oneByOne(e, n));
      }),
      { numRuns: 120, seed: 20261206 },
    );
  });

  it('do not hand an expression the kernel of one that differs only in what it shares', () => {
    const n = 4100;
    const [x, y] = [uniform(n, 1), uniform(n, 2)];
    const leafX: FusedExpr = { kind: 'input', data: x, offset: 0 };
    const leafY: FusedExpr = { kind: 'input', data: y, offset: 0 };
    const ex: FusedExpr = { kind: 'unary', op: 'exp', x: leafX };
    const ey: FusedExpr = { kind: 'unary', op: 'exp', x: leafY };
    // exp(x)·exp(x) with one node shared, then exp(x)·exp(y): the same operations in the same order.
    const shared: FusedExpr = { kind: 'binary', op: 'mul', a: ex, b: ex };
    const distinct: FusedExpr = { kind: 'binary', op: 'mul', a: ex, b: ey };
    const nested: FusedExpr = { kind: 'binary', op: 'add', a: { kind: 'binary', op: 'mul', a: ex, b: leafY }, b: ex };
    const flat: FusedExpr = { kind: 'binary', op: 'add', a: { kind: 'binary', op: 'mul', a: ex, b: leafY }, b: { kind: 'unary', op: 'exp', x: leafY } };
    // (exp(x)·y) + exp(x), then p + p for p = exp(x)·y: the second term is a shared node in both.
    const p: FusedExpr = { kind: 'binary', op: 'mul', a: ex, b: leafY };
    const doubled: FusedExpr = { kind: 'binary', op: 'add', a: p, b: p };
    for (const e of [shared, distinct, nested, doubled, flat, shared, nested]) expectSameBits(wasm!.fusion.evaluate(e, n), oneByOne(e, n));
  });

  it('sum without writing the result, as the reference accumulates (float64)', () => {
    const n = 5000;
    const x: FusedExpr = { kind: 'input', data: uniform(n, 3), offset: 0 };
    const e: FusedExpr = { kind: 'binary', op: 'mul', a: { kind: 'unary', op: 'erf', x }, b: { kind: 'unary', op: 'sigmoid', x } };
    const values = oneByOne(e, n);
    let want = 0;
    for (const v of values) want += v;
    expect(wasm!.fusion.sum(e, n)).toBeCloseTo(want, 9);
  });

  it('still evaluate an expression with more distinct leaves than slots, on the streaming kernels', () => {
    const n = 4096;
    let e: FusedExpr = { kind: 'input', data: uniform(n, 100), offset: 0 };
    // Each new leaf is consumed at once, so the streaming evaluation needs two slots while the kernel would need 16.
    for (let k = 1; k < 16; k++) e = { kind: 'binary', op: 'add', a: e, b: { kind: 'input', data: uniform(n, 100 + k), offset: 0 } };
    expectSameBits(wasm!.fusion.evaluate(e, n), oneByOne(e, n));
  });
});
