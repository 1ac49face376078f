import { describe, expect, it } from 'vitest';
import type { ConvGeometry, TypedArray } from '@tapegrad/core';
import { createWasmBackend, setNumThreads } from '@tapegrad/core';
import { workerThread } from '@tapegrad/core/node';
import { threadedMatmul } from '../src/backend/wasm/threads/num-threads.js';
import { jsKernels } from '../src/backend/js/js-kernels.js';
import { createWasmKernels } from '../src/backend/wasm/wasm-backend.js';
import { relaxedSimdSupported } from '../src/backend/wasm/emitter/simd-support.js';
import { wasmApi } from '../src/backend/wasm/emitter/wasm-api.js';
import { convModuleBytes } from '../src/backend/wasm/modules/conv-module.js';
import { matmulModuleBytes } from '../src/backend/wasm/modules/matmul-module.js';
import type { ArrayView as View } from '../src/backend/cpu/cpu-kernels.js';
import { rng } from './seeded-random.js';

// The products of the wasm backend with relaxed SIMD's multiply-add
// (`relaxed_madd`: fused or not, as the engine chooses) and with a plain
// multiply and add, each against the reference. The "relaxed simd" test
// project runs this file with --experimental-wasm-relaxed-simd where Node
// needs it (20 and 21); elsewhere the relaxed half runs where the engine has
// relaxed SIMD and says why it skips where not.
const api = wasmApi();
const relaxed = api !== null && relaxedSimdSupported(api);
if (!relaxed) {
  console.warn(
    `relaxed SIMD tests skipped: Node ${process.version} validates no relaxed_madd here (Node 20 and 21 need --experimental-wasm-relaxed-simd, which the "relaxed simd" test project passes)`,
  );
}
const variants = [
  { name: 'a multiply and an add', built: createWasmKernels(undefined, { relaxedSimd: false }), fma: false },
  { name: 'relaxed_madd', built: relaxed ? createWasmKernels(undefined, { relaxedSimd: true }) : null, fma: true },
];

function randomF32(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() - 0.5) * 4;
  return a;
}

function contiguous(data: TypedArray, shape: number[]): View {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, s) => p * s, 1));
  return { data, shape, strides, offset: 0 };
}

/** Equal where `want` is not finite; elsewhere within `tol`. */
function expectWithin(got: TypedArray, want: TypedArray, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    const ok = Number.isFinite(w) ? Math.abs(g - w) <= tol : Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w));
    if (!ok) expect({ i, got: g }).toEqual({ i, got: w });
  }
}

const RELAXED_MADD = [0xfd, 0x85, 0x02];
const holds = (bytes: Uint8Array, op: readonly number[]): boolean => bytes.some((_, i) => op.every((b, j) => bytes[i + j] === b));

describe('relaxed SIMD', () => {
  it('the products of the fma modules use relaxed_madd and the plain ones never do', () => {
    const tile = { mr: 4, nr: 8 };
    for (const fma of [false, true]) {
      for (const bytes of [matmulModuleBytes(tile, undefined, 'float32', fma), convModuleBytes(tile, fma)]) expect(holds(bytes, RELAXED_MADD)).toBe(fma);
    }
    // f64x2.relaxed_madd
    expect(holds(matmulModuleBytes({ mr: 4, nr: 4 }, undefined, 'float64', true), [0xfd, 0x87, 0x02])).toBe(true);
  });

  it('createWasmBackend({ relaxedSimd: false }) builds a wasm backend', () => {
    expect(createWasmBackend({ relaxedSimd: false })?.name).toBe('wasm');
  });
});

