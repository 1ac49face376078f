import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ShapeError,
  IndexError,
  type Tensor,
  adaptiveAvgPool2d,
  arange,
  cat,
  full,
  avgPool2d,
  conv1d,
  col2im,
  conv2d,
  fold,
  im2col,
  maxPool2d,
  ones,
  randn,
  configureStoragePool,
  tensor,
  unfold,
  Generator,
  type ConvOptions,
} from '@tapegrad/core';
import { assertAllClose, gradcheck, gradgradcheck } from '@tapegrad/core/testing';

const f64 = { dtype: 'float64' } as const;
const SEED = 20240607;

/** Direct-definition convolution by loops: the oracle for the im2col version. */
function naiveConv2d(x: Tensor, w: Tensor, b: Tensor | null, s: [number, number], p: [number, number], d: [number, number], groups: number): number[] {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  const xv = x.data;
  const wv = w.data;
  const bv = b?.data;
  const oh = Math.floor((h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0]) + 1;
  const ow = Math.floor((wd + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1]) + 1;
  const og = o / groups;
  const out: number[] = [];
  for (let ni = 0; ni < n; ni++)
    for (let oi = 0; oi < o; oi++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let acc = bv === undefined ? 0 : bv[oi]!;
          const g = Math.floor(oi / og);
          for (let ci = 0; ci < cg; ci++)
            for (let a = 0; a < kh; a++)
              for (let bb = 0; bb < kw; bb++) {
                const y = i * s[0] - p[0] + a * d[0];
                const xx = j * s[1] - p[1] + bb * d[1];
                if (y < 0 || y >= h || xx < 0 || xx >= wd) continue;
                acc += xv[((ni * c + g * cg + ci) * h + y) * wd + xx]! * wv[((oi * cg + ci) * kh + a) * kw + bb]!;
              }
          out.push(acc);
        }
  return out;
}

interface ConvCase {
  n: number;
  groups: number;
  cg: number;
  og: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  bias: boolean;
}

const convCases: fc.Arbitrary<ConvCase> = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    groups: fc.integer({ min: 1, max: 2 }),
    cg: fc.integer({ min: 1, max: 2 }),
    og: fc.integer({ min: 1, max: 2 }),
    kh: fc.integer({ min: 1, max: 3 }),
    kw: fc.integer({ min: 1, max: 3 }),
    stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    padding: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })),
    dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    extraH: fc.integer({ min: 0, max: 2 }),
    extraW: fc.integer({ min: 0, max: 2 }),
    bias: fc.boolean(),
  })
  .map((r) => ({
    ...r,
    // the smallest input whose padded size still holds one dilated window
    h: Math.max(1, r.dilation[0] * (r.kh - 1) + 1 - 2 * r.padding[0]) + r.extraH,
    w: Math.max(1, r.dilation[1] * (r.kw - 1) + 1 - 2 * r.padding[1]) + r.extraW,
  }));

function makeConv(c: ConvCase, gen: Generator): { x: Tensor; w: Tensor; b: Tensor | null; opts: ConvOptions } {
  const x = randn([c.n, c.cg * c.groups, c.h, c.w], { ...f64, generator: gen });
  const w = randn([c.og * c.groups, c.cg, c.kh, c.kw], { ...f64, generator: gen });
  const b = c.bias ? randn([c.og * c.groups], { ...f64, generator: gen }) : null;
  return { x, w, b, opts: { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups } };
}

describe('unfold and fold', () => {
  it('views sliding windows along a dim, with step and dilation', () => {
    expect(unfold(arange(5), 0, 3, 1).toArray()).toEqual([[0, 1, 2], [1, 2, 3], [2, 3, 4]]);
    expect(arange(7).unfold(0, 2, 3, 2).toArray()).toEqual([[0, 2], [3, 5]]);
    expect(arange(6).reshape([2, 3]).unfold(1, 2, 1).shape).toEqual([2, 2, 2]);
  });

  it('fold adds overlapping windows back', () => {
    expect(fold(ones([3, 3]), 0, 3, 1, 5).toArray()).toEqual([1, 2, 3, 2, 1]);
    // positions no window covers get zero
    expect(fold(ones([2, 2]), 0, 2, 3, 6).toArray()).toEqual([1, 1, 0, 1, 1, 0]);
  });

  it('unfold and fold are each other’s gradient, twice over', () => {
    const x = randn([2, 7], { ...f64, generator: new Generator(SEED) }).requiresGrad_();
    gradcheck((t) => t.unfold(1, 3, 2, 2), [x]);
    gradgradcheck((t) => t.unfold(1, 2, 1).square(), [x]);
    const win = randn([2, 3, 3], { ...f64, generator: new Generator(SEED + 1) }).requiresGrad_();
    gradcheck((t) => fold(t, 1, 3, 2, 7), [win]);
  });

  it('rejects windows that do not fit', () => {
    expect(() => arange(3).unfold(0, 4, 1)).toThrow(ShapeError);
    expect(() => arange(3).unfold(0, 2, 0)).toThrow(IndexError);
    expect(() => fold(ones([3, 2]), 0, 3, 1, 5)).toThrow(ShapeError);
  });
});

