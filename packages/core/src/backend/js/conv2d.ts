import type { DType, TypedArray } from '../../dtype.js';
import { allocate } from '../cpu/allocate.js';
import type { ArrayView, CpuKernels } from '../cpu/cpu-kernels.js';
import type { ConvGeometry } from '../../primitives/primitives.js';

// A convolution is a product of each group's weight matrix [O/G, C/G·KH·KW]
// with the input's columns (im2col). `convolutions` composes kernels along
// that definition; each group's slice of weight, columns and gradient is a
// strided view of one contiguous array.

/**
 * A convolution's sizes per group: channels in (`cg`) and out (`og`), rows
 * of its columns (`k` = C/G·KH·KW) and output positions (`l` = OH·OW).
 *
 * @example
 * ```ts
 * convSizes(3, 16, geometry, 1); // { cg: 3, og: 16, k: 27, l: 1024 } for 3×3 windows over 32×32
 * ```
 */
export interface ConvSizes {
  readonly cg: number;
  readonly og: number;
  readonly k: number;
  readonly l: number;
}

/**
 * The sizes per group of a convolution from `c` channels to `o` over the windows of `g`.
 *
 * @example
 * ```ts
 * const { k, l } = convSizes(c, o, geometry, groups);
 * ```
 */
export function convSizes(c: number, o: number, g: ConvGeometry, groups: number): ConvSizes {
  const cg = c / groups;
  return { cg, og: o / groups, k: cg * g.kernel.reduce((a, b) => a * b, 1), l: g.outSize.reduce((a, b) => a * b, 1) };
}

function strided(data: TypedArray, shape: readonly number[], strides: readonly number[], offset: number): ArrayView {
  return { data, shape, strides, offset };
}

/** Adds `bias[c]` to every element of channel `c` of `out` `[n, o, l]`, rounded to `out`'s type. */
function addBias(out: TypedArray, bias: ArrayView, n: number, o: number, l: number): void {
  for (let c = 0; c < o; c++) {
    const v = bias.data[bias.offset + c * bias.strides[0]!]!;
    for (let i = 0; i < n; i++) {
      for (let j = (i * o + c) * l, end = j + l; j < end; j++) out[j] = out[j]! + v;
    }
  }
}

/**
 * The kernels a convolution is composed of.
 *
 * @example
 * ```ts
 * const kernels: ConvKernels = jsKernels;
 * ```
 */
export type ConvKernels = Pick<CpuKernels, 'copy' | 'im2col' | 'col2im' | 'matmul'>;

/**
 * `conv2d`, `conv2dInput` and `conv2dWeight` composed of the `im2col`,
 * `matmul` and `col2im` of `kernels` by the definition, the whole batch's
 * columns at once: the reference backend's, and the wasm backend's for what
 * its image-by-image kernels leave (float64, weights whose dims do not merge).
 *
 * @example
 * ```ts
 * const { conv2d } = convolutions(jsKernels);
 * conv2d(xView, wView, null, geometry, 1, 'float32');
 * ```
 */
export function convolutions(kernels: ConvKernels): Pick<CpuKernels, 'conv2d' | 'conv2dInput' | 'conv2dWeight'> {
  /**
   * 2-D convolution (cross-correlation) of `x` `[N, C, H, W]` with `weight`
   * `[O, C/groups, KH, KW]`, plus `bias` `[O]` unless null: `[N, O, OH, OW]`.
   *
   * @example
   * ```ts
   * conv2d(xView, wView, biasView, geometry, 1, 'float32');
   * ```
   */
  function conv2d(x: ArrayView, weight: ArrayView, bias: ArrayView | null, g: ConvGeometry, groups: number, outDtype: DType): TypedArray {
    const n = x.shape[0]!;
    const o = weight.shape[0]!;
    const { og, k, l } = convSizes(x.shape[1]!, o, g, groups);
    const cols = kernels.im2col(x, g, outDtype);
    const w = kernels.copy(weight, outDtype);
    const out = allocate(outDtype, n * o * l);
    for (let gi = 0; gi < groups; gi++) {
      const a = strided(w, [n, og, k], [0, k, 1], gi * og * k);
      const b = strided(cols, [n, k, l], [groups * k * l, l, 1], gi * k * l);
      const product = kernels.matmul(a, b, outDtype);
      for (let i = 0; i < n; i++) out.set(product.subarray(i * og * l, (i + 1) * og * l), (i * o + gi * og) * l);
    }
    if (bias !== null) addBias(out, bias, n, o, l);
    return out;
  }

  /**
   * The gradient of {@link conv2d} with respect to its input (PyTorch's
   * `conv2d_input`): `grad` `[N, O, OH, OW]` through `weight`
   * `[O, C/groups, KH, KW]` back to `[N, C, H, W]`, the columns `Wᵀ·grad`
   * added back where im2col took them from.
   *
   * @example
   * ```ts
   * conv2dInput(gradView, wView, geometry, 1, 'float32');
   * ```
   */
  function conv2dInput(grad: ArrayView, weight: ArrayView, g: ConvGeometry, groups: number, outDtype: DType): TypedArray {
    const [n, o] = grad.shape as [number, number];
    const { og, k, l } = convSizes(weight.shape[1]! * groups, o, g, groups);
    const w = kernels.copy(weight, outDtype);
    const gy = kernels.copy(grad, outDtype);
    const cols = allocate(outDtype, n * groups * k * l);
    for (let gi = 0; gi < groups; gi++) {
      const a = strided(w, [n, k, og], [0, 1, k], gi * og * k);
      const b = strided(gy, [n, og, l], [o * l, l, 1], gi * og * l);
      const product = kernels.matmul(a, b, outDtype);
      for (let i = 0; i < n; i++) cols.set(product.subarray(i * k * l, (i + 1) * k * l), (i * groups + gi) * k * l);
    }
    return kernels.col2im(strided(cols, [n, groups * k, l], [groups * k * l, l, 1], 0), g, outDtype);
  }

  /**
   * The gradient of {@link conv2d} with respect to its weight (PyTorch's
   * `conv2d_weight`): `grad` `[N, O, OH, OW]` times the columns of `x`
   * `[N, C, H, W]`, summed over the batch: `[O, C/groups, KH, KW]`.
   *
   * @example
   * ```ts
   * conv2dWeight(xView, gradView, geometry, 1, 'float32');
   * ```
   */
  function conv2dWeight(x: ArrayView, grad: ArrayView, g: ConvGeometry, groups: number, outDtype: DType): TypedArray {
    const n = x.shape[0]!;
    const o = grad.shape[1]!;
    const { og, k, l } = convSizes(x.shape[1]!, o, g, groups);
    const cols = kernels.im2col(x, g, outDtype);
    const gy = kernels.copy(grad, outDtype);
    const out = allocate(outDtype, o * k);
    for (let gi = 0; gi < groups; gi++) {
      const a = strided(gy, [n, og, l], [o * l, l, 1], gi * og * l);
      const b = strided(cols, [n, l, k], [groups * k * l, 1, l], gi * k * l);
      const product = kernels.matmul(a, b, outDtype);
      // Summed over the batch in order, in doubles, then rounded once.
      for (let j = 0; j < og * k; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += product[i * og * k + j]!;
        out[gi * og * k + j] = s;
      }
    }
    return out;
  }

  return { conv2d, conv2dInput, conv2dWeight };
}
