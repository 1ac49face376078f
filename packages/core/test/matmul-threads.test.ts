import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNumThreads, randn, setNumThreads, type TypedArray } from '@tapegrad/core';
import { jsKernels } from '../src/backend/js/js-kernels.js';
import { createWasmKernels } from '../src/backend/wasm/wasm-backend.js';
import type { ArrayView as View } from '../src/backend/cpu/cpu-kernels.js';
import { useAllCores, workerThread } from '@tapegrad/core/node';
import { availableParallelism } from 'node:os';
import { threadedMatmul } from '../src/backend/wasm/threads/num-threads.js';

// The threaded wasm matmul against the reference backend, on shapes that are
// not multiples of the tiles, transposed and broadcast operands; and the
// configuration's errors. Threads are off again after this file.
const wasm = createWasmKernels()?.kernels ?? null;
const spawn = workerThread;

/** A deterministic generator, so that failures reproduce. */
function randomF32(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * 4;
  }
  return a;
}

const abs = (v: View): View => ({ ...v, data: (v.data as Float32Array).map(Math.abs) });

/** Within float32 rounding of another summation order: relative to the sum of |terms| of each element. */
function expectCloseToReference(got: TypedArray, a: View, b: View): void {
  const want = jsKernels.matmul(a, b, 'float32');
  const scale = jsKernels.matmul(abs(a), abs(b), 'float32');
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i]! - want[i]!) > 1e-5 * Math.max(1e-30, scale[i]!)) expect({ i, got: got[i] }).toEqual({ i, got: want[i] });
  }
}

/** Bit for bit equal (toEqual on 150,000 elements takes seconds). */
function sameBits(x: TypedArray, y: TypedArray): boolean {
  return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
}

/** `[B, rows, cols]` views of `data`: row-major, and transposed (what `.mT` gives). */
function layouts(data: Float32Array, B: number, rows: number, cols: number): View[] {
  return [
    { data, shape: [B, rows, cols], strides: [rows * cols, cols, 1], offset: 0 },
    { data, shape: [B, rows, cols], strides: [rows * cols, 1, rows], offset: 0 },
  ];
}

describe('setNumThreads configuration', () => {
  it('rejects a thread count that is not a positive integer', () => {
    expect(() => setNumThreads(0)).toThrow(/setNumThreads: threads must be a positive integer.*got 0/);
    expect(() => setNumThreads(1.5)).toThrow(/setNumThreads: threads must be a positive integer.*got 1\.5/);
    expect(() => setNumThreads({ threads: Number.NaN, spawn })).toThrow(/setNumThreads: threads must be a positive integer/);
  });

  it('asks for a spawn function when none was ever given', () => {
    expect(() => setNumThreads({ threads: 2 })).toThrow(/setNumThreads: 2 threads need a spawn function \(source: string\) => WorkerLike/);
    expect(() => setNumThreads(2)).toThrow(/need a spawn function/);
    expect(() => setNumThreads({ threads: 2, spawn: 'worker.js' as unknown as typeof spawn })).toThrow(/setNumThreads: spawn must be a function/);
    expect(getNumThreads()).toBe(1);
  });

  it('names SharedArrayBuffer when the environment lacks it', () => {
    const g = globalThis as { SharedArrayBuffer?: unknown };
    const saved = g.SharedArrayBuffer;
    delete g.SharedArrayBuffer;
    try {
      expect(() => setNumThreads({ threads: 2, spawn })).toThrow(/setNumThreads: threads need SharedArrayBuffer/);
    } finally {
      g.SharedArrayBuffer = saved;
    }
    expect(getNumThreads()).toBe(1);
  });
});