/** im2col by definition, one element at a time, over [N, C, H, W] values in row-major order. */
function naiveIm2col(v: number[], [N, C, H, W]: number[], k: [number, number], s: [number, number], p: [number, number], d: [number, number]): { out: number[]; oh: number; ow: number } {
  const oh = Math.floor((H! + 2 * p[0] - d[0] * (k[0] - 1) - 1) / s[0]) + 1;
  const ow = Math.floor((W! + 2 * p[1] - d[1] * (k[1] - 1) - 1) / s[1]) + 1;
  const out: number[] = [];
  for (let n = 0; n < N!; n++)
    for (let c = 0; c < C!; c++)
      for (let i = 0; i < k[0]; i++)
        for (let j = 0; j < k[1]; j++)
          for (let y = 0; y < oh; y++)
            for (let x = 0; x < ow; x++) {
              const ih = y * s[0] - p[0] + i * d[0];
              const iw = x * s[1] - p[1] + j * d[1];
              out.push(ih < 0 || ih >= H! || iw < 0 || iw >= W! ? 0 : v[((n * C! + c) * H! + ih) * W! + iw]!);
            }
  return { out, oh, ow };
}

describe('im2col and col2im', () => {
  it('lays windows out as PyTorch\'s unfold does, padding reading 0', () => {
    const gen = new Generator(SEED + 7);
    fc.assert(
      fc.property(convCases, ({ n, cg, groups, h, w, kh, kw, stride: s, padding: p, dilation: d }) => {
        const c = cg * groups;
        const k: [number, number] = [kh, kw];
        const x = randn([n, c, h, w], { ...f64, generator: gen });
        const want = naiveIm2col(Array.from(x.data), [n, c, h, w], k, s, p, d);
        const got = im2col(x, k, { stride: s, padding: p, dilation: d });
        expect(got.shape).toEqual([n, c * k[0] * k[1], want.oh * want.ow]);
        expect(Array.from(got.data)).toEqual(want.out);
        // A strided (transposed) input gives the same columns.
        const t = x.transpose(2, 3).contiguous().transpose(2, 3);
        expect(Array.from(im2col(t, k, { stride: s, padding: p, dilation: d }).data)).toEqual(want.out);
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('col2im adds each column back where it came from, worked by hand', () => {
    // Four 2×2 windows over a 3×3 image: the centre is in all four, edges in two, corners in one.
    expect(col2im(ones([1, 4, 4]), [3, 3], 2).toArray()).toEqual([[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]);
    // With padding 1, taps in the padding are dropped: 3×3 windows at stride 2 over 2×2.
    expect(col2im(ones([1, 9, 1]), [2, 2], 3, { padding: 1, stride: 2 }).toArray()).toEqual([[[[1, 1], [1, 1]]]]);
  });

  it('are each other\'s gradient, twice over (gradcheck, gradgradcheck)', () => {
    const x = randn([2, 2, 5, 6], { ...f64, generator: new Generator(SEED + 8) }).requiresGrad_();
    gradcheck((t) => im2col(t, [2, 3], { stride: [2, 1], padding: [1, 0], dilation: [1, 2] }), [x]);
    gradgradcheck((t) => im2col(t, 2, { padding: 1 }).square(), [x]);
    const cols = randn([2, 6, 12], { ...f64, generator: new Generator(SEED + 9) }).requiresGrad_();
    gradcheck((t) => col2im(t, [4, 5], [1, 3], { padding: [0, 1], stride: [1, 2] }), [cols]);
    gradgradcheck((t) => col2im(t, [4, 5], [1, 3], { padding: [0, 1], stride: [1, 2] }).square(), [cols]);
  });

  it('names the op and the shapes on bad input', () => {
    expect(() => im2col(ones([3, 4, 4]), 2)).toThrow(/im2col: expected input of shape \[N, C, H, W\], got \[3, 4, 4\]/);
    expect(() => im2col(ones([1, 1, 2, 2]), 3)).toThrow(ShapeError);
    expect(() => col2im(ones([1, 5, 4]), [3, 3], 2)).toThrow(/col2im: expected columns of shape \[N, C·4, 4\]/);
    expect(() => im2col(ones([1, 1, 4, 4]), 0)).toThrow(IndexError);
  });
});

describe('conv2d', () => {
  it('matches a 2×2 kernel on a 3×3 input worked by hand', () => {
    const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    const w = tensor([[[[1, 2], [3, 4]]]]);
    // out[0][0] = 1·1 + 2·2 + 4·3 + 5·4 = 37, and so on one step right / down
    expect(conv2d(x, w).toArray()).toEqual([[[[37, 47], [67, 77]]]]);
    expect(conv2d(x, w, tensor([1])).toArray()).toEqual([[[[38, 48], [68, 78]]]]);
    // padding 1 adds a ring of zeros: the top-left output sees only x[0][0] under w[1][1]
    expect((conv2d(x, w, null, { padding: 1 }).toArray() as number[][][][])[0]![0]![0]).toEqual([4, 11, 18, 9]);
    // stride 2 over the padded input keeps every other window
    // (1, 0) sees x[1][0]·w[0][1] + x[2][0]·w[1][1] = 8 + 28; (1, 1) is the unpadded 77
    expect(conv2d(x, w, null, { padding: 1, stride: 2 }).toArray()).toEqual([[[[4, 18], [36, 77]]]]);
  });

  it('matches direct loops over random geometries', () => {
    const gen = new Generator(SEED);
    fc.assert(
      fc.property(convCases, (c) => {
        const { x, w, b, opts } = makeConv(c, gen);
        const expected = naiveConv2d(x, w, b, c.stride, c.padding, c.dilation, c.groups);
        const got = Array.from(conv2d(x, w, b, opts).data);
        expect(got.length).toBe(expected.length);
        got.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 10));
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('adds the bias in float32 products large enough for the fast kernels, over odd geometries', () => {
    const gen = new Generator(SEED + 9);
    // Stride 1 across (the direct kernel) or 2 (the columns' product); 5 output channels per group cut a tile.
    const cases: [number, [number, number], [number, number], [number, number]][] = [
      [1, [1, 1], [1, 1], [1, 1]],
      [3, [2, 1], [0, 2], [1, 2]],
      [2, [1, 2], [2, 1], [2, 1]],
    ];
    for (const [groups, stride, padding, dilation] of cases) {
      const x = randn([3, 2 * groups, 13, 17], { generator: gen });
      const w = randn([5 * groups, 2, 3, 3], { generator: gen });
      const b = randn([5 * groups], { generator: gen });
      const want = naiveConv2d(x, w, b, stride, padding, dilation, groups);
      const got = conv2d(x, w, b, { stride, padding, dilation, groups }).data;
      expect(got.length).toBe(want.length);
      want.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))));
    }
  });

  it('computes in the dtype that adding the bias gives', () => {
    const x = randn([1, 2, 4, 4]);
    const w = randn([3, 2, 3, 3]);
    const b = tensor([0.5, -1, 2], f64);
    const out = conv2d(x, w, b);
    expect(out.dtype).toBe('float64');
    assertAllClose(out, conv2d(x.to('float64'), w.to('float64')).add(b.reshape([3, 1, 1])), { atol: 1e-12, rtol: 0 });
  });

  it('gives the same output whether the tape records it or not', () => {
    const gen = new Generator(SEED);
    const x = randn([8, 3, 16, 16], { generator: gen });
    const w = randn([16, 3, 3, 3], { generator: gen });
    const b = randn([16], { generator: gen });
    const plain = conv2d(x, w, b, { padding: 1 });
    const recorded = conv2d(x, w.detach().requiresGrad_(), b, { padding: 1 });
    expect(recorded.requiresGrad).toBe(true);
    expect(Array.from(plain.data)).toEqual(Array.from(recorded.data));
    const noBias = conv2d(x, w, null, { padding: 1 }).data;
    const bias = b.toArray() as number[];
    Array.from(plain.data).forEach((v, i) => expect(v).toBeCloseTo(noBias[i]! + bias[Math.floor(i / 256) % 16]!, 4));
  });

  // Gradients of sum(conv2d(x, w)) (stride 1, padding 1, 3×3), by definition:
  // dw[o, c, i, j] sums the input each weight meets over every output
  // position; dx[n, c, h, v] sums the weights whose window covers (h, v).
  function sumConvGrads(x: number[][][][], w: number[][][][]): { dw: number[]; dx: number[] } {
    const [N, C, H, W] = [x.length, x[0]!.length, x[0]![0]!.length, x[0]![0]![0]!.length];
    const O = w.length;
    const at = (n: number, c: number, h: number, v: number): number => (h < 0 || h >= H || v < 0 || v >= W ? 0 : x[n]![c]![h]![v]!);
    const dw: number[] = [];
    for (let o = 0; o < O; o++)
      for (let c = 0; c < C; c++)
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 3; j++) {
            let s = 0;
            for (let n = 0; n < N; n++) for (let p = 0; p < H; p++) for (let q = 0; q < W; q++) s += at(n, c, p + i - 1, q + j - 1);
            dw.push(s);
          }
    const dx: number[] = [];
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let h = 0; h < H; h++)
          for (let v = 0; v < W; v++) {
            let s = 0;
            for (let o = 0; o < O; o++)
              for (let i = 0; i < 3; i++)
                for (let j = 0; j < 3; j++) {
                  const [p, q] = [h - i + 1, v - j + 1];
                  if (p >= 0 && p < H && q >= 0 && q < W) s += w[o]![c]![i]![j]!;
                }
            dx.push(s);
          }
    return { dw, dx };
  }

  it('keeps gradients right over training steps that reuse pooled storage', () => {
    configureStoragePool({ maxBytes: 64 << 20 });
    const gen = new Generator(SEED + 5);
    const w = randn([4, 3, 3, 3], { generator: gen }).requiresGrad_();
    const wValues = w.toArray() as number[][][][];
    const grads: { dw: number[]; dx: number[] }[] = [];
    const inputs: number[][][][][] = [];
    for (let step = 0; step < 3; step++) {
      const x = randn([2, 3, 16, 16], { generator: gen }).requiresGrad_();
      inputs.push(x.toArray() as number[][][][]);
      conv2d(x, w, null, { padding: 1 }).sum().backward();
      grads.push({ dw: Array.from(w.grad!.data), dx: Array.from(x.grad!.data) });
      w.grad = null;
    }
    grads.forEach((g, step) => {
      const want = sumConvGrads(inputs[step]!, wValues);
      assertAllClose(tensor(g.dw), tensor(want.dw), { atol: 1e-3, rtol: 1e-4 });
      assertAllClose(tensor(g.dx), tensor(want.dx), { atol: 1e-4, rtol: 1e-5 });
    });
  });

  it('has gradients for input, weight and bias (gradcheck)', () => {
    const gen = new Generator(SEED + 2);
    fc.assert(
      fc.property(convCases, (c) => {
        const { x, w, b, opts } = makeConv({ ...c, bias: true }, gen);
        gradcheck((xi, wi, bi) => conv2d(xi, wi, bi, opts), [x.requiresGrad_(), w.requiresGrad_(), b!.requiresGrad_()]);
      }),
      { seed: SEED, numRuns: 8 },
    );
  });

  it('has second derivatives over random geometries: each gradient primitive differentiates too (gradgradcheck)', () => {
    const gen = new Generator(SEED + 6);
    fc.assert(
      fc.property(convCases, (c) => {
        const { x, w, opts } = makeConv(c, gen);
        gradgradcheck((xi, wi) => conv2d(xi, wi, null, opts), [x.requiresGrad_(), w.requiresGrad_()]);
      }),
      { seed: SEED, numRuns: 6 },
    );
  });

  it('has second derivatives (gradgradcheck)', () => {
    const gen = new Generator(SEED + 3);
    const x = randn([1, 2, 3, 3], { ...f64, generator: gen }).requiresGrad_();
    const w = randn([2, 1, 2, 2], { ...f64, generator: gen }).requiresGrad_();
    const b = randn([2], { ...f64, generator: gen }).requiresGrad_();
    gradgradcheck((xi, wi) => conv2d(xi, wi, null, { groups: 2, padding: 1, stride: [1, 2] }), [x, w]);
    gradgradcheck((xi, wi, bi) => conv2d(xi, wi, bi, { groups: 2, padding: 1, stride: [1, 2] }).square(), [x, w, b]);
  });

  it('has the bias gradient of the output gradient summed over batch and positions', () => {
    const x = randn([2, 3, 5, 4], f64);
    const w = randn([4, 3, 3, 3], f64);
    const b = randn([4], f64).requiresGrad_();
    const g = randn([2, 4, 5, 4], f64);
    conv2d(x, w, b, { padding: 1 }).mul(g).sum().backward();
    // d/db[o] Σ g·out = Σ over n, h, w of g[n, o, h, w]
    const gv = g.toArray() as number[][][][];
    const want = [0, 1, 2, 3].map((o) => gv.reduce((s, n) => s + n[o]!.flat().reduce((a, v) => a + v, 0), 0));
    assertAllClose(b.grad!, tensor(want, f64), { atol: 1e-12, rtol: 1e-12 });
  });

  it("keeps the size with padding 'same' (an even kernel pads more at the end)", () => {
    const x = randn([1, 1, 5, 4], f64);
    const w = randn([3, 1, 2, 3], f64);
    const same = conv2d(x, w, null, { padding: 'same' });
    expect(same.shape).toEqual([1, 3, 5, 4]);
    const explicit = conv2d(x.pad([1, 1, 0, 1]), w);
    assertAllClose(same, explicit);
    expect(conv2d(x, w, null, { padding: 'valid' }).shape).toEqual([1, 3, 4, 2]);
  });

  it('accepts an unbatched input', () => {
    const x = randn([2, 4, 4], f64);
    const w = randn([3, 2, 3, 3], f64);
    assertAllClose(conv2d(x, w), conv2d(x.unsqueeze(0), w).squeeze(0));
  });

  it('names the op and the shapes on bad input', () => {
    const w = ones([4, 3, 3, 3]);
    expect(() => conv2d(ones([1, 2, 5, 5]), w)).toThrow(/conv2d: input of shape \[1, 2, 5, 5\] has 2 channels, but weight of shape \[4, 3, 3, 3\]/);
    expect(() => conv2d(ones([1, 3, 5]), ones([4, 3, 3]))).toThrow(ShapeError);
    expect(() => conv2d(ones([3, 5, 5, 5, 5]), w)).toThrow(/expected input of shape \[N, C, H, W\]/);
    expect(() => conv2d(ones([1, 3, 2, 2]), w)).toThrow(/too small/);
    expect(() => conv2d(ones([1, 3, 5, 5]), w, ones([3]))).toThrow(/expected bias of shape \[4\]/);
    expect(() => conv2d(ones([1, 4, 5, 5]), ones([3, 2, 3, 3]), null, { groups: 2 })).toThrow(/not divisible by groups 2/);
    expect(() => conv2d(ones([1, 3, 5, 5]), w, null, { stride: 0 })).toThrow(IndexError);
    expect(() => conv2d(ones([1, 3, 5, 5]), w, null, { padding: 'same', stride: 2 })).toThrow(/'same' needs stride 1/);
  });
});

describe('conv1d', () => {
  it('matches a hand-worked example', () => {
    // [1, 2, 3, 4] ⋆ [1, -1] = [-1, -1, -1]; dilation 2 pairs x[i] with x[i + 2]
    const x = tensor([[[1, 2, 3, 4]]]);
    expect(conv1d(x, tensor([[[1, -1]]])).toArray()).toEqual([[[-1, -1, -1]]]);
    expect(conv1d(x, tensor([[[1, -1]]]), null, { dilation: 2 }).toArray()).toEqual([[[-2, -2]]]);
  });

  it('matches direct loops over random geometries, padding \'same\' with an even kernel included', () => {
    // out[n][o][i] = b[o] + Σ_c Σ_j x[n][g·C/G + c][i·s − before + j·d] · w[o][c][j], taps in the padding reading 0.
    const naive = (x: Tensor, w: Tensor, b: Tensor, s: number, before: number, d: number, groups: number, outLen: number): number[] => {
      const [n, c, len] = x.shape as [number, number, number];
      const [o, cg, k] = w.shape as [number, number, number];
      const out: number[] = [];
      for (let ni = 0; ni < n; ni++)
        for (let oi = 0; oi < o; oi++)
          for (let i = 0; i < outLen; i++) {
            let acc = b.data[oi]!;
            const g = Math.floor(oi / (o / groups));
            for (let ci = 0; ci < cg; ci++)
              for (let j = 0; j < k; j++) {
                const at = i * s - before + j * d;
                if (at >= 0 && at < len) acc += x.data[(ni * c + g * cg + ci) * len + at]! * w.data[(oi * cg + ci) * k + j]!;
              }
            out.push(acc);
          }
      return out;
    };
    const gen = new Generator(SEED + 7);
    fc.assert(
      fc.property(
        fc.record({ groups: fc.integer({ min: 1, max: 2 }), k: fc.integer({ min: 1, max: 4 }), stride: fc.integer({ min: 1, max: 2 }), padding: fc.integer({ min: 0, max: 2 }), dilation: fc.integer({ min: 1, max: 2 }), same: fc.boolean() }),
        ({ groups, k, stride, padding, dilation, same }) => {
          // Large enough (batch 4, 40–70 positions, 8 output channels) for the wasm kernels.
          const len = dilation * (k - 1) + 40 + ((k * 7) % 31);
          const x = randn([4, 3 * groups, len], { generator: gen });
          const w = randn([4 * groups, 3, k], { generator: gen });
          const b = randn([4 * groups], { generator: gen });
          const s = same ? 1 : stride;
          const total = dilation * (k - 1);
          const before = same ? Math.floor(total / 2) : padding;
          const outLen = same ? len : Math.floor((len + 2 * padding - total - 1) / s) + 1;
          const got = conv1d(x, w, b, { stride: s, padding: same ? 'same' : padding, dilation, groups });
          expect(got.shape).toEqual([4, 4 * groups, outLen]);
          const want = naive(x, w, b, s, before, dilation, groups, outLen);
          Array.from(got.data).forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[i]!))));
        },
      ),
      { seed: SEED, numRuns: 30 },
    );
  });

  it('has gradients for input, weight and bias', () => {
    const gen = new Generator(SEED + 4);
    fc.assert(
      fc.property(
        fc.record({ groups: fc.integer({ min: 1, max: 2 }), k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), padding: fc.integer({ min: 0, max: 2 }), dilation: fc.integer({ min: 1, max: 2 }) }),
        ({ groups, k, stride, padding, dilation }) => {
          const x = randn([2, 2 * groups, dilation * (k - 1) + 3], { ...f64, generator: gen }).requiresGrad_();
          const w = randn([groups, 2, k], { ...f64, generator: gen }).requiresGrad_();
          const b = randn([groups], { ...f64, generator: gen }).requiresGrad_();
          gradcheck((xi, wi, bi) => conv1d(xi, wi, bi, { stride, padding, dilation, groups }), [x, w, b]);
        },
      ),
      { seed: SEED, numRuns: 8 },
    );
  });
});

