import { afterEach, describe, expect, it } from 'vitest';
import type { DType, TypedArray } from '@tapegrad/core';
import { jsKernels } from '../../src/backend/js/js-kernels.js';
import { BINARY_KERNELS, UNARY_KERNELS } from '../../src/backend/js/elementwise.js';
import type { ArrayView } from '../../src/backend/cpu/cpu-kernels.js';
import type { View } from '../../src/backend/backend.js';
import type { GpuBuffer } from '../../src/backend/webgpu/gpu-buffer.js';
import type { ConvGeometry } from '../../src/primitives/primitives.js';
import { expectClose } from './compare.js';
import { fileDevice } from './gpu-device.js';

// Every kernel of the WebGPU backend against the reference kernels, on small
// shapes with strided, broadcast and offset views and the edge values NaN,
// ±inf and -0.

const setup = await fileDevice();
const be = setup.backend;

const EDGES = [NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, -2.5, 3, 1e-3, 40, -40, 100, -100];

function data(dtype: DType, n: number, seed: number, edges = true): TypedArray {
  const out = dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const r = (s / 2147483648) * 6 - 3;
    if (dtype === 'float32') out[i] = edges && i % 3 === 0 ? EDGES[(i / 3 + seed) % EDGES.length]! : r;
    else if (dtype === 'int32') out[i] = Math.round(r * 3);
    else out[i] = r > 0 ? 1 : 0;
  }
  return out;
}

interface Pair {
  cpu: ArrayView;
  gpu: View<GpuBuffer>;
}

function pair(d: TypedArray, shape: number[], strides: number[], offset = 0): Pair {
  return { cpu: { data: d, shape, strides, offset }, gpu: { buffer: be!.upload(d.slice()), shape, strides, offset } };
}

async function same(gpu: GpuBuffer, cpu: TypedArray, what: string, rtol = 2e-5, atol = 1e-6): Promise<void> {
  const got = await be!.readAsync(gpu);
  expect(got.constructor, what).toBe(cpu.constructor);
  expectClose(got, cpu, what, rtol, atol);
}

// Layouts of a [2, 3, 4] operand: contiguous, transposed, broadcast, offset into a larger buffer.
const layouts = (dtype: DType, seed: number): [string, Pair][] => [
  ['contiguous', pair(data(dtype, 24, seed), [2, 3, 4], [12, 4, 1])],
  ['permuted', pair(data(dtype, 24, seed + 1), [2, 3, 4], [1, 8, 2])],
  ['broadcast', pair(data(dtype, 4, seed + 2), [2, 3, 4], [0, 0, 1])],
  ['offset, negative step', pair(data(dtype, 40, seed + 3), [2, 3, 4], [15, 5, -1], 8)],
];