describe.skipIf(wasm === null)('matmul on two threads', () => {
  const be = wasm!;
  beforeAll(async () => {
    await setNumThreads({ threads: 2, spawn });
  });
  afterAll(async () => {
    await setNumThreads(1);
  });

  const SHAPES: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [1, 7, 13, 5],
    [1, 130, 257, 129],
    [1, 513, 64, 1000],
    [2, 67, 300, 1030],
  ];

  it('runs two threads once started, and keeps them when asked again', async () => {
    expect(getNumThreads()).toBe(2);
    const running = threadedMatmul();
    expect(running?.ready()).toBe(true);
    await setNumThreads({ threads: 2, spawn });
    await setNumThreads(2);
    expect(threadedMatmul()).toBe(running);
  });

  it.each(SHAPES)('[%i, %i, %i] · [., ., %i] in every transpose matches the reference', (B, M, K, N) => {
    const a = randomF32(B * M * K, M * 31 + K);
    const b = randomF32(B * K * N, K * 17 + N);
    const large = M >= 8 && M * K * N >= 1 << 20;
    for (const av of layouts(a, B, M, K)) {
      for (const bv of layouts(b, B, K, N)) {
        expectCloseToReference(be.matmul(av, bv, 'float32'), av, bv);
        // Large products really take the threaded kernel; small ones are left to one thread.
        const threaded = threadedMatmul()!.matmul(av, bv, 'float32');
        if (large) expectCloseToReference(threaded!, av, bv);
        else expect(threaded).toBeNull();
      }
    }
  });

  it('matches the reference with a broadcast (stride-0) batch operand on either side', () => {
    const a = randomF32(3 * 200 * 150, 5);
    const w = randomF32(150 * 260, 6);
    const av: View = { data: a, shape: [3, 200, 150], strides: [200 * 150, 150, 1], offset: 0 };
    const wv: View = { data: w, shape: [3, 150, 260], strides: [0, 260, 1], offset: 0 };
    expectCloseToReference(threadedMatmul()!.matmul(av, wv, 'float32')!, av, wv);
    // A broadcast, transposed left operand: [3, 260, 150] read from one [150, 260] matrix.
    const wt: View = { data: w, shape: [3, 260, 150], strides: [0, 1, 260], offset: 0 };
    const bv: View = { data: randomF32(3 * 150 * 90, 7), shape: [3, 150, 90], strides: [150 * 90, 90, 1], offset: 0 };
    expectCloseToReference(threadedMatmul()!.matmul(wt, bv, 'float32')!, wt, bv);
  });

  it('computes tensor products through the public API', () => {
    const x = randn([3, 140, 300]);
    const w = randn([300, 270]);
    const got = x.matmul(w);
    expect(got.shape).toEqual([3, 140, 270]);
    const xv: View = { data: x.data, shape: [3, 140, 300], strides: [140 * 300, 300, 1], offset: 0 };
    const wv: View = { data: w.data, shape: [3, 300, 270], strides: [0, 270, 1], offset: 0 };
    expectCloseToReference(got.data, xv, wv);
  });

  it('setNumThreads(1) goes back to one thread, with the same results', async () => {
    const a = randomF32(300 * 400, 11);
    const b = randomF32(400 * 500, 12);
    const [av] = layouts(a, 1, 300, 400);
    const [bv] = layouts(b, 1, 400, 500);
    const onTwo = be.matmul(av!, bv!, 'float32');
    await setNumThreads(1);
    expect(getNumThreads()).toBe(1);
    expect(threadedMatmul()).toBeNull();
    // Each element sums its k blocks in the same order on one thread or two: identical bits.
    expect(sameBits(be.matmul(av!, bv!, 'float32'), onTwo)).toBe(true);
    // The spawn function given before is reused.
    await setNumThreads(2);
    expect(getNumThreads()).toBe(2);
    expect(sameBits(be.matmul(av!, bv!, 'float32'), onTwo)).toBe(true);
  });
});

// Last: it leaves a spawn function remembered, which the configuration tests above must not see.
describe('useAllCores', () => {
  it('runs on every core the process may use, then back to one thread', async () => {
    const n = await useAllCores();
    expect(n).toBe(availableParallelism());
    expect(getNumThreads()).toBe(n);
    const a = randn([300, 200]);
    const b = randn([200, 100]);
    const got = a.matmul(b).data;
    await setNumThreads(1);
    expect(Array.from(a.matmul(b).data)).toEqual(Array.from(got));
  });
});
