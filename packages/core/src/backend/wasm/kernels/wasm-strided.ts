import type { DType, TypedArray } from '../../../dtype.js';
import { allocateUninit } from '../../cpu/allocate.js';
import { contiguousStrides, numelOf } from '../../../shape.js';
import type { ArrayView } from '../../cpu/cpu-kernels.js';
import type { ConvGeometry } from '../../../primitives/primitives.js';
import { validRange } from '../../js/im2col.js';
import { coalesceAnyOrder, runs, type RowLayout } from '../../js/strided-rows.js';
import { stridedModuleBytes } from '../modules/strided-module.js';
import { stageableSpan } from './view-span.js';
import { align, type WasmRuntime } from '../emitter/wasm-runtime.js';

type Fn = (...args: number[]) => void;

/** Below this many elements the staging copies cost more than the reference's loop. */
const MIN_ELEMENTS = 16384;

/**
 * im2col (`toImage` false) or col2im between float32 data already in wasm
 * memory: see `windowRows` in `createWasmStrided`.
 *
 * @example
 * ```ts
 * windowRows(xAt, [4 * C * H * W, 4 * H * W, 4 * W, 4], geometry, 1, C, false, colsAt);
 * ```
 */
export type WindowRows = (src: number, strides: readonly number[], g: ConvGeometry, n: number, channels: number, toImage: boolean, dst: number) => void;

/**
 * The float32 row kernels in wasm: `im2col` and `col2im` (a convolution's
 * windows laid out as columns, and their overlap-add back in backward), and
 * the strided `copy` and `fold` of the sliding-window views. Each walks the
 * same rows, in the same order, as its reference kernel, with the source's
 * span and the row offsets staged in the scratch region at `base`, so
 * results are identical to the reference's; a row of unit strides is one
 * `memory.copy` or a run of `f32x4` adds. Each returns null for what it
 * leaves to the reference (other dtypes, small tensors, views that reach far
 * beyond their elements).
 *
 * @example
 * ```ts
 * const strided = createWasmStrided(rt, scratchAt);
 * strided.copy(im2colView, 'float32') ?? jsBackend.copy(im2colView, 'float32');
 * ```
 */
