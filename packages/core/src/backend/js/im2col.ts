import type { DType, TypedArray } from '../../dtype.js';
import { allocate } from '../cpu/allocate.js';
import type { ArrayView } from '../cpu/cpu-kernels.js';
import type { ConvGeometry } from '../../primitives/primitives.js';

/**
 * The range of window positions `o` along one dim whose tap `k` falls inside
 * the image (`0 ≤ o·stride − pad + k·dilation < size`), as `[lo, hi)`.
 *
 * @example
 * ```ts
 * validRange(32, 1, 1, 1, 0, 32); // [1, 32]: window 0's first tap is in the padding
 * ```
 */
export function validRange(size: number, stride: number, pad: number, dilation: number, k: number, out: number): [number, number] {
  const first = k * dilation - pad;
  const lo = first >= 0 ? 0 : Math.ceil(-first / stride);
  const hi = Math.min(out, Math.floor((size - 1 - first) / stride) + 1);
  return [Math.min(lo, out), Math.max(hi, Math.min(lo, out))];
}

/**
 * im2col on any strided `[N, C, H, W]` view: the output starts as zeros and
 * each (channel, tap, output row) copies the run of columns whose tap is
 * inside the image.
 *
 * @example
 * ```ts
 * im2col(xView, geometry, 'float32'); // [N, C·KH·KW, OH·OW]
 * ```
 */
export function im2col(x: ArrayView, g: ConvGeometry, outDtype: DType): TypedArray {
  const [N, C] = x.shape as [number, number];
  const [H, W] = g.size as [number, number];
  const [KH, KW] = g.kernel as [number, number];
  const [OH, OW] = g.outSize as [number, number];
  const [sn, sc, sh, sw] = x.strides as [number, number, number, number];
  const out = allocate(outDtype, N * C * KH * KW * OH * OW);
  const xd = x.data;
  for (let kw = 0; kw < KW; kw++) {
    const [lo, hi] = validRange(W, g.stride[1]!, g.padBefore[1]!, g.dilation[1]!, kw, OW);
    const iw0 = kw * g.dilation[1]! - g.padBefore[1]!;
    const step = g.stride[1]! * sw;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        for (let kh = 0; kh < KH; kh++) {
          const row0 = (((n * C + c) * KH + kh) * KW + kw) * OH * OW;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * g.stride[0]! - g.padBefore[0]! + kh * g.dilation[0]!;
            if (ih < 0 || ih >= H) continue;
            const o = row0 + oh * OW;
            let p = x.offset + n * sn + c * sc + ih * sh + (lo * g.stride[1]! + iw0) * sw;
            for (let ow = lo; ow < hi; ow++, p += step) out[o + ow] = xd[p]!;
          }
        }
      }
    }
  }
  return out;
}

/**
 * col2im: the adjoint of {@link im2col}, summing in the order kw, n, c, kh,
 * oh, ow (the wasm kernel sums in the same order, so both round alike).
 *
 * @example
 * ```ts
 * col2im(colsView, geometry, 'float32'); // [N, C, H, W]
 * ```
 */
export function col2im(cols: ArrayView, g: ConvGeometry, outDtype: DType): TypedArray {
  const [KH, KW] = g.kernel as [number, number];
  const [N, CK] = cols.shape as [number, number];
  const C = CK / (KH * KW);
  const [H, W] = g.size as [number, number];
  const [OH, OW] = g.outSize as [number, number];
  const [sn, sr, sl] = cols.strides as [number, number, number];
  const out = allocate(outDtype, N * C * H * W);
  const cd = cols.data;
  for (let kw = 0; kw < KW; kw++) {
    const [lo, hi] = validRange(W, g.stride[1]!, g.padBefore[1]!, g.dilation[1]!, kw, OW);
    const iw0 = kw * g.dilation[1]! - g.padBefore[1]!;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        for (let kh = 0; kh < KH; kh++) {
          const row = cols.offset + n * sn + ((c * KH + kh) * KW + kw) * sr;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * g.stride[0]! - g.padBefore[0]! + kh * g.dilation[0]!;
            if (ih < 0 || ih >= H) continue;
            const base = ((n * C + c) * H + ih) * W + iw0;
            for (let ow = lo; ow < hi; ow++) out[base + ow * g.stride[1]!]! += cd[row + (oh * OW + ow) * sl]!;
          }
        }
      }
    }
  }
  return out;
}
