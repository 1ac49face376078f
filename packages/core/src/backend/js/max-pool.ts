import type { ArrayView } from '../cpu/cpu-kernels.js';
import type { ConvGeometry } from '../../primitives/primitives.js';

/**
 * The position of each pooling window's maximum in `x` `[N, C, H, W]`, as
 * int32 `[N, C, OH, OW]` flat indices `ih·W + iw` into its image, as
 * PyTorch's `max_pool2d` `indices`: taps in the padding are skipped; a
 * later tap replaces the running maximum when it is greater or NaN (ties
 * keep the first, row-major); a window of −∞ points at its first tap.
 *
 * @example
 * ```ts
 * maxPoolIndices(xView, geometry); // Int32Array of N·C·OH·OW indices
 * ```
 */
export function maxPoolIndices(x: ArrayView, g: ConvGeometry): Int32Array {
  const [N, C] = x.shape as [number, number];
  const W = g.size[1]!;
  const [OH, OW] = g.outSize as [number, number];
  const [sn, sc, sh, sw] = x.strides as [number, number, number, number];
  const [dh, dw] = g.dilation as [number, number];
  const rows = windowTaps(g, 0);
  const cols = windowTaps(g, 1);
  const out = new Int32Array(N * C * OH * OW);
  const xd = x.data;
  let o = 0;
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const plane = x.offset + n * sn + c * sc;
      for (let oh = 0; oh < OH; oh++) {
        const ih0 = rows[2 * oh]!;
        const ih1 = rows[2 * oh + 1]!;
        for (let ow = 0; ow < OW; ow++) {
          const iw0 = cols[2 * ow]!;
          const iw1 = cols[2 * ow + 1]!;
          let best = -Infinity;
          let at = ih0 * W + iw0;
          for (let ih = ih0; ih < ih1; ih += dh) {
            for (let iw = iw0; iw < iw1; iw += dw) {
              const v = xd[plane + ih * sh + iw * sw]!;
              if (v > best || v !== v) {
                best = v;
                at = ih * W + iw;
              }
            }
          }
          out[o++] = at;
        }
      }
    }
  }
  return out;
}

/**
 * Per window along spatial dim `d` of a pooling, its taps inside the image
 * as a pair: the first one's position, and the end of their run (exclusive;
 * taps step by the dilation).
 *
 * @example
 * ```ts
 * windowTaps(geometry, 1); // [first₀, end₀, first₁, end₁, …]
 * ```
 */
export function windowTaps(g: ConvGeometry, d: number): Int32Array {
  const [size, k, stride, dil, pad] = [g.size[d]!, g.kernel[d]!, g.stride[d]!, g.dilation[d]!, g.padBefore[d]!];
  const out = new Int32Array(2 * g.outSize[d]!);
  for (let o = 0; o < g.outSize[d]!; o++) {
    const start = o * stride - pad;
    const lo = start >= 0 ? 0 : Math.ceil(-start / dil);
    const hi = Math.min(k, Math.floor((size - 1 - start) / dil) + 1);
    out[2 * o] = start + lo * dil;
    out[2 * o + 1] = start + Math.max(lo, hi) * dil;
  }
  return out;
}