describe.skipIf(be === null)('webgpu kernels match the reference', () => {
  // Each test answers for the validation errors it caused, and only those.
  afterEach(() => {
    const errors = setup.errors.splice(0);
    expect(errors).toEqual([]);
  });

  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    it(`copy and dtype conversion from ${dtype}`, async () => {
      for (const [name, x] of layouts(dtype, 1)) {
        for (const out of ['float32', 'int32', 'bool'] as const) await same(be!.copy(x.gpu, out), jsKernels.copy(x.cpu, out), `copy ${name} → ${out}`);
      }
    });
  }

  it('converts float32 to int32 as Int32Array does (truncation, wrap, NaN and inf to 0)', async () => {
    const x = pair(Float32Array.of(2.7, -2.7, 3e9, -3e9, NaN, Infinity, -0, 2 ** 31, 1e20), [9], [1]);
    await same(be!.copy(x.gpu, 'int32'), jsKernels.copy(x.cpu, 'int32'), 'toI32');
  });

  for (const op of UNARY_KERNELS) {
    it(`unary ${op}`, async () => {
      for (const [name, x] of layouts('float32', 3)) {
        await same(be!.unary(op, x.gpu, 'float32'), jsKernels.unary(op, x.cpu, 'float32'), `${op} ${name}`, 3e-5, 1e-6);
      }
      const i = pair(data('int32', 12, 5), [3, 4], [4, 1]);
      const outDtype = op === 'not' ? 'bool' : ['neg', 'abs', 'sign', 'relu'].includes(op) ? 'int32' : 'float32';
      await same(be!.unary(op, i.gpu, outDtype), jsKernels.unary(op, i.cpu, outDtype), `${op} int32`, 3e-5, 1e-6);
    });
  }

  for (const op of BINARY_KERNELS) {
    it(`binary ${op}`, async () => {
      const logical = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or'].includes(op);
      const a = layouts('float32', 7);
      const b = layouts('float32', 11);
      for (let k = 0; k < a.length; k++) {
        const [na, x] = a[k]!;
        const [nb, y] = b[(k + 1) % b.length]!;
        const out = logical ? 'bool' : 'float32';
        await same(be!.binary(op, x.gpu, y.gpu, out), jsKernels.binary(op, x.cpu, y.cpu, out), `${op} ${na}, ${nb}`, 3e-5, 1e-6);
      }
      const i = pair(data('int32', 12, 5), [3, 4], [4, 1]);
      const j = pair(data('int32', 4, 6), [3, 4], [0, 1]);
      const out = logical ? 'bool' : op === 'div' || op === 'pow' ? 'float32' : 'int32';
      await same(be!.binary(op, i.gpu, j.gpu, out), jsKernels.binary(op, i.cpu, j.cpu, out), `${op} int32`, 3e-5, 1e-6);
    });
  }

  it('pow at its edges', async () => {
    const xs = [-2, -0, 0, 2, -1, 1, NaN, Infinity, -Infinity, 0.5, -0.5];
    const ys = [3, -3, 2, 0.5, -0.5, 0, NaN, Infinity, -Infinity, 1, 4];
    const a = Float32Array.from(xs.flatMap((x) => ys.map(() => x)));
    const b = Float32Array.from(xs.flatMap(() => ys));
    const x = pair(a, [a.length], [1]);
    const y = pair(b, [b.length], [1]);
    await same(be!.binary('pow', x.gpu, y.gpu, 'float32'), jsKernels.binary('pow', x.cpu, y.cpu, 'float32'), 'pow', 3e-5, 1e-6);
  });

  it('where', async () => {
    const c = pair(data('bool', 12, 2), [2, 3, 4], [0, 4, 1]);
    const [, a] = layouts('float32', 4)[1]!;
    const [, b] = layouts('float32', 5)[2]!;
    await same(be!.where(c.gpu, a.gpu, b.gpu, 'float32'), jsKernels.where(c.cpu, a.cpu, b.cpu, 'float32'), 'where');
    const cf = pair(Float32Array.of(0.5, 0, NaN, -1), [4], [1]);
    const x = pair(Int32Array.of(1, 2, 3, 4), [4], [1]);
    const y = pair(Int32Array.of(-1), [4], [0]);
    await same(be!.where(cf.gpu, x.gpu, y.gpu, 'int32'), jsKernels.where(cf.cpu, x.cpu, y.cpu, 'int32'), 'where float cond');
  });

  it('assign and the in-place kernels on strided targets', async () => {
    const run = async (what: string, f: (dst: View<GpuBuffer> | ArrayView, src: Pair, src2: Pair, cpu: boolean) => void): Promise<void> => {
      const base = data('float32', 30, 9);
      const dst = pair(base, [3, 4], [1, 6], 2);
      const src = pair(data('float32', 4, 10), [3, 4], [0, 1]);
      const src2 = pair(data('float32', 12, 12), [3, 4], [4, 1]);
      f(dst.gpu, src, src2, false);
      f(dst.cpu, src, src2, true);
      await same(dst.gpu.buffer, dst.cpu.data, what, 3e-5, 1e-6);
    };
    await run('assign', (d, s, _, cpu) => (cpu ? jsKernels.assign(d as ArrayView, s.cpu) : be!.assign(d as View<GpuBuffer>, s.gpu)));
    for (const op of ['exp', 'neg', 'relu', 'sigmoid'] as const) {
      await run(`unaryInPlace ${op}`, (d, _, __, cpu) => (cpu ? jsKernels.unaryInPlace(op, d as ArrayView) : be!.unaryInPlace(op, d as View<GpuBuffer>)));
    }
    for (const op of ['add', 'mul', 'maximum', 'div'] as const) {
      await run(`binaryInPlace ${op}`, (d, s, _, cpu) => (cpu ? jsKernels.binaryInPlace(op, d as ArrayView, s.cpu) : be!.binaryInPlace(op, d as View<GpuBuffer>, s.gpu)));
      await run(`addcInPlace ${op}`, (d, s, t, cpu) => (cpu ? jsKernels.addcInPlace(op, d as ArrayView, s.cpu, t.cpu, -0.5) : be!.addcInPlace(op, d as View<GpuBuffer>, s.gpu, t.gpu, -0.5)));
    }
    // A source that is the target itself, read at the same positions.
    const x = pair(data('float32', 8, 3, false), [8], [1]);
    be!.binaryInPlace('mul', x.gpu, x.gpu);
    jsKernels.binaryInPlace('mul', x.cpu, x.cpu);
    await same(x.gpu.buffer, x.cpu.data, 'x *= x');
    const i = pair(Int32Array.of(5, -7, 2147483647), [3], [1]);
    const one = pair(Int32Array.of(1), [3], [0]);
    be!.binaryInPlace('add', i.gpu, one.gpu);
    jsKernels.binaryInPlace('add', i.cpu, one.cpu);
    await same(i.gpu.buffer, i.cpu.data, 'int32 += 1 wraps');
  });

  for (const op of ['sum', 'max', 'min', 'prod'] as const) {
    it(`reduce ${op} over axes`, async () => {
      for (const [name, x] of layouts('float32', 13)) {
        for (const axes of [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]]) {
          const edges = name === 'contiguous';
          const v = edges ? x : x;
          await same(be!.reduce(op, v.gpu, axes, 'float32'), jsKernels.reduce(op, v.cpu, axes, 'float32'), `${op} ${name} axes ${axes.join(',')}`, 1e-4, 1e-5);
        }
      }
      const i = pair(data('int32', 24, 3), [2, 3, 4], [12, 4, 1]);
      await same(be!.reduce(op, i.gpu, [1], 'int32'), jsKernels.reduce(op, i.cpu, [1], 'int32'), `${op} int32`);
      const b = pair(data('bool', 24, 3), [2, 3, 4], [12, 4, 1]);
      if (op === 'sum') await same(be!.reduce(op, b.gpu, [0, 2], 'int32'), jsKernels.reduce(op, b.cpu, [0, 2], 'int32'), 'sum bool');
    });
  }

  it('argmax and argmin, NaN first', async () => {
    for (const [name, x] of layouts('float32', 17)) {
      for (const axis of [0, 1, 2]) {
        for (const op of ['argmax', 'argmin'] as const) await same(be!.argReduce(op, x.gpu, axis), jsKernels.argReduce(op, x.cpu, axis), `${op} ${name} axis ${axis}`);
      }
    }
    const i = pair(data('int32', 24, 3), [2, 3, 4], [12, 4, 1]);
    await same(be!.argReduce('argmax', i.gpu, 2), jsKernels.argReduce('argmax', i.cpu, 2), 'argmax int32');
  });

  it('matmul: batched, strided, broadcast batch, odd sizes', async () => {
    const cases: [number, number, number, number][] = [[1, 1, 1, 1], [2, 5, 7, 3], [3, 17, 19, 18], [1, 33, 20, 35]];
    for (const [B, M, K, N] of cases) {
      const a = pair(data('float32', B * M * K, 3, false), [B, M, K], [M * K, K, 1]);
      const bt = pair(data('float32', B * K * N, 4, false), [B, K, N], [K * N, 1, K]); // a transposed layout
      await same(be!.matmul(a.gpu, bt.gpu, 'float32'), jsKernels.matmul(a.cpu, bt.cpu, 'float32'), `matmul ${B}x${M}x${K}x${N}`, 1e-4, 1e-5);
      const shared = pair(data('float32', K * N + 3, 5, false), [B, K, N], [0, N, 1], 3);
      await same(be!.matmul(a.gpu, shared.gpu, 'float32'), jsKernels.matmul(a.cpu, shared.cpu, 'float32'), `matmul broadcast batch ${B}x${M}x${K}x${N}`, 1e-4, 1e-5);
    }
    // Attention's heads: [N, L, H·D] viewed as [N, H, L, D] (batch dims no one stride walks), times its transpose.
    const [n, l, h, d] = [2, 5, 3, 4];
    const q = pair(data('float32', n * l * h * d, 6, false), [n, h, l, d], [l * h * d, d, h * d, 1]);
    const kt = pair(data('float32', n * l * h * d, 7, false), [n, h, d, l], [l * h * d, d, 1, h * d]);
    await same(be!.matmul(q.gpu, kt.gpu, 'float32'), jsKernels.matmul(q.cpu, kt.cpu, 'float32'), 'matmul on head views', 1e-4, 1e-5);
    const e = pair(Float32Array.of(Infinity, 1, NaN, 2), [1, 2, 2], [4, 2, 1]);
    const f = pair(Float32Array.of(0, 1, 1, 0), [1, 2, 2], [4, 2, 1]);
    await same(be!.matmul(e.gpu, f.gpu, 'float32'), jsKernels.matmul(e.cpu, f.cpu, 'float32'), 'matmul inf·0');
    const i = pair(Int32Array.of(1, 2, 3, 4, 5, 6), [1, 2, 3], [6, 3, 1]);
    const j = pair(Int32Array.of(7, 8, 9, 10, 11, 12), [1, 3, 2], [6, 2, 1]);
    await same(be!.matmul(i.gpu, j.gpu, 'int32'), jsKernels.matmul(i.cpu, j.cpu, 'int32'), 'matmul int32');
  });

  it('gather and scatterAdd along each dim, strided index and source', async () => {
    for (const dim of [0, 1, 2]) {
      const x = layouts('float32', 21)[1]![1];
      const size = x.cpu.shape[dim]!;
      const ishape = [2, 3, 4].map((s, d) => (d === dim ? 5 : Math.max(1, s - 1)));
      const n = ishape.reduce((a, b) => a * b, 1);
      const idx = Int32Array.from({ length: n }, (_, k) => (k * 7 + dim) % size);
      const index = pair(idx, ishape, [ishape[1]! * ishape[2]!, ishape[2]!, 1]);
      await same(be!.gather(x.gpu, dim, index.gpu, 'float32'), jsKernels.gather(x.cpu, dim, index.cpu, 'float32'), `gather dim ${dim}`);
      const src = pair(data('float32', n * 2, 23, false), ishape, [ishape[1]! * ishape[2]! * 2, ishape[2]! * 2, 2]);
      await same(be!.scatterAdd(x.gpu, dim, index.gpu, src.gpu, 'float32'), jsKernels.scatterAdd(x.cpu, dim, index.cpu, src.cpu, 'float32'), `scatterAdd dim ${dim}`, 1e-4, 1e-5);
      const zeros = pair(Float32Array.of(0), [2, 3, 4], [0, 0, 0]);
      await same(be!.scatterAdd(zeros.gpu, dim, index.gpu, src.gpu, 'float32'), jsKernels.scatterAdd(zeros.cpu, dim, index.cpu, src.cpu, 'float32'), `scatterAdd into zeros dim ${dim}`, 1e-4, 1e-5);
    }
  });

  const geometries: [string, number[], ConvGeometry][] = [
    ['3x3 pad 1', [2, 3, 5, 6], { kernel: [3, 3], stride: [1, 1], dilation: [1, 1], padBefore: [1, 1], size: [5, 6], outSize: [5, 6] }],
    ['2x3 stride 2 dilation 2', [1, 2, 7, 8], { kernel: [2, 3], stride: [2, 2], dilation: [2, 2], padBefore: [1, 0], size: [7, 8], outSize: [3, 2] }],
    ['1x1 stride 3', [2, 4, 4, 4], { kernel: [1, 1], stride: [3, 3], dilation: [1, 1], padBefore: [0, 0], size: [4, 4], outSize: [2, 2] }],
  ];

  for (const [name, shape, g] of geometries) {
    it(`im2col, col2im, conv2d and its gradients, maxPoolIndices: ${name}`, async () => {
      const [N, C, H, W] = shape as [number, number, number, number];
      const [KH, KW] = g.kernel as [number, number];
      const [OH, OW] = g.outSize as [number, number];
      const x = pair(data('float32', N * C * H * W * 2, 31, false), shape, [C * H * W * 2, H * W * 2, W * 2, 2], 1); // strided
      await same(be!.im2col(x.gpu, g, 'float32'), jsKernels.im2col(x.cpu, g, 'float32'), 'im2col');
      const cols = pair(data('float32', N * C * KH * KW * OH * OW, 33, false), [N, C * KH * KW, OH * OW], [C * KH * KW * OH * OW, OH * OW, 1]);
      await same(be!.col2im(cols.gpu, g, 'float32'), jsKernels.col2im(cols.cpu, g, 'float32'), 'col2im', 1e-4, 1e-5);
      for (const groups of C % 2 === 0 ? [1, 2] : [1]) {
        const O = 4;
        const w = pair(data('float32', O * (C / groups) * KH * KW, 35, false), [O, C / groups, KH, KW], [(C / groups) * KH * KW, KH * KW, KW, 1]);
        await same(be!.conv2d(x.gpu, w.gpu, null, g, groups, 'float32'), jsKernels.conv2d(x.cpu, w.cpu, null, g, groups, 'float32'), `conv2d groups ${groups}`, 1e-4, 1e-5);
        // A bias read every other element, from an offset.
        const b = pair(data('float32', 2 * O + 1, 36, false), [O], [2], 1);
        await same(be!.conv2d(x.gpu, w.gpu, b.gpu, g, groups, 'float32'), jsKernels.conv2d(x.cpu, w.cpu, b.cpu, g, groups, 'float32'), `conv2d with bias groups ${groups}`, 1e-4, 1e-5);
        const gy = pair(data('float32', N * O * OH * OW, 37, false), [N, O, OH, OW], [O * OH * OW, OH * OW, OW, 1]);
        await same(be!.conv2dInput(gy.gpu, w.gpu, g, groups, 'float32'), jsKernels.conv2dInput(gy.cpu, w.cpu, g, groups, 'float32'), `conv2dInput groups ${groups}`, 1e-4, 1e-5);
        await same(be!.conv2dWeight(x.gpu, gy.gpu, g, groups, 'float32'), jsKernels.conv2dWeight(x.cpu, gy.cpu, g, groups, 'float32'), `conv2dWeight groups ${groups}`, 1e-4, 1e-5);
      }
      const e = pair(data('float32', N * C * H * W, 39), shape, [C * H * W, H * W, W, 1]);
      await same(be!.maxPoolIndices(e.gpu, g), jsKernels.maxPoolIndices(e.cpu, g), 'maxPoolIndices with NaN and inf');
      await same(be!.maxPoolIndices(x.gpu, g), jsKernels.maxPoolIndices(x.cpu, g), 'maxPoolIndices strided');
    });
  }

  it('fold along each dim', async () => {
    // x: windows at `dim`, window positions last: [2, 3, 4] windows of 3 → out length.
    for (const [dim, step, dilation] of [[0, 1, 1], [1, 2, 1], [1, 1, 2], [0, 3, 1]] as const) {
      const shape = [2, 3, 3];
      const length = (shape[dim]! - 1) * step + (3 - 1) * dilation + 1;
      const x = pair(data('float32', 18 * 2, 41, false), shape, [18, 6, 2], 1);
      await same(be!.fold(x.gpu, dim, 3, step, dilation, length, 'float32'), jsKernels.fold(x.cpu, dim, 3, step, dilation, length, 'float32'), `fold dim ${dim} step ${step} dilation ${dilation}`, 1e-4, 1e-5);
    }
  });

  it('alloc zeroes, upload and readAsync keep every dtype, read throws naming the async reads', async () => {
    for (const d of ['float32', 'int32', 'bool'] as const) {
      const reused = be!.upload(data(d, 10, 3));
      be!.release([reused]);
      expect(Array.from(await be!.readAsync(be!.alloc(d, 10)))).toEqual(new Array(10).fill(0));
      const x = data(d, 7, 5);
      await same(be!.upload(x.slice()), x, `upload ${d}`);
    }
    expect(() => be!.read(be!.alloc('float32', 1))).toThrow(/dataAsync\(\).*itemAsync\(\).*toArrayAsync\(\)/);
    expect(() => be!.upload(new Float64Array(2))).toThrow(/upload: float64 .*stays on the CPU/);
    const x = pair(Float32Array.of(1), [1], [1]);
    expect(() => be!.copy(x.gpu, 'float64')).toThrow(/copy: float64/);
    expect(() => be!.unary('exp', x.gpu, 'float64')).toThrow(/exp: float64/);
  });
});