export function createWasmStrided(
  rt: WasmRuntime,
  base: number,
): {
  im2col(x: ArrayView, geometry: ConvGeometry, outDtype: DType): TypedArray | null;
  col2im(cols: ArrayView, geometry: ConvGeometry, outDtype: DType): TypedArray | null;
  copy(x: ArrayView, outDtype: DType): TypedArray | null;
  fold(x: ArrayView, dim: number, size: number, step: number, dilation: number, length: number, outDtype: DType): TypedArray | null;
  windowRows: WindowRows;
} {
  const ex = rt.instantiate(stridedModuleBytes());
  const copyRows = ex['copyRows'] as Fn;
  const addRows = ex['addRows'] as Fn;
  const im2colRows = ex['im2colRows'] as Fn;
  const col2imRows = ex['col2imRows'] as Fn;

  /**
   * Stages `x`'s span and the rows of `layout` (offsets from `x.offset`, and
   * into an output of `outLength` elements), runs `kernel`, and returns the
   * output's byte address (still in wasm memory) or null.
   */
  function run(kernel: Fn, x: ArrayView, layout: RowLayout, outLength: number, zeroOut: boolean): number | null {
    const span = stageableSpan(x);
    if (span === null) return null;
    const rows = runs(layout, [x.offset - span.lo, 0]);
    const src = align(base);
    const aAt = align(src + (span.hi - span.lo) * 4);
    const bAt = aAt + rows.a.length * 4;
    const dst = align(bAt + rows.b.length * 4);
    try {
      rt.reserve(dst + outLength * 4);
    } catch {
      return null;
    }
    rt.f32.set(x.data.subarray(span.lo, span.hi), src >> 2);
    rt.i32.set(rows.a, aAt >> 2);
    rt.i32.set(rows.b, bAt >> 2);
    if (zeroOut) rt.f32.fill(0, dst >> 2, (dst >> 2) + outLength);
    kernel(rows.a.length, rows.len, rows.stepA * 4, rows.stepB * 4, aAt, bAt, src, dst);
    return dst;
  }

  function result(at: number, n: number): TypedArray {
    const out = allocateUninit('float32', n);
    out.set(rt.f32.subarray(at >> 2, (at >> 2) + n));
    return out;
  }

  /**
   * im2col and col2im as row copies and row adds, in wasm memory: for each
   * kernel column `kw` in turn, one row per (n, c, kh, oh) whose image row is
   * inside the image, covering the window columns whose tap is inside too;
   * nothing else is written. `toImage` swaps the roles (col2im: rows of
   * columns added into the image), in the reference's summation order. The
   * rows' addresses are affine in (n, c, kh, oh): the kernel walks them from
   * the steps worked out here. `src` is the byte address of the source's
   * element 0 and `strides` its byte strides (`[N, C·KH·KW, L]` columns for
   * col2im, an `[N, C, H, W]` image for im2col); the destination at `dst` is
   * contiguous, `n` × `channels` images or their columns.
   */
  function windowRows(src: number, strides: readonly number[], g: ConvGeometry, n: number, channels: number, toImage: boolean, dst: number): void {
    const [KH, KW] = g.kernel as [number, number];
    const [H, W] = g.size as [number, number];
    const [OH, OW] = g.outSize as [number, number];
    const [sh, sw] = g.stride as [number, number];
    const [dh, dw] = g.dilation as [number, number];
    const [ph, pw] = g.padBefore as [number, number];
    const [s0, s1, s2, s3 = 0] = strides as [number, number, number, number?];
    for (let kw = 0; kw < KW; kw++) {
      const [lo, hi] = validRange(W, sw, pw, dw, kw, OW);
      if (hi <= lo) continue;
      // Image column of window `lo`'s tap; its image row is `oh·sh + kh·dh − ph`. Each side of a
      // call is the byte address of row (0, 0, 0, 0) and the byte steps per n, c, kh and oh.
      const iw0 = kw * dw - pw + lo * sw;
      if (toImage) {
        const from = [src + kw * s1 + lo * s2, s0, KH * KW * s1, KW * s1, OW * s2];
        const to = [dst + 4 * (iw0 - ph * W), 4 * channels * H * W, 4 * H * W, 4 * dh * W, 4 * sh * W];
        col2imRows(hi - lo, s2, 4 * sw, n, channels, KH, OH, ...from, ...to, sh, dh, ph, H);
      } else {
        const from = [src + iw0 * s3 - ph * s2, s0, s1, dh * s2, sh * s2];
        const to = [dst + 4 * (kw * OH * OW + lo), 4 * channels * KH * KW * OH * OW, 4 * KH * KW * OH * OW, 4 * KW * OH * OW, 4 * OW];
        im2colRows(hi - lo, sw * s3, 4, n, channels, KH, OH, ...from, ...to, sh, dh, ph, H);
      }
    }
  }

  /** im2col or col2im of a whole view: staged, written into zeros, copied out. */
  function convRows(src: ArrayView, g: ConvGeometry, toImage: boolean, outLength: number): TypedArray | null {
    const span = stageableSpan(src);
    if (span === null) return null;
    const at = align(base);
    const dst = align(at + (span.hi - span.lo) * 4);
    try {
      rt.reserve(dst + outLength * 4);
    } catch {
      return null;
    }
    rt.f32.set(src.data.subarray(span.lo, span.hi), at >> 2);
    rt.f32.fill(0, dst >> 2, (dst >> 2) + outLength);
    const channels = toImage ? src.shape[1]! / numelOf(g.kernel) : src.shape[1]!;
    windowRows(at + (src.offset - span.lo) * 4, src.strides.map((s) => s * 4), g, src.shape[0]!, channels, toImage, dst);
    return result(dst, outLength);
  }

  return {
    windowRows,
    im2col(x, g, outDtype) {
      const n = x.shape[0]! * x.shape[1]! * numelOf(g.kernel) * numelOf(g.outSize);
      if (outDtype !== 'float32' || !(x.data instanceof Float32Array) || n < MIN_ELEMENTS) return null;
      return convRows(x, g, false, n);
    },
    col2im(cols, g, outDtype) {
      const n = (cols.shape[0]! * cols.shape[1]! * numelOf(g.size)) / numelOf(g.kernel);
      if (outDtype !== 'float32' || !(cols.data instanceof Float32Array) || numelOf(cols.shape) < MIN_ELEMENTS) return null;
      return convRows(cols, g, true, n);
    },
    copy(x, outDtype) {
      const n = numelOf(x.shape);
      if (outDtype !== 'float32' || !(x.data instanceof Float32Array) || n < MIN_ELEMENTS) return null;
      const at = run(copyRows, x, coalesceAnyOrder(x.shape, [x.strides, contiguousStrides(x.shape)]), n, false);
      return at === null ? null : result(at, n);
    },
    fold(x, dim, _size, step, dilation, length, outDtype) {
      if (outDtype !== 'float32' || !(x.data instanceof Float32Array) || numelOf(x.shape) < MIN_ELEMENTS) return null;
      // As the reference: the windows seen as an overlapping view of the output.
      const outShape = x.shape.slice(0, -1);
      outShape[dim] = length;
      const outStrides = contiguousStrides(outShape);
      let outLength = 1;
      for (const s of outShape) outLength *= s;
      const windowStrides = [...outStrides, outStrides[dim]! * dilation];
      windowStrides[dim] = outStrides[dim]! * step;
      const at = run(addRows, x, coalesceAnyOrder(x.shape, [x.strides, windowStrides]), outLength, true);
      return at === null ? null : result(at, outLength);
    },
  };
}