describe.each(variants)('products with $name against the reference', ({ built, fma }) => {
  const be = built?.kernels;

  it.skipIf(be === undefined)('the kernels say which they use', () => {
    expect(built!.relaxedSimd).toBe(fma);
  });

  it.skipIf(be === undefined)('matmul in float32 and float64: edge tiles, several blocks of k, transposed operands, infinities', () => {
    for (const [B, M, K, N] of [[1, 37, 300, 45], [3, 16, 27, 300], [1, 128, 520, 64]] as const) {
      const a = randomF32(B * M * K, M);
      const b = randomF32(B * K * N, N);
      b[5] = Infinity;
      const av = contiguous(a, [B, M, K]);
      const bv = contiguous(b, [B, K, N]);
      const at: View = { data: a, shape: [B, K, M], strides: [M * K, 1, K], offset: 0 };
      for (const [x, y] of [[av, bv], [{ ...at, shape: [B, M, K], strides: [M * K, K, 1] }, bv]] as const) {
        // Sums of K products of numbers below 2 in size, in another order than the reference (and fused or not).
        expectWithin(be!.matmul(x, y, 'float32'), jsKernels.matmul(x, y, 'float32'), 4e-6 * K);
        const x64 = { ...x, data: Float64Array.from(x.data) };
        const y64 = { ...y, data: Float64Array.from(y.data) };
        expectWithin(be!.matmul(x64, y64, 'float64'), jsKernels.matmul(x64, y64, 'float64'), 1e-14 * K);
      }
    }
  });

  it.skipIf(be === undefined)('the threaded matmul multiplies and adds as the engine allows; a backend that differs keeps its products on one thread', async () => {
    const [M, K, N] = [130, 257, 129];
    const a = contiguous(randomF32(M * K, 4), [1, M, K]);
    const b = contiguous(randomF32(K * N, 5), [1, K, N]);
    const oneThread = be!.matmul(a, b, 'float32');
    const same = (x: TypedArray, y: TypedArray): boolean => x.every((v, i) => Object.is(v, y[i]));
    await setNumThreads({ threads: 2, spawn: workerThread });
    try {
      const t = threadedMatmul()!;
      expect(t.relaxedSimd).toBe(relaxed);
      const threaded = t.matmul(a, b, 'float32')!;
      expectWithin(threaded, jsKernels.matmul(a, b, 'float32'), 4e-6 * K);
      // Threads split rows, not sums: the threaded kernel gives one thread's bits when it multiplies and
      // adds alike, and the backend's own product never changes with threads on.
      expect(same(threaded, oneThread)).toBe(fma === relaxed);
      expect(same(be!.matmul(a, b, 'float32'), oneThread)).toBe(true);
    } finally {
      await setNumThreads(1);
    }
  });

  it.skipIf(be === undefined)('conv2d (with bias) and its gradients: the direct kernel (stride 1 across) and the columns product', () => {
    for (const stride of [[1, 1], [2, 2]]) {
      const [n, C, O, h, w] = [2, 5, 6, 13, 17];
      const outSize = [h, w].map((s, d) => Math.floor((s + 2 - 3) / stride[d]!) + 1);
      const g: ConvGeometry = { kernel: [3, 3], stride, dilation: [1, 1], padBefore: [1, 1], size: [h, w], outSize };
      const x = contiguous(randomF32(n * C * h * w, 1), [n, C, h, w]);
      const wt = contiguous(randomF32(O * C * 9, 2), [O, C, 3, 3]);
      const gy = contiguous(randomF32(n * O * outSize[0]! * outSize[1]!, 3), [n, O, ...outSize]);
      const b = contiguous(randomF32(O, 4), [O]);
      expectWithin(be!.conv2d(x, wt, b, g, 1, 'float32'), jsKernels.conv2d(x, wt, b, g, 1, 'float32'), 4e-6 * (C * 9 + 1));
      expectWithin(be!.conv2dInput(gy, wt, g, 1, 'float32'), jsKernels.conv2dInput(gy, wt, g, 1, 'float32'), 4e-6 * O * 9);
      expectWithin(be!.conv2dWeight(x, gy, g, 1, 'float32'), jsKernels.conv2dWeight(x, gy, g, 1, 'float32'), 4e-6 * n * outSize[0]! * outSize[1]!);
    }
  });
});
