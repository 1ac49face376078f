import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elementwiseModuleBytes, SIMD_COMPARE, SIMD_UNARY } from '../src/backend/wasm/modules/elementwise-module.js';
import { float64ModuleBytes } from '../src/backend/wasm/modules/float64-module.js';
import { stridedModuleBytes } from '../src/backend/wasm/modules/strided-module.js';
import { maxPoolModuleBytes } from '../src/backend/wasm/modules/max-pool-module.js';
import { matmulModuleBytes } from '../src/backend/wasm/modules/matmul-module.js';
import { convModuleBytes } from '../src/backend/wasm/modules/conv-module.js';
import type { BinaryKernel, ConvGeometry, TypedArray, UnaryKernel } from '@tapegrad/core';
import { jsKernels } from '../src/backend/js/js-kernels.js';
import { BINARY_KERNELS } from '../src/backend/js/elementwise.js';
import { createWasmBackend, createWasmKernels } from '../src/backend/wasm/wasm-backend.js';
import type { ArrayView as View } from '../src/backend/cpu/cpu-kernels.js';
import { rng } from './seeded-random.js';
import { elementwiseSpec } from './op-specs.js';

// Every kernel of the wasm backend against the reference backend, on the
// layouts it accelerates (contiguous, scalar, broadcast rows), the ones it
// hands back (strided, float64), and sizes that are not multiples of the SIMD
// width, the chunk or the matmul tiles.
const wasm = createWasmKernels()?.kernels ?? null;

function randomF32(n: number, seed: number, scale = 4): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() - 0.5) * scale;
  return a;
}

function contiguous(data: TypedArray, shape: number[], offset = 0): View {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, s) => p * s, 1));
  return { data, shape, strides, offset };
}

/** Equal where `want` is not finite (NaN matching NaN, ∞ matching ∞); elsewhere within `tolerance(want[i])`. */
function expectWithin(got: TypedArray, want: TypedArray, tolerance: (w: number) => number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (!Number.isFinite(w)) {
      if (!Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w))) expect({ i, got: g }).toEqual({ i, got: w });
      continue;
    }
    if (Math.abs(g - w) > tolerance(w)) expect({ i, got: g }).toEqual({ i, got: w });
  }
}

/** Equal within `rel` relative error (absolute below 1), NaN matching NaN, ∞ matching ∞, of the same type. */
function expectClose(got: TypedArray, want: TypedArray, rel: number): void {
  expect(got.constructor).toBe(want.constructor);
  expectWithin(got, want, (w) => rel * Math.max(1, Math.abs(w)));
}

/**
 * The windows of a 2-D convolution or pooling over `[h, w]`: kernel, stride
 * and dilation per dim, padded by half the kernel on each side or not at all.
 */
function windowGeometry(h: number, w: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, pad: boolean): ConvGeometry {
  const padBefore = pad ? [kh >> 1, kw >> 1] : [0, 0];
  const outSize = [0, 1].map((d) => Math.floor(([h, w][d]! + 2 * padBefore[d]! - [dh, dw][d]! * ([kh, kw][d]! - 1) - 1) / [sh, sw][d]!) + 1);
  return { kernel: [kh, kw], stride: [sh, sw], dilation: [dh, dw], padBefore, size: [h, w], outSize };
}

function maxDiff(a: TypedArray, b: TypedArray): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const SIZES = [1, 3, 4, 5, 255, 256, 257, 1023, 16383, 16384, 16385, 40_001];
// The unary kernels the module compiles; every binary kernel, those it
// compiles and those it hands back to the reference alike.
const UNARY: readonly UnaryKernel[] = SIMD_UNARY;
const BINARY: readonly BinaryKernel[] = BINARY_KERNELS;
/** The dtype of a binary kernel's result on float32 operands, from the op table. */
const outOf = (op: BinaryKernel) => (elementwiseSpec(op).elementwise.result === 'bool' ? 'bool' : 'float32');

