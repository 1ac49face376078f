import type { DType, TypedArray } from '../../../dtype.js';
import { allocateUninit } from '../../cpu/allocate.js';
import { numelOf } from '../../../shape.js';
import type { ArrayView } from '../../cpu/cpu-kernels.js';
import type { ConvGeometry } from '../../../primitives/primitives.js';
import { convSizes } from '../../js/conv2d.js';
import { stageableSpan } from './view-span.js';
import type { MatmulBlocks } from './wasm-matmul.js';
import { align, type WasmRuntime } from '../emitter/wasm-runtime.js';
import { convModuleBytes } from '../modules/conv-module.js';
import { MATMUL_BLOCKING } from './matmul-config.js';
import type { WindowRows } from './wasm-strided.js';

type Fn = (...args: number[]) => void;

/** Steps of k per call of the direct kernel: the matmul's block of k, for the same reasons. */
const KC = MATMUL_BLOCKING.kc;

/** Below this many multiply-adds the staging costs more than the reference's loops. */
const MIN_WORK = 4096;

/**
 * The one element stride of dims `[from, …)` of a view merged into one dim,
 * or null when they do not merge (size-1 dims merge with anything).
 */
function mergedStride(v: ArrayView, from: number): number | null {
  let stride: number | null = null;
  let inner = 1;
  for (let d = v.shape.length - 1; d >= from; d--) {
    const n = v.shape[d]!;
    if (n === 1) continue;
    if (stride === null) stride = v.strides[d]!;
    else if (v.strides[d] !== stride * inner) return null;
    inner *= n;
  }
  return stride ?? 1;
}

/** Element `i` of a 1-D view. */
const at1 = (v: ArrayView, i: number): number => v.data[v.offset + i * v.strides[0]!]!;

/** A view's span `[lo, hi)` staged at byte address `at`, its element 0 at `zero`. */
interface Staged {
  readonly data: TypedArray;
  readonly lo: number;
  readonly hi: number;
  readonly at: number;
  readonly zero: number;
}

/**
 * The 2-D convolution primitives in wasm, one image and one group at a
 * time. The forward product with windows one float apart along a row
 * (stride 1 across) reads each zero-padded image in place (`conv2dDirect`),
 * its sums starting from the bias.
 * Otherwise each image's columns are laid out in a scratch block that stays
 * in cache (the im2col row kernels), and multiplied there by the blocked
 * matmul, so the columns never exist for the whole batch and are never
 * copied in or out. The input gradient adds each image's columns straight back into its
 * image (the col2im row kernels). Each returns null for what it leaves to the
 * caller: other dtypes, tiny problems, weights or gradients whose trailing
 * dims do not merge into one stride, views that reach far beyond their
 * elements.
 *
 * @example
 * ```ts
 * const conv = createWasmConv(rt, blocks, strided.windowRows, relaxedSimdSupported(api));
 * conv.conv2d(x, w, null, geometry, 1, 'float32') ?? batched.conv2d(x, w, null, geometry, 1, 'float32');
 * ```
 */