describe('pooling', () => {
  const x = arange(16, f64).reshape([1, 1, 4, 4]);

  it('max and average pool a 4×4 input by hand', () => {
    expect(maxPool2d(x, 2).toArray()).toEqual([[[[5, 7], [13, 15]]]]);
    expect(avgPool2d(x, 2).toArray()).toEqual([[[[2.5, 4.5], [10.5, 12.5]]]]);
    expect(maxPool2d(x, 3, { stride: 1 }).toArray()).toEqual([[[[10, 11], [14, 15]]]]);
  });

  it('pads max pooling with −∞ and average pooling with zeros', () => {
    const neg = x.neg();
    // windows cover rows {pad, 0}, {1, 2}, {3, pad}; every one holds a real element, which beats −∞
    expect(maxPool2d(neg, 2, { padding: 1 }).toArray()).toEqual([[[[-0, -1, -3], [-4, -5, -7], [-12, -13, -15]]]]);
    const small = tensor([[[[1, 2], [4, 5]]]], f64);
    // the top-left 3×3 window with padding 1 holds 1 + 2 + 4 + 5 = 12 in 4 real cells
    expect(avgPool2d(small, 3, { stride: 1, padding: 1 }).toArray()).toEqual([[[[12 / 9, 12 / 9], [12 / 9, 12 / 9]]]]);
    expect(avgPool2d(small, 3, { stride: 1, padding: 1, countIncludePad: false }).toArray()).toEqual([[[[3, 3], [3, 3]]]]);
    expect(avgPool2d(small, 2, { divisorOverride: 2 }).toArray()).toEqual([[[[6]]]]);
  });

  it('gives −∞ and no gradient for a max-pool window whose taps all fall in the padding, as PyTorch does', () => {
    // torch.nn.functional.max_pool2d(x, 2, dilation=2, padding=1) on [1, 1, 1, 1] gives [[[[-inf]]]], x.grad 0;
    // on [1, 1, 1, 3] (width 3) the middle column's window sees only padding across the rows.
    const x = tensor([[[[5]]]]).requiresGrad_();
    const out = maxPool2d(x, 2, { dilation: 2, padding: 1 });
    expect(out.toArray()).toEqual([[[[-Infinity]]]]);
    out.sum().backward();
    expect(x.grad!.toArray()).toEqual([[[[0]]]]);
    const wide = tensor([[[[1, 7, 3]]]]).requiresGrad_();
    const pooled = maxPool2d(wide, [1, 2], { dilation: [1, 2], padding: [0, 1] });
    // Column windows start at −1 and 1 (taps −1, 1 and 1, 3): both see the image at 1.
    expect(pooled.toArray()).toEqual([[[[7, 7]]]]);
    const padded = maxPool2d(wide, [2, 1], { dilation: [2, 1], padding: [1, 0] });
    // Row windows: taps −1 and 1 in a height of 1: none inside.
    expect(padded.toArray()).toEqual([[[[-Infinity, -Infinity, -Infinity]]]]);
  });

  it('sends the whole max-pool gradient to the first of tied maxima, and to a NaN, as PyTorch does', () => {
    // Row-major order within each window: PyTorch's max_pool2d keeps the first index of the maximum.
    const ties = tensor([[[[1, 1, 2, 0], [1, 1, 2, 2], [Number.NaN, 3, 5, 5], [3, 3, 5, 5]]]]).requiresGrad_();
    const out = maxPool2d(ties, 2);
    expect(out.toArray()).toEqual([[[[1, 2], [Number.NaN, 5]]]]);
    out.sum().backward();
    expect(ties.grad!.toArray()).toEqual([[[[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]]]);
  });

  it('sends the max-pool gradient to the last NaN of a window, and in an all −∞ window to its first tap inside the image, as PyTorch does', () => {
    // PyTorch's kernel replaces the running maximum (starting at −∞, index of the first real tap) when a tap is greater or NaN.
    const nans = tensor([[[[Number.NaN, 1], [Number.NaN, 0]]]]).requiresGrad_();
    maxPool2d(nans, 2).sum().backward();
    expect(nans.grad!.toArray()).toEqual([[[[0, 0], [1, 0]]]]);
    // 3×3 windows of 2×2 over the padded input: the first real tap of window (oh, ow) is (max(oh − 1, 0), max(ow − 1, 0)).
    const lows = full([1, 1, 2, 2], -Infinity).requiresGrad_();
    const out = maxPool2d(lows, 2, { stride: 1, padding: 1 });
    expect(out.toArray()).toEqual([[[[-Infinity, -Infinity, -Infinity], [-Infinity, -Infinity, -Infinity], [-Infinity, -Infinity, -Infinity]]]]);
    out.sum().backward();
    expect(lows.grad!.toArray()).toEqual([[[[4, 2], [2, 1]]]]);
  });

  it('max pools strided inputs (channels last, flipped) and unbatched ones by hand', () => {
    // Channel 0 is arange(16) by rows, channel 1 its negation, stored channels last.
    const stored = arange(16, f64).reshape([1, 4, 4, 1]);
    const channelsLast = cat([stored, stored.neg()], 3).permute([0, 3, 1, 2]).requiresGrad_();
    expect(channelsLast.isContiguous()).toBe(false);
    const out = maxPool2d(channelsLast, 2);
    expect(out.toArray()).toEqual([[[[5, 7], [13, 15]], [[-0, -2], [-8, -10]]]]);
    out.sum().backward();
    expect(channelsLast.grad!.toArray()).toEqual([
      [
        [[0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 1]],
        [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]],
      ],
    ]);
    // Flipped columns: row r reads 4r + 3, 4r + 2, 4r + 1, 4r; a window's maximum is its lower row's first element.
    expect(maxPool2d(x.flip([3]), 2).toArray()).toEqual([[[[7, 5], [15, 13]]]]);
    expect(maxPool2d(x.reshape([1, 4, 4]), [1, 2], { stride: 1, dilation: [1, 2] }).toArray()).toEqual([[[2, 3], [6, 7], [10, 11], [14, 15]]]);
  });

  it('sends the max-pool gradient to the maximum of each window', () => {
    const leaf = x.clone().requiresGrad_();
    maxPool2d(leaf, 2).sum().backward();
    expect(leaf.grad!.toArray()).toEqual([[[[0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 1]]]]);
  });

  it('has gradients over random geometries', () => {
    const gen = new Generator(SEED + 5);
    fc.assert(
      fc.property(
        fc.record({ k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), pad: fc.integer({ min: 0, max: 1 }), dilation: fc.integer({ min: 1, max: 2 }), include: fc.boolean() }),
        ({ k, stride, pad, dilation, include }) => {
          const padding = Math.min(pad, Math.floor(k / 2));
          const size = dilation * (k - 1) + 2;
          // distinct values keep max pooling away from ties, where it has no derivative
          const input = randn([1, 2, size, size + 1], { ...f64, generator: gen }).requiresGrad_();
          gradcheck((t) => maxPool2d(t, k, { stride, padding, dilation }), [input]);
          gradcheck((t) => avgPool2d(t, k, { stride, padding, countIncludePad: include }), [input]);
        },
      ),
      { seed: SEED, numRuns: 8 },
    );
    const input = randn([1, 1, 4, 4], { ...f64, generator: gen }).requiresGrad_();
    gradgradcheck((t) => maxPool2d(t, 2).square(), [input]);
    gradgradcheck((t) => avgPool2d(t, 3, { stride: 1, padding: 1, countIncludePad: false }), [input]);
  });

  it('rejects bad arguments with clear errors', () => {
    expect(() => maxPool2d(ones([4, 4]), 2)).toThrow(/maxPool2d: expected input of shape \[N, C, H, W\] or \[C, H, W\], got \[4, 4\]/);
    expect(() => maxPool2d(ones([1, 1, 4, 4]), 2, { padding: 2 })).toThrow(/at most half the kernel size/);
    expect(() => avgPool2d(ones([1, 1, 2, 2]), 3)).toThrow(/too small/);
    expect(() => maxPool2d(ones([1, 1, 4, 4]), [2, 2, 2])).toThrow(IndexError);
  });
});