describe.skipIf(wasm === null)('wasm backend against the reference', () => {
  const be = wasm!;

  it('is the backend tapegrad builds on this engine, and differs from the reference', () => {
    expect(createWasmBackend()?.name).toBe('wasm');
    expect(be.matmul).not.toBe(jsKernels.matmul);
  });

  it('keeps every module under the 4 KB browsers compile synchronously', () => {
    for (const bytes of [matmulModuleBytes({ mr: 4, nr: 8 }), matmulModuleBytes({ mr: 4, nr: 4 }, undefined, 'float64'), ...elementwiseModuleBytes(), float64ModuleBytes(), stridedModuleBytes(), maxPoolModuleBytes(), convModuleBytes({ mr: 4, nr: 8 })]) expect(bytes.length).toBeLessThan(4096);
  });

  it.each(UNARY)('unary %s on contiguous float32 of many sizes', (op) => {
    for (const n of SIZES) {
      const x = randomF32(n + 3, n, op === 'exp' || op === 'sigmoid' ? 60 : 8);
      const v = contiguous(x, [n], 3);
      // exp and sigmoid are polynomial approximations: a few float32 ulps.
      expectClose(be.unary(op, v, 'float32'), jsKernels.unary(op, v, 'float32'), 1e-6);
    }
  });

  it('exp at its edges: 0, ±∞, NaN, overflow and the subnormal range', () => {
    const xs = [0, -0, NaN, Infinity, -Infinity, 88.72, 88.73, 100, -87.3, -90, -100, -103.9, -104.5, -200, 1e-8, -1e-8];
    const x = new Float32Array(512);
    x.set(xs);
    const v = contiguous(x, [512]);
    const got = be.unary('exp', v, 'float32');
    const want = jsKernels.unary('exp', v, 'float32');
    for (let i = 0; i < xs.length; i++) {
      const w = want[i]!;
      if (w !== 0 && Math.abs(w) < 1.2e-38) expect(Math.abs(got[i]! - w)).toBeLessThanOrEqual(4 * 1.4e-45);
      else expectClose(got.subarray(i, i + 1), want.subarray(i, i + 1), 1e-6);
    }
  });

  it('erf at its edges and across the line: ±0 kept, ±1 beyond 4, NaN kept, within 3e-7 of the reference', () => {
    const xs = [0, -0, NaN, Infinity, -Infinity, 1e-30, -1e-30, 1e-8, 3.9, 4, 4.5, -6, 1e4];
    for (let k = 0; k < 400; k++) xs.push((k - 200) * 0.0231); // −4.6 … 4.6
    const x = new Float32Array(512);
    x.set(xs);
    const v = contiguous(x, [512]);
    const got = be.unary('erf', v, 'float32');
    const want = jsKernels.unary('erf', v, 'float32');
    for (let i = 0; i < xs.length; i++) {
      const [x0, g, w] = [xs[i]!, got[i]!, want[i]!];
      if (Number.isNaN(x0)) expect(g).toBeNaN();
      else if (x0 === 0 || Math.abs(x0) >= 4) expect([x0, g]).toEqual([x0, w]); // toEqual tells −0 from 0
      // 3e-7 near ±1; relative to |erf x| ≈ 1.13·|x| near 0.
      else expect(Math.abs(g - w)).toBeLessThanOrEqual(3e-7 * Math.min(1, 4 * Math.abs(w)));
    }
  });

  it('tanh at its edges and across both of its forms, to a few ulps relative', () => {
    const xs = [0, -0, NaN, Infinity, -Infinity, 1e-30, -1e-30, 1e-8, -3e-5, 0.1, 0.6249, -0.6249, 0.625, 0.6251, -0.7, 1, 2.5, -5, 9, 10, 44, -100];
    for (let k = 0; k < 200; k++) xs.push((k - 100) * 0.013); // −1.3 … 1.3, across the switch at 0.625
    const x = new Float32Array(512);
    x.set(xs);
    const v = contiguous(x, [512]);
    const got = be.unary('tanh', v, 'float32');
    const want = jsKernels.unary('tanh', v, 'float32');
    for (let i = 0; i < xs.length; i++) {
      const [g, w] = [got[i]!, want[i]!];
      if (Number.isNaN(w)) expect(g).toBeNaN();
      else if (w === 0) expect(Object.is(g, w)).toBe(true); // the sign of zero too
      else expect({ x: x[i], rel: Math.abs(g - w) / Math.abs(w) <= 4e-7 }).toEqual({ x: x[i], rel: true });
    }
  });

  it('log at its edges, on subnormals and around 1, to a few ulps relative', () => {
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: inputs on either side of √½, where the kernel switches range.
    const xs = [0, -0, -1, -1e-30, NaN, Infinity, -Infinity, 1, 1 + 2 ** -23, 1 - 2 ** -24, 0.7071, 0.70711, 0.5, 2, 1e-38, 1e-40, 1.4e-45, 3.4e38, 1e-10, 123.456];
    for (let k = 1; k <= 200; k++) xs.push(k * 0.0137); // 0.0137 … 2.74, across the switch at √½
    const x = new Float32Array(512).fill(1);
    x.set(xs);
    const v = contiguous(x, [512]);
    const got = be.unary('log', v, 'float32');
    const want = jsKernels.unary('log', v, 'float32');
    for (let i = 0; i < xs.length; i++) {
      const [g, w] = [got[i]!, want[i]!];
      if (Number.isNaN(w)) expect(g).toBeNaN();
      else if (!Number.isFinite(w) || w === 0) expect({ x: x[i], g }).toEqual({ x: x[i], g: w });
      else expect({ x: x[i], ok: Math.abs(g - w) <= 4e-7 * Math.abs(w) + 1.2e-7 * 2 ** -23 }).toEqual({ x: x[i], ok: true });
    }
  });

  it('relu maps NaN and −0 to 0, as the reference does', () => {
    const x = new Float32Array(300).fill(NaN);
    x[1] = -0;
    const v = contiguous(x, [300]);
    expect(Array.from(be.unary('relu', v, 'float32').slice(0, 3))).toEqual(Array.from(jsKernels.unary('relu', v, 'float32').slice(0, 3)));
  });

  it.each(BINARY)('binary %s: contiguous, scalar on either side, broadcast rows', (op) => {
    for (const n of SIZES) {
      const a = randomF32(n, 2 * n + 1);
      const b = randomF32(n + 5, 3 * n + 7);
      const cases: [View, View][] = [
        [contiguous(a, [n]), contiguous(b, [n], 5)],
        [contiguous(a, [n]), { data: b, shape: [n], strides: [0], offset: 2 }],
        [{ data: b, shape: [n], strides: [0], offset: 4 }, contiguous(a, [n])],
        [{ data: b, shape: [n], strides: [0], offset: 4 }, { data: a, shape: [n], strides: [0], offset: 0 }],
      ];
      for (const [x, y] of cases) {
        const out = outOf(op);
        expectClose(be.binary(op, x, y, out), jsKernels.binary(op, x, y, out), 0);
      }
    }
    for (const [rows, cols] of [[7, 33], [300, 512], [3, 20_000], [1, 257], [2, 16384]] as const) {
      const a = randomF32(rows * cols, rows + cols);
      const bias = randomF32(cols + 1, cols);
      const x = contiguous(a, [rows, cols]);
      const y: View = { data: bias, shape: [rows, cols], strides: [0, 1], offset: 1 };
      const out = outOf(op);
      expectClose(be.binary(op, x, y, out), jsKernels.binary(op, x, y, out), 0);
      expectClose(be.binary(op, y, x, out), jsKernels.binary(op, y, x, out), 0);
    }
  });

  it('comparisons on equal values, NaN and ±0', () => {
    const a = randomF32(1000, 11);
    const b = Float32Array.from(a);
    for (let i = 0; i < 1000; i += 3) b[i] = b[i]! + 1;
    a[5] = NaN;
    b[7] = NaN;
    a[9] = 0;
    b[9] = -0;
    for (const op of SIMD_COMPARE) {
      const x = contiguous(a, [1000]);
      const y = contiguous(b, [1000]);
      expectClose(be.binary(op, x, y, 'bool'), jsKernels.binary(op, x, y, 'bool'), 0);
      const s: View = { data: b, shape: [1000], strides: [0], offset: 1 };
      expectClose(be.binary(op, x, s, 'bool'), jsKernels.binary(op, x, s, 'bool'), 0);
      expectClose(be.binary(op, s, x, 'bool'), jsKernels.binary(op, s, x, 'bool'), 0);
    }
  });

  it('copy converts between dtypes like the reference', () => {
    const f = randomF32(777, 12, 1e3);
    f[3] = NaN;
    f[4] = -0.5;
    const sources: View[] = [contiguous(f, [777]), contiguous(Float64Array.from(f), [777]), contiguous(Uint8Array.from(f, (v) => (v > 0 ? 1 : 0)), [777]), contiguous(Int32Array.from(f, (v) => v | 0), [777])];
    for (const v of sources) {
      for (const d of ['float32', 'float64', 'int32', 'bool'] as const) expectClose(be.copy(v, d), jsKernels.copy(v, d), 0);
    }
    const t: View = { data: f, shape: [21, 37], strides: [1, 21], offset: 0 };
    expectClose(be.copy(t, 'float32'), jsKernels.copy(t, 'float32'), 0);
  });

  it('assign: contiguous, scalar and strided destinations', () => {
    const run = (backend: typeof be, dst: View, src: View): TypedArray => {
      const copyOf = dst.data.slice();
      backend.assign({ ...dst, data: copyOf }, src);
      return copyOf;
    };
    const base = randomF32(600, 13);
    const src = randomF32(600, 14);
    const cases: [View, View][] = [
      [contiguous(base, [20, 30]), contiguous(src, [20, 30])],
      [contiguous(base, [10, 30], 300), { data: src, shape: [10, 30], strides: [0, 0], offset: 7 }],
      [{ data: base, shape: [20, 30], strides: [1, 20], offset: 0 }, contiguous(src, [20, 30])],
      [contiguous(base, [20, 30]), { data: src, shape: [20, 30], strides: [0, 1], offset: 3 }],
      [contiguous(base, [600]), contiguous(Float64Array.from(src), [600])],
    ];
    for (const [dst, s] of cases) expectClose(run(be, dst, s), run(jsKernels, dst, s), 0);
  });

  it('binary on strided (transposed) views and float64 falls back correctly', () => {
    const a = randomF32(600, 1);
    const t: View = { data: a, shape: [20, 30], strides: [1, 20], offset: 0 };
    const c = contiguous(randomF32(600, 2), [20, 30]);
    expectClose(be.binary('add', t, c, 'float32'), jsKernels.binary('add', t, c, 'float32'), 0);
    const d = Float64Array.from(a);
    const v = contiguous(d, [600]);
    expectClose(be.binary('mul', v, v, 'float64'), jsKernels.binary('mul', v, v, 'float64'), 0);
    expectClose(be.unary('exp', v, 'float64'), jsKernels.unary('exp', v, 'float64'), 0);
  });

  it('binary with one element per run of trailing dims (a per-channel bias, a per-row scalar), either side', () => {
    // [2, 3, 9, 10] against a [3, 1, 1] channel vector, and against one read
    // through an offset and a stride.
    const x = contiguous(randomF32(540, 3), [2, 3, 9, 10]);
    const ch = randomF32(8, 4);
    const bias: View = { data: ch, shape: [2, 3, 9, 10], strides: [0, 1, 0, 0], offset: 0 };
    const odd: View = { data: ch, shape: [2, 3, 9, 10], strides: [0, 2, 0, 0], offset: 1 };
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum'] as const) {
      for (const b of [bias, odd]) {
        expectClose(be.binary(op, x, b, 'float32'), jsKernels.binary(op, x, b, 'float32'), 0);
        expectClose(be.binary(op, b, x, 'float32'), jsKernels.binary(op, b, x, 'float32'), 0);
      }
    }
    expectClose(be.binary('gt', x, bias, 'bool'), jsKernels.binary('gt', x, bias, 'bool'), 0);
    // A row's scalar over [3, 200, 128] (softmax's max, layer norm's mean): many runs to a chunk, five chunks, the
    // last one short; and runs longer than half a chunk, one call per run and chunk.
    for (const shape of [[3, 200, 128], [2, 3, 9000]]) {
      const n = shape.reduce((p, q) => p * q, 1);
      const v = contiguous(randomF32(n, 7), shape);
      const rows = randomF32(n / shape[2]!, 8);
      const perRow: View = { data: rows, shape, strides: [shape[1]!, 1, 0], offset: 0 };
      for (const op of ['sub', 'div', 'gt'] as const) {
        const out = op === 'gt' ? 'bool' : 'float32';
        expectClose(be.binary(op, v, perRow, out), jsKernels.binary(op, v, perRow, out), 0);
        expectClose(be.binary(op, perRow, v, out), jsKernels.binary(op, perRow, v, out), 0);
      }
    }
  });

  it('float32 arithmetic with a bool operand (a ReLU mask) matches the reference, either side and broadcast', () => {
    const x = contiguous(randomF32(1000, 5), [10, 100]);
    const mask = contiguous(Uint8Array.from(randomF32(1000, 6), (v) => (v > 0 ? 1 : 0)), [10, 100]);
    const row: View = { data: mask.data, shape: [10, 100], strides: [0, 1], offset: 0 };
    for (const op of ['mul', 'add', 'sub', 'maximum'] as const) {
      for (const m of [mask, row]) {
        expectClose(be.binary(op, x, m, 'float32'), jsKernels.binary(op, x, m, 'float32'), 0);
        expectClose(be.binary(op, m, x, 'float32'), jsKernels.binary(op, m, x, 'float32'), 0);
      }
    }
    // −x·0 keeps its sign, as in the reference.
    const neg = contiguous(new Float32Array(300).fill(-2), [300]);
    const zero = contiguous(new Uint8Array(300), [300]);
    expect(Object.is(be.binary('mul', neg, zero, 'float32')[7], -0)).toBe(true);
  });

  it('sum over all, trailing and leading dims, and others', () => {
    const cases: [number[], number[]][] = [
      [[40_001], [0]],
      [[257, 513], [1]],
      [[257, 513], [0]],
      [[3, 70_000], [1]],
      [[70_000, 3], [1]],
      [[5, 7, 11], [1, 2]],
      [[5, 7, 11], [0, 1]],
      [[5, 7, 11], [0, 2]],
      // Leading and trailing dims at once (a conv bias's gradient), rows shorter and longer than a chunk.
      [[64, 8, 28, 28], [0, 2, 3]],
      [[3, 5, 7, 11], [0, 1, 3]],
      [[2, 3, 20_000], [0, 2]],
      [[64, 64], [0, 1]],
      [[1000], []],
    ];
    for (const [shape, axes] of cases) {
      const n = shape.reduce((p, s) => p * s, 1);
      const v = contiguous(randomF32(n, n), shape);
      expectClose(be.reduce('sum', v, axes, 'float32'), jsKernels.reduce('sum', v, axes, 'float32'), 1e-6);
      expectClose(be.reduce('max', v, axes, 'float32'), jsKernels.reduce('max', v, axes, 'float32'), 0);
    }
    const empty = contiguous(new Float32Array(0), [0, 4]);
    expectClose(be.reduce('sum', empty, [0], 'float32'), jsKernels.reduce('sum', empty, [0], 'float32'), 0);
  });

  it('max and min over trailing dims like the reference: NaN wins, ±∞, the first of ±0, odd and long rows', () => {
    /** Bit for bit: NaN matching NaN, −0 only matching −0. */
    const expectSame = (got: TypedArray, want: TypedArray, what: string): void => {
      expect(got.constructor, what).toBe(want.constructor);
      expect(got.length, what).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) expect({ what, i, got: got[i] }).toEqual({ what, i, got: want[i] });
      }
    };
    const r = rng(99);
    /** Random values with NaN, ±∞ and ±0 sprinkled in, at the rate `special`. */
    const sprinkled = (n: number, special: number): Float32Array => {
      const a = randomF32(n, n + 7);
      const odd = [NaN, Infinity, -Infinity, 0, -0];
      for (let i = 0; i < n; i++) if (r() < special) a[i] = odd[Math.floor(r() * odd.length)]!;
      return a;
    };
    const cases: [number[], number[]][] = [
      [[300, 1], [1]],
      [[100, 3], [1]],
      [[64, 5], [1]],
      [[16, 4, 8, 128], [3]],
      [[9, 127], [1]],
      [[9, 129], [1]],
      [[4, 7, 11], [1, 2]],
      [[3, 20_000], [1]],
      [[2, 40_001], [1]],
      [[40_001], [0]],
      [[5, 7, 11], [0, 1, 2]],
    ];
    for (const [shape, axes] of cases) {
      const n = shape.reduce((p, s) => p * s, 1);
      for (const [data, offset] of [[randomF32(n, n), 0], [sprinkled(n + 3, 0.01), 3], [sprinkled(n, 0.3), 0]] as const) {
        const v = contiguous(data, shape, offset);
        for (const op of ['max', 'min'] as const) expectSame(be.reduce(op, v, axes, 'float32'), jsKernels.reduce(op, v, axes, 'float32'), `${op} [${shape}] over [${axes}]`);
      }
    }
    // Rows whose extreme is zero: the reference keeps the first of −0 and +0; one NaN anywhere wins; infinities.
    const rows = [
      [-0, 0, -1, -2],
      [0, -0, -1, -2],
      [-3, -0, -1, 0, -2],
      [-3, 0, -0, -1, -2],
      [-0, -0, -0, -0, -0],
      [1, 2, NaN, 3, 4],
      [NaN, 2, 3, 4, 5],
      [1, 2, 3, 4, 5, 6, 7, 8, NaN],
      [-Infinity, -Infinity, -Infinity],
      [Infinity, 1, -Infinity],
    ];
    for (const row of rows) {
      // Enough copies of the row to leave the reference's small-tensor path.
      const copies = Math.ceil(256 / row.length);
      for (const op of ['max', 'min'] as const) {
        for (const sign of [1, -1]) {
          const v = contiguous(Float32Array.from({ length: copies * row.length }, (_, i) => sign * row[i % row.length]!), [copies, row.length]);
          expectSame(be.reduce(op, v, [1], 'float32'), jsKernels.reduce(op, v, [1], 'float32'), `${op} of ${sign}·[${row}]`);
        }
      }
    }
    // A long row whose extreme is zero, its first zero in a later chunk.
    const long = Float32Array.from({ length: 40_001 }, (_, i) => (i === 30_000 ? -0 : i === 35_000 ? 0 : -1 - (i % 7)));
    expectSame(be.reduce('max', contiguous(long, [40_001]), [0], 'float32'), Float32Array.of(-0), 'max of a long row');
  });

  const MATMUL: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [1, 1, 300, 1],
    [1, 65, 1, 33],
    [1, 17, 19, 23],
    // Unit-stride packing moves four steps of k at a time: fewer than four, and four plus a rest.
    [1, 130, 3, 67],
    [2, 36, 6, 45],
    [1, 128, 128, 128],
    [2, 37, 300, 41],
    [1, 130, 257, 515],
    [3, 5, 1000, 7],
    [1, 0, 5, 4],
    [1, 4, 0, 5],
    // Rows padded to whole tiles (M ragged, N whole tiles), with one block of k and with several.
    [3, 27, 16, 64],
    [4, 27, 300, 16],
    // Computed transposed (N ragged, M whole tiles), then rows padded; one block of k and several.
    [3, 16, 40, 27],
    [2, 16, 300, 27],
  ];

  it.each(MATMUL)('matmul [%i, %i, %i] · [., ., %i] in every transpose', (B, M, K, N) => {
    const a = randomF32(B * M * K + 1, M * 31 + K);
    const b = randomF32(B * K * N + 2, K * 17 + N);
    const layouts = (data: Float32Array, rows: number, cols: number, offset: number): View[] => [
      { data, shape: [B, rows, cols], strides: [rows * cols, cols, 1], offset },
      { data, shape: [B, rows, cols], strides: [rows * cols, 1, rows], offset },
    ];
    for (const av of layouts(a, M, K, 1)) {
      for (const bv of layouts(b, K, N, 2)) {
        const got = be.matmul(av, bv, 'float32');
        const want = jsKernels.matmul(av, bv, 'float32');
        // Sums of K products in a different order: relative to the sum of |terms|.
        expect(got.length).toBe(want.length);
        expect(maxDiff(got, want)).toBeLessThanOrEqual(2e-6 * Math.max(1, K));
      }
    }
    // float64 has a SIMD kernel of its own (4×4 tiles of f64x2).
    const wide = (v: View): View => ({ ...v, data: Float64Array.from(v.data) });
    for (const av of layouts(a, M, K, 1).map(wide)) {
      for (const bv of layouts(b, K, N, 2).map(wide)) {
        const got = be.matmul(av, bv, 'float64');
        expect(got).toBeInstanceOf(Float64Array);
        expect(maxDiff(got, jsKernels.matmul(av, bv, 'float64'))).toBeLessThanOrEqual(1e-14 * Math.max(1, K));
      }
    }
  });

  it('matmul with a broadcast (stride-0 batch) operand and float64', () => {
    const a = randomF32(3 * 40 * 50, 5);
    const w = randomF32(50 * 60, 6);
    const av = contiguous(a, [3, 40, 50]);
    const wv: View = { data: w, shape: [3, 50, 60], strides: [0, 60, 1], offset: 0 };
    const got = be.matmul(av, wv, 'float32');
    const want = jsKernels.matmul(av, wv, 'float32');
    expect(maxDiff(got, want)).toBeLessThanOrEqual(1e-4);
    const d = contiguous(Float64Array.from(a), [3, 40, 50]);
    const e = contiguous(Float64Array.from(w), [1, 50, 60]);
    const d0: View = { ...d, shape: [1, 40, 50] };
    expect(maxDiff(be.matmul(d0, e, 'float64'), jsKernels.matmul(d0, e, 'float64'))).toBeLessThanOrEqual(1e-13);
    // Both operands broadcast over a batch of 3 from one matrix each.
    const d3: View = { ...d0, shape: [3, 40, 50], strides: [0, 50, 1] };
    const e3: View = { ...e, shape: [3, 50, 60], strides: [0, 60, 1] };
    expect(maxDiff(be.matmul(d3, e3, 'float64'), jsKernels.matmul(d3, e3, 'float64'))).toBeLessThanOrEqual(1e-13);
  });

  it('matmul of thin conv-like products: broadcast weights, padded rows and transposed results match the reference, infinities included', () => {
    // conv2d's three products on a batch of 3 with 300 positions: W·cols (W broadcast), Wᵀ·G (G broadcast), G·colsᵀ
    // (over more than one block of k, with a broadcast G too).
    const [B, O, K, L] = [3, 16, 27, 300];
    const w = randomF32(O * K, 31);
    const cols = randomF32(B * K * L, 32);
    const g = randomF32(B * O * L, 33);
    // Infinities and a NaN: the padding rows and columns meet them too, and must not leak into the result.
    cols[7] = Infinity;
    cols[K * L + 3] = -Infinity;
    g[5] = NaN;
    const wv: View = { data: w, shape: [B, O, K], strides: [0, K, 1], offset: 0 };
    const wt: View = { data: w, shape: [B, K, O], strides: [0, 1, K], offset: 0 };
    const cv = contiguous(cols, [B, K, L]);
    const ct: View = { data: cols, shape: [B, L, K], strides: [K * L, 1, L], offset: 0 };
    const gv = contiguous(g, [B, O, L]);
    const gb: View = { data: g, shape: [B, O, L], strides: [0, L, 1], offset: 0 };
    // And broadcast first operands over several blocks of k, and of rows.
    const hv = contiguous(randomF32(B * L * 64, 34), [B, L, 64]);
    const tall: View = { data: randomF32(130 * K, 35), shape: [B, 130, K], strides: [0, K, 1], offset: 0 };
    for (const [a, b] of [[wv, cv], [wt, gv], [wt, gb], [gv, ct], [gb, ct], [gb, hv], [tall, cv]] as const) {
      const got = be.matmul(a, b, 'float32');
      const want = jsKernels.matmul(a, b, 'float32');
      expect(want.some((v) => !Number.isFinite(v))).toBe(true);
      expectClose(got, want, 1e-4);
    }
  });

  it('matmul of a flipped (negative-stride) operand', () => {
    const a = randomF32(64 * 80, 9);
    const b = randomF32(80 * 70, 10);
    const av: View = { data: a, shape: [1, 64, 80], strides: [0, -80, 1], offset: 63 * 80 };
    const bv = contiguous(b, [1, 80, 70]);
    const got = be.matmul(av, bv, 'float32');
    const want = jsKernels.matmul(av, bv, 'float32');
    expect(maxDiff(got, want)).toBeLessThanOrEqual(1e-4);
  });
  it('copies im2col layouts, flipped and offset views bit for bit like the reference', () => {
    // [N, C, KH, KW, OH, OW] windows of a padded [N, C, 34, 34] input, as conv2d lays them out.
    const x = randomF32(8 * 3 * 34 * 34 + 5, 21);
    const views: View[] = [
      { data: x, shape: [8, 3, 3, 3, 32, 32], strides: [3468, 1156, 34, 1, 34, 1], offset: 0 },
      { data: x, shape: [8, 3, 3, 3, 16, 16], strides: [3468, 1156, 34, 1, 68, 2], offset: 5 }, // stride 2
      { data: x, shape: [8, 3, 32, 34], strides: [3468, 1156, 34, -1], offset: 33 }, // flipped rows
      { data: x, shape: [8, 34, 3, 34], strides: [3468, 34, 1156, 1], offset: 2 }, // permuted
    ];
    for (const v of views) {
      const got = be.copy(v, 'float32');
      expect(Array.from(got)).toEqual(Array.from(jsKernels.copy(v, 'float32')));
    }
  });

  it('folds (col2im) with steps, dilation and strided inputs bit for bit like the reference', () => {
    const cols = randomF32(8 * 3 * 32 * 34 * 3 * 3, 22);
    const cases: [View, number, number, number, number, number][] = [
      // [N, C, OH, OW, KH, KW] over dims laid out as [N, C, KH, KW, OH, OW]: the first fold of conv2d's backward.
      [{ data: cols, shape: [8, 3, 32, 32, 3, 3], strides: [27648, 9216, 32, 1, 3072, 1024], offset: 0 }, 3, 3, 1, 1, 34],
      [contiguous(cols, [8, 3, 32, 34, 3]), 2, 3, 1, 1, 34],
      [contiguous(cols, [8, 3, 16, 34, 3]), 2, 3, 2, 1, 33],
      [contiguous(cols, [8, 3, 28, 34, 3]), 2, 3, 1, 3, 34],
    ];
    for (const [v, dim, size, step, dilation, length] of cases) {
      const got = be.fold(v, dim, size, step, dilation, length, 'float32');
      expect(Array.from(got)).toEqual(Array.from(jsKernels.fold(v, dim, size, step, dilation, length, 'float32')));
    }
  });
  it('float64 arithmetic, neg/abs/sqrt/relu and sums: bit for bit like the reference (sums to rounding)', () => {
    const special = [0, -0, NaN, Infinity, -Infinity, 1e-310, -1e308, 2.5];
    for (const n of [256, 257, 8191, 8192, 8193, 20_001]) {
      const a = Float64Array.from(randomF32(n, n + 1, 1e3), (v, i) => (i < special.length ? special[i]! : v));
      const b = Float64Array.from(randomF32(n, n + 2, 1e3), (v, i) => (i < special.length ? special[(i + 3) % special.length]! : v + 1e-9));
      const av = contiguous(a, [n]);
      const bv = contiguous(b, [n]);
      const scalar: View = { data: b, shape: [n], strides: [0], offset: 7 };
      const row: View = { data: b, shape: [n / (n % 2 ? n : 2), n % 2 ? n : 2], strides: [0, 1], offset: 0 };
      const grid = n % 2 ? null : { a: { ...av, shape: row.shape, strides: [2, 1] }, b: row };
      for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const) {
        for (const [x, y] of [[av, bv], [av, scalar], [scalar, av], ...(grid ? [[grid.a, grid.b]] : [])] as [View, View][]) {
          const got = be.binary(op, x, y, 'float64');
          const want = jsKernels.binary(op, x, y, 'float64');
          expect(got).toBeInstanceOf(Float64Array);
          // maximum/minimum of +0 and −0 may pick either zero, as the float32 kernels do.
          const same = op === 'maximum' || op === 'minimum' ? (p: number, q: number) => p === q || Object.is(p, q) : Object.is;
          for (let i = 0; i < n; i++) if (!same(got[i]!, want[i]!)) expect({ op, i, got: got[i] }).toEqual({ op, i, got: want[i] });
        }
      }
      for (const op of ['neg', 'abs', 'sqrt', 'relu'] as const) {
        const got = be.unary(op, av, 'float64');
        const want = jsKernels.unary(op, av, 'float64');
        for (let i = 0; i < n; i++) if (!Object.is(got[i], want[i])) expect({ op, i, got: got[i] }).toEqual({ op, i, got: want[i] });
      }
      const finite = Float64Array.from(a, (v) => (Number.isFinite(v) ? v : 1));
      const fv = contiguous(finite, [n]);
      const total = be.reduce('sum', fv, [0], 'float64')[0]!;
      let exact = 0;
      for (const v of finite) exact += v;
      expect(Math.abs(total - exact)).toBeLessThanOrEqual(1e-12 * finite.reduce((s, v) => s + Math.abs(v), 0));
    }
  });
  it('im2col and col2im bit for bit like the reference, padding, strides, dilation and strided inputs', () => {
    const geometries: ConvGeometry[] = [
      { kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padBefore: [1, 1], size: [32, 32], outSize: [32, 32] },
      { kernel: [3, 2], stride: [2, 3], dilation: [2, 1], padBefore: [2, 0], size: [30, 31], outSize: [15, 10] },
      { kernel: [4, 4], stride: [1, 1], dilation: [1, 1], padBefore: [1, 2], size: [20, 20], outSize: [19, 20] }, // 'same'-style, more padding after
    ];
    for (const g of geometries) {
      const [H, W] = g.size as [number, number];
      const x = randomF32(8 * 3 * H * W, H + W);
      const views: View[] = [
        contiguous(x, [8, 3, H, W]),
        { data: x, shape: [8, 3, H, W], strides: [3 * H * W, 1, 3 * W, 3], offset: 0 }, // channels last
        { data: x, shape: [3, 3, H, W], strides: [2 * 3 * H * W, H * W, W, 1], offset: 3 * H * W + 5 }, // every other image, from inside the storage
        { data: x, shape: [8, 3, H, W], strides: [3 * H * W, H * W, -W, -1], offset: H * W - 1 }, // flipped rows and columns
      ];
      for (const v of views) expect(Array.from(be.im2col(v, g, 'float32'))).toEqual(Array.from(jsKernels.im2col(v, g, 'float32')));
      const taps = g.kernel[0]! * g.kernel[1]!;
      const L = g.outSize[0]! * g.outSize[1]!;
      const cols = randomF32(8 * 3 * taps * L, L);
      const cv = contiguous(cols, [8, 3 * taps, L]);
      expect(Array.from(be.col2im(cv, g, 'float32'))).toEqual(Array.from(jsKernels.col2im(cv, g, 'float32')));
      const transposed: View = { data: cols, shape: [8, 3 * taps, L], strides: [3 * taps * L, 1, 3 * taps], offset: 0 };
      expect(Array.from(be.col2im(transposed, g, 'float32'))).toEqual(Array.from(jsKernels.col2im(transposed, g, 'float32')));
    }
  });
  it('conv2d (with and without bias) and its input and weight gradients like the reference: groups, padding, strides, dilation, strided views, infinities', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 3 }),
          groups: fc.integer({ min: 1, max: 3 }),
          cg: fc.integer({ min: 1, max: 3 }),
          og: fc.integer({ min: 1, max: 6 }),
          h: fc.integer({ min: 6, max: 18 }),
          w: fc.integer({ min: 6, max: 18 }),
          kh: fc.integer({ min: 1, max: 3 }),
          kw: fc.integer({ min: 1, max: 3 }),
          sh: fc.integer({ min: 1, max: 2 }),
          sw: fc.integer({ min: 1, max: 2 }),
          dh: fc.integer({ min: 1, max: 2 }),
          dw: fc.integer({ min: 1, max: 2 }),
          pad: fc.boolean(),
          layout: fc.integer({ min: 0, max: 3 }),
          bias: fc.constantFrom('none', 'contiguous', 'strided'),
          inf: fc.boolean(),
          seed: fc.integer({ min: 0, max: 1 << 20 }),
        }),
        ({ n, groups, cg, og, h, w, kh, kw, sh, sw, dh, dw, pad, layout, bias, inf, seed }) => {
          const [C, O] = [cg * groups, og * groups];
          const g = windowGeometry(h, w, kh, kw, sh, sw, dh, dw, pad);
          const [OH, OW] = g.outSize as [number, number];
          const x = randomF32(n * C * h * w, seed);
          const wt = randomF32(O * cg * kh * kw, seed + 1);
          const gy = randomF32(n * O * OH * OW, seed + 2);
          if (inf) [x[seed % x.length], gy[seed % gy.length]] = [Infinity, -Infinity];
          // Contiguous, or channels last (x and the gradient), and a weight laid out [O, KH, KW, C/G], whose trailing dims do not merge.
          const xv = layout & 1 ? { data: x, shape: [n, C, h, w], strides: [C * h * w, 1, C * w, C], offset: 0 } : contiguous(x, [n, C, h, w]);
          const gv = layout & 1 ? { data: gy, shape: [n, O, OH, OW], strides: [O * OH * OW, 1, O * OW, O], offset: 0 } : contiguous(gy, [n, O, OH, OW]);
          const wv = layout & 2 ? { data: wt, shape: [O, cg, kh, kw], strides: [cg * kh * kw, 1, kw * cg, cg], offset: 0 } : contiguous(wt, [O, cg, kh, kw]);
          const b = randomF32(2 * O, seed + 3);
          const bv = bias === 'none' ? null : bias === 'contiguous' ? contiguous(b, [O]) : { data: b, shape: [O], strides: [2], offset: 1 };
          // Each result sums at most `terms` products of two numbers below 2 in size (and a bias), in another order than the reference.
          const cases = [
            [be.conv2d(xv, wv, bv, g, groups, 'float32'), jsKernels.conv2d(xv, wv, bv, g, groups, 'float32'), cg * kh * kw + 1],
            [be.conv2dInput(gv, wv, g, groups, 'float32'), jsKernels.conv2dInput(gv, wv, g, groups, 'float32'), og * kh * kw],
            [be.conv2dWeight(xv, gv, g, groups, 'float32'), jsKernels.conv2dWeight(xv, gv, g, groups, 'float32'), n * OH * OW],
          ] as const;
          for (const [got, want, terms] of cases) expectWithin(got, want, () => 4e-6 * terms);
        },
      ),
      { seed: 12, numRuns: 60 },
    );
  });
  it('direct convolution (stride 1 across) like the reference: with and without bias, several blocks of k, edge tiles, groups, padding after, channels last, infinities', () => {
    // n, C, O, groups, [h, w], [kh, kw], [sh, sw], [dh, dw], padding before and after, channels last.
    const cases = [
      // K = 40·9 = 360: two blocks of k, the second added to the first; 6 output channels: a cut row of tiles; OW = 13: a cut last tile.
      [2, 40, 6, 1, [9, 13], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1], false],
      // Groups, stride 2 down, dilation across, more padding after than before, channels last.
      [2, 8, 10, 2, [11, 21], [2, 4], [2, 1], [1, 2], [0, 3], [1, 3], true],
      // Dilation down, no padding across, OW = 30; W5's shape, whose rows are whole tiles.
      [3, 2, 5, 1, [7, 30], [3, 1], [1, 1], [2, 1], [2, 0], [2, 0], false],
      [4, 3, 16, 1, [32, 32], [3, 3], [1, 1], [1, 1], [1, 1], [1, 1], false],
    ] as const;
    for (const [n, C, O, groups, [h, w], [kh, kw], stride, [dh, dw], before, after, channelsLast] of cases) {
      const outSize = [0, 1].map((d) => Math.floor(([h, w][d]! + before[d]! + after[d]! - [dh, dw][d]! * ([kh, kw][d]! - 1) - 1) / stride[d]!) + 1);
      const g: ConvGeometry = { kernel: [kh, kw], stride: [...stride], dilation: [dh, dw], padBefore: [...before], size: [h, w], outSize };
      const x = randomF32(n * C * h * w, C);
      const cg = C / groups;
      const wt = randomF32(O * cg * kh * kw, O);
      // An infinity at the end of an image row and a NaN at the start of one: the lanes a cut tile computes past
      // a row read them, and only the outputs whose windows hold them may show them.
      x[w - 1] = Infinity;
      x[(h + 2) * w] = NaN;
      const xv: View = channelsLast ? { data: x, shape: [n, C, h, w], strides: [C * h * w, 1, C * w, C], offset: 0 } : contiguous(x, [n, C, h, w]);
      const wv = contiguous(wt, [O, cg, kh, kw]);
      // The sums start from the bias: in the first block of k only, in edge tiles too.
      const bv = contiguous(randomF32(O, O + 1), [O]);
      for (const b of [null, bv]) {
        const want = jsKernels.conv2d(xv, wv, b, g, groups, 'float32');
        expect(want.some(Number.isNaN)).toBe(true);
        expectWithin(be.conv2d(xv, wv, b, g, groups, 'float32'), want, () => 4e-6 * (cg * kh * kw + 1));
      }
    }
  });
  it('max-pool indices like the reference: ties, NaNs, −∞, padding, strides, dilation and strided views', () => {
    // 64 planes keep every geometry above the kernel's minimum of 1024 windows.
    const [N, C] = [8, 8];
    fc.assert(
      fc.property(
        fc.record({
          h: fc.integer({ min: 16, max: 30 }),
          w: fc.integer({ min: 16, max: 30 }),
          kh: fc.integer({ min: 1, max: 3 }),
          kw: fc.integer({ min: 1, max: 3 }),
          sh: fc.integer({ min: 1, max: 3 }),
          sw: fc.integer({ min: 1, max: 3 }),
          dh: fc.integer({ min: 1, max: 2 }),
          dw: fc.integer({ min: 1, max: 2 }),
          pad: fc.boolean(),
          seed: fc.integer({ min: 0, max: 1 << 20 }),
        }),
        ({ h, w, kh, kw, sh, sw, dh, dw, pad, seed }) => {
          const g = windowGeometry(h, w, kh, kw, sh, sw, dh, dw, pad);
          // Few distinct values (ties everywhere), some NaNs and −∞.
          const r = rng(seed);
          const x = new Float32Array(N * C * h * w).map(() => {
            const u = r();
            return u < 0.05 ? Number.NaN : u < 0.1 ? -Infinity : Math.floor(u * 6);
          });
          const views: View[] = [
            contiguous(x, [N, C, h, w]),
            { data: x, shape: [N, C, h, w], strides: [C * h * w, 1, C * w, C], offset: 0 }, // channels last
            { data: x, shape: [N, C, h, w], strides: [C * h * w, h * w, -w, -1], offset: h * w - 1 }, // flipped
          ];
          for (const v of views) expect(Array.from(be.maxPoolIndices(v, g))).toEqual(Array.from(jsKernels.maxPoolIndices(v, g)));
        },
      ),
      { seed: 11, numRuns: 40 },
    );
  });
});