export function createWasmConv(
  rt: WasmRuntime,
  blocks: MatmulBlocks,
  windowRows: WindowRows,
  fma = false,
): {
  conv2d(x: ArrayView, weight: ArrayView, bias: ArrayView | null, g: ConvGeometry, groups: number, outDtype: DType): TypedArray | null;
  conv2dInput(grad: ArrayView, weight: ArrayView, g: ConvGeometry, groups: number, outDtype: DType): TypedArray | null;
  conv2dWeight(x: ArrayView, grad: ArrayView, g: ConvGeometry, groups: number, outDtype: DType): TypedArray | null;
} {
  /**
   * Lays out the views' spans from the data region on, then `scratch`
   * blocks of floats, and copies the spans in; null when a span is far larger
   * than its view or memory cannot grow. The scratch addresses follow.
   */
  function stage(views: readonly ArrayView[], scratch: readonly number[]): { staged: Staged[]; scratch: number[] } | null {
    let at = align(blocks.dataAt);
    const staged: Staged[] = [];
    for (const view of views) {
      const span = stageableSpan(view);
      if (span === null) return null;
      staged.push({ data: view.data, lo: span.lo, hi: span.hi, at, zero: at + (view.offset - span.lo) * 4 });
      at = align(at + (span.hi - span.lo) * 4);
    }
    const scratchAt: number[] = [];
    for (const floats of scratch) {
      scratchAt.push(at);
      at = align(at + floats * 4);
    }
    try {
      rt.reserve(at);
    } catch {
      return null;
    }
    for (const s of staged) rt.f32.set(s.data.subarray(s.lo, s.hi), s.at >> 2);
    return { staged, scratch: scratchAt };
  }

  const ex = rt.instantiate(convModuleBytes(blocks.tile, fma));
  const direct = ex['direct'] as Fn;
  const padRows = ex['padRows'] as Fn;
  const { mr, nr } = blocks.tile;

  /**
   * The forward convolution read straight from each zero-padded image (see
   * `direct` in the conv module), for windows one float apart along a row
   * (stride 1 across); null when memory cannot grow. Nothing is laid out
   * per image but the padded copy of its rows: no columns, no packing of
   * them, and the image (a few KB per channel) stays in cache while every
   * output channel reads it. The micro-kernel's sums start from the bias,
   * laid out once after the packed weights.
   */
  function conv2dDirect(x: ArrayView, weight: ArrayView, bias: ArrayView | null, g: ConvGeometry, groups: number, sK: number): TypedArray | null {
    const [N, C] = x.shape as [number, number];
    const O = weight.shape[0]!;
    const { cg, og, k: K, l: L } = convSizes(C, O, g, groups);
    const [KH, KW] = g.kernel as [number, number];
    const [H, W] = g.size as [number, number];
    const [OH, OW] = g.outSize as [number, number];
    const [sh] = g.stride as [number, number];
    const [dh, dw] = g.dilation as [number, number];
    const [ph, pw] = g.padBefore as [number, number];
    // The padded image holds every row and column a window reaches, and the input's own.
    const Hp = Math.max(ph + H, (OH - 1) * sh + (KH - 1) * dh + 1);
    const Wp = Math.max(pw + W, OW + (KW - 1) * dw);
    const plane = Hp * Wp;
    // A row's last tile reads up to NR floats past the row: slack after the last plane.
    const padded = C * plane + nr + 4;
    const ogp = Math.ceil(og / mr) * mr;
    // The bias with MR floats of slack: an edge tile's rows past the last channel read them (and are not stored).
    const laid = stage([x, weight], [groups * ogp * K, K, padded, mr * nr, N * O * L, O + mr]);
    if (laid === null) return null;
    const [sx, sw] = laid.staged as [Staged, Staged];
    const [aAt, tableAt, padAt, tileAt, outAt, biasAt] = laid.scratch as [number, number, number, number, number, number];
    for (let o = 0; bias !== null && o < O; o++) rt.f32[(biasAt >> 2) + o] = at1(bias, o);
    const sO = weight.strides[0]!;
    // Each group's weights packed once, block of k by block of k (the micro-kernel's k runs over one block).
    for (let gi = 0; gi < groups; gi++) {
      for (let pc = 0; pc < K; pc += KC) {
        blocks.packRows(og, Math.min(KC, K - pc), sw.zero + 4 * (gi * og * sO + pc * sK), sO, sK, aAt + 4 * (gi * ogp * K + ogp * pc));
      }
    }
    // Step k = (c, kh, kw) of a window: its byte offset from the window's corner.
    const table = rt.i32;
    for (let c = 0, k = tableAt >> 2; c < cg; c++) {
      for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) table[k++] = 4 * (c * plane + kh * dh * Wp + kw * dw);
    }
    rt.f32.fill(0, padAt >> 2, (padAt >> 2) + padded);
    const [s0, s1, s2, s3] = x.strides as [number, number, number, number];
    for (let n = 0; n < N; n++) {
      padRows(C, H, W, sx.zero + 4 * n * s0, 4 * s1, 4 * s2, 4 * s3, padAt + 4 * (ph * Wp + pw), 4 * plane, 4 * Wp);
      for (let gi = 0; gi < groups; gi++) {
        for (let pc = 0; pc < K; pc += KC) {
          const kc = Math.min(KC, K - pc);
          const out = outAt + 4 * (n * O + gi * og) * L;
          // The first block of k stores bias + product, later ones add theirs.
          const from = bias !== null && pc === 0 ? biasAt + 4 * gi * og : 0;
          direct(og, kc, aAt + 4 * (gi * ogp * K + ogp * pc), padAt + 4 * gi * cg * plane, tableAt + 4 * pc, OH, OW, 4 * sh * Wp, out, 4 * L, tileAt, pc > 0 ? 1 : 0, from);
        }
      }
    }
    return result(outAt, N * O * L);
  }

  /**
   * Whether rows of `OW` outputs fill enough of the direct kernel's tiles,
   * which never span two rows: 4 or 9 outputs a row use half of 8 or 16
   * lanes, and the columns' product, whose tiles run on across rows, wins
   * there (measured: 0.66× and 0.80× at OW = 4 and 9, 1.2× at OW = 5).
   */
  function directFits(OW: number): boolean {
    return OW / (Math.ceil(OW / nr) * nr) >= 0.6;
  }

  function floatViews(outDtype: DType, ...views: ArrayView[]): boolean {
    return outDtype === 'float32' && views.every((v) => v.data instanceof Float32Array);
  }

  function result(at: number, n: number): TypedArray {
    const out = allocateUninit('float32', n);
    out.set(rt.f32.subarray(at >> 2, (at >> 2) + n));
    return out;
  }

  /** Image `n`'s columns for group `gi` (`k` rows of `l`), laid out at `colsAt`; `x` is staged as `sx`. */
  function columns(x: ArrayView, sx: Staged, n: number, gi: number, cg: number, g: ConvGeometry, colsAt: number, floats: number): void {
    // Taps in the padding are skipped by the row kernels: they must read 0.
    rt.f32.fill(0, colsAt >> 2, (colsAt >> 2) + floats);
    const [s0, s1] = x.strides as [number, number];
    windowRows(sx.zero + 4 * (n * s0 + gi * cg * s1), x.strides.map((s) => s * 4), g, 1, cg, false, colsAt);
  }

  return {
    conv2d(x, weight, bias, g, groups, outDtype) {
      const N = x.shape[0]!;
      const O = weight.shape[0]!;
      const { cg, og, k: K, l: L } = convSizes(x.shape[1]!, O, g, groups);
      const sK = mergedStride(weight, 1);
      if (!floatViews(outDtype, x, weight, ...(bias === null ? [] : [bias])) || sK === null || N * O * K * L < MIN_WORK) return null;
      if (g.stride[1] === 1 && directFits(g.outSize[1]!)) return conv2dDirect(x, weight, bias, g, groups, sK);
      const laid = stage([x, weight], [K * L, N * O * L]);
      if (laid === null) return null;
      const [sx, sw] = laid.staged as [Staged, Staged];
      const [colsAt, outAt] = laid.scratch as [number, number];
      const sO = weight.strides[0]!;
      for (let n = 0; n < N; n++) {
        for (let gi = 0; gi < groups; gi++) {
          columns(x, sx, n, gi, cg, g, colsAt, K * L);
          const out = outAt + 4 * (n * O + gi * og) * L;
          // The product is added to the bias, laid out while this image's output is in cache.
          for (let o = 0; bias !== null && o < og; o++) rt.f32.fill(at1(bias, gi * og + o), (out >> 2) + o * L, (out >> 2) + (o + 1) * L);
          blocks.multiply(1, og, L, og, K, sw.zero + 4 * gi * og * sO, [0, sO, sK], colsAt, [0, L, 1], out, bias !== null);
        }
      }
      return result(outAt, N * O * L);
    },

    conv2dInput(grad, weight, g, groups, outDtype) {
      const [N, O] = grad.shape as [number, number];
      const C = weight.shape[1]! * groups;
      const { cg, og, k: K, l: L } = convSizes(C, O, g, groups);
      const HW = numelOf(g.size);
      const sK = mergedStride(weight, 1);
      const sL = mergedStride(grad, 2);
      if (!floatViews(outDtype, grad, weight) || sK === null || sL === null || N * O * K * L < MIN_WORK) return null;
      // Rows padded to whole tiles: the columns are a scratch block of their own.
      const mp = blocks.paddedRows(K, L);
      const laid = stage([grad, weight], [mp * L, N * C * HW]);
      if (laid === null) return null;
      const [sg, sw] = laid.staged as [Staged, Staged];
      const [colsAt, dxAt] = laid.scratch as [number, number];
      const [sO, sgn, sgo] = [weight.strides[0]!, grad.strides[0]!, grad.strides[1]!];
      rt.f32.fill(0, dxAt >> 2, (dxAt >> 2) + N * C * HW);
      for (let n = 0; n < N; n++) {
        for (let gi = 0; gi < groups; gi++) {
          // This image's columns Wᵀ·grad, then added back into it.
          const gyAt = sg.zero + 4 * (n * sgn + gi * og * sgo);
          blocks.multiply(1, K, L, mp, og, sw.zero + 4 * gi * og * sO, [0, sK, sO], gyAt, [0, sgo, sL], colsAt, false);
          windowRows(colsAt, [0, 4 * L, 4], g, 1, cg, true, dxAt + 4 * (n * C + gi * cg) * HW);
        }
      }
      return result(dxAt, N * C * HW);
    },

    conv2dWeight(x, grad, g, groups, outDtype) {
      const N = x.shape[0]!;
      const O = grad.shape[1]!;
      const { cg, og, k: K, l: L } = convSizes(x.shape[1]!, O, g, groups);
      const sL = mergedStride(grad, 2);
      if (!floatViews(outDtype, x, grad) || sL === null || N * O * K * L < MIN_WORK) return null;
      // dW = Σₙ grad·colsᵀ, or its transpose colsᵀ… when that pads less: K×O/G then, transposed back.
      const flip = blocks.transposedIsCheaper(og, K);
      const [m, cols] = flip ? [K, og] : [og, K];
      const mp = blocks.paddedRows(m, cols);
      const laid = stage([x, grad], [K * L, groups * mp * cols]);
      if (laid === null) return null;
      const [sx, sg] = laid.staged as [Staged, Staged];
      const [colsAt, dwAt] = laid.scratch as [number, number];
      const [sgn, sgo] = [grad.strides[0]!, grad.strides[1]!];
      for (let n = 0; n < N; n++) {
        for (let gi = 0; gi < groups; gi++) {
          columns(x, sx, n, gi, cg, g, colsAt, K * L);
          const gyAt = sg.zero + 4 * (n * sgn + gi * og * sgo);
          const dw = dwAt + 4 * gi * mp * cols;
          // Later images add to what the first stored.
          if (flip) blocks.multiply(1, K, og, mp, L, colsAt, [0, L, 1], gyAt, [0, sL, sgo], dw, n > 0);
          else blocks.multiply(1, og, K, mp, L, gyAt, [0, sgo, sL], colsAt, [0, 1, L], dw, n > 0);
        }
      }
      const out = allocateUninit('float32', O * K);
      const mem = rt.f32;
      const at = dwAt >> 2;
      for (let gi = 0; gi < groups; gi++) {
        const from = at + gi * mp * cols;
        if (!flip) out.set(mem.subarray(from, from + og * K), gi * og * K);
        else for (let o = 0; o < og; o++) for (let k = 0; k < K; k++) out[(gi * og + o) * K + k] = mem[from + k * og + o]!;
      }
      return out;
    },
  };
}