describe('adaptiveAvgPool2d', () => {
  it('averages PyTorch’s windows', () => {
    const x = arange(16, f64).reshape([1, 1, 4, 4]);
    assertAllClose(adaptiveAvgPool2d(x, 2), avgPool2d(x, 2));
    expect(adaptiveAvgPool2d(x, 1).toArray()).toEqual([[[[7.5]]]]);
    // 5 → 3 windows: [0, 2), [1, 4), [3, 5)
    const row = tensor([[[[0, 1, 2, 3, 4]]]], f64);
    expect(adaptiveAvgPool2d(row, [1, 3]).toArray()).toEqual([[[[0.5, 2, 3.5]]]]);
    expect(adaptiveAvgPool2d(randn([2, 3, 5], f64), [null, 2]).shape).toEqual([2, 3, 2]);
  });

  it('has gradients', () => {
    const x = randn([1, 2, 5, 4], { ...f64, generator: new Generator(SEED + 6) }).requiresGrad_();
    gradcheck((t) => adaptiveAvgPool2d(t, [3, 3]), [x]);
  });

  it('rejects bad shapes', () => {
    expect(() => adaptiveAvgPool2d(ones([4]), 2)).toThrow(ShapeError);
    expect(() => adaptiveAvgPool2d(ones([1, 4, 4]), 0)).toThrow(IndexError);
  });
});
