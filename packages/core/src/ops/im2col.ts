import { checkOptions, optionRules, type OptionRules } from '../options.js';
import type { ConvGeometry } from '../primitives/primitives.js';
import { ShapeError, fmtShape } from '../errors.js';
import { apply } from '../primitives/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { perDim, symmetric, type Padding, type SizeArg } from './sliding-window.js';

/**
 * Options of {@link im2col} and {@link col2im}, as PyTorch's
 * `nn.functional.unfold` and `fold`: a number applies to both spatial dims,
 * a pair gives one per dim; padding is added on both sides and reads as 0.
 *
 * @example
 * ```ts
 * const opts: Im2colOptions = { stride: 2, padding: [1, 0], dilation: 1 };
 * ```
 */
export interface Im2colOptions {
  readonly stride?: SizeArg;
  readonly padding?: SizeArg;
  readonly dilation?: SizeArg;
}

/**
 * Where the windows of a convolution lie in an image of spatial `size`, or a
 * ShapeError naming `op` when a window does not fit.
 *
 * @example
 * ```ts
 * convGeometry('conv2d', [32, 32], [3, 3], [1, 1], [1, 1], symmetric([1, 1]));
 * ```
 */
export function convGeometry(
  op: string,
  size: readonly number[],
  kernel: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
  padding: Padding,
): ConvGeometry {
  const outSize = kernel.map((k, i) => {
    const padded = size[i]! + padding.before[i]! + padding.after[i]!;
    const span = dilation[i]! * (k - 1) + 1;
    if (span > padded) {
      throw new ShapeError(
        `${op}: input of spatial size ${fmtShape(size)} is too small: spatial dim ${i} has ${padded} elements after padding, fewer than the ${span} a window spans (kernel ${fmtShape(kernel)}, dilation ${fmtShape(dilation)})`,
      );
    }
    return Math.floor((padded - span) / stride[i]!) + 1;
  });
  return { kernel, stride, dilation, padBefore: padding.before, size, outSize };
}

const im2colOptionRules: OptionRules = { stride: optionRules.intOrInts, padding: optionRules.intOrInts, dilation: optionRules.intOrInts };

function geometryOf(op: string, size: readonly number[], kernelSize: SizeArg, options: Im2colOptions): ConvGeometry {
  checkOptions(op, options, im2colOptionRules);
  const kernel = perDim(op, 'kernelSize', kernelSize, 2, 1);
  const stride = perDim(op, 'stride', options.stride ?? 1, 2, 1);
  const dilation = perDim(op, 'dilation', options.dilation ?? 1, 2, 1);
  const padding = perDim(op, 'padding', options.padding ?? 0, 2, 0);
  return convGeometry(op, size, kernel, stride, dilation, symmetric(padding));
}

/**
 * The sliding windows of a batch of images as columns (PyTorch's
 * `nn.functional.unfold`): `x` `[N, C, H, W]` becomes `[N, C·KH·KW, L]`, one
 * column per window position (`L` of them, row-major), its rows running over
 * channels, then kernel rows, then kernel columns. Taps in the padding read
 * 0. A convolution is this times the weight matrix; the gradient is
 * {@link col2im}.
 *
 * @example
 * ```ts
 * im2col(randn([8, 3, 32, 32]), 3, { padding: 1 }).shape; // [8, 27, 1024]
 * ```
 */
export function im2col(x: Tensor, kernelSize: SizeArg, options: Im2colOptions = {}): Tensor {
  if (x.ndim !== 4) throw new ShapeError(`im2col: expected input of shape [N, C, H, W], got ${fmtShape(x.shape)}`);
  return apply('im2col', [x], geometryOf('im2col', x.shape.slice(2), kernelSize, options));
}

/**
 * Columns of windows summed back into images of spatial size `outputSize`
 * (PyTorch's `nn.functional.fold`), the adjoint of {@link im2col}: `cols`
 * `[N, C·KH·KW, L]` becomes `[N, C, H, W]`, each element of a window added
 * where {@link im2col} took it from (so overlapping windows add up, and
 * taps in the padding are dropped).
 *
 * @example
 * ```ts
 * col2im(ones([1, 4, 9]), [4, 4], 2).toArray(); // corners 1, edges 2, middle 4
 * ```
 */
export function col2im(cols: Tensor, outputSize: SizeArg, kernelSize: SizeArg, options: Im2colOptions = {}): Tensor {
  const size = perDim('col2im', 'outputSize', outputSize, 2, 1);
  const g = geometryOf('col2im', size, kernelSize, options);
  const taps = g.kernel[0]! * g.kernel[1]!;
  const windows = g.outSize[0]! * g.outSize[1]!;
  if (cols.ndim !== 3 || cols.shape[1]! % taps !== 0 || cols.shape[2] !== windows) {
    throw new ShapeError(
      `col2im: expected columns of shape [N, C·${taps}, ${windows}] for kernel ${fmtShape(g.kernel)} over ${fmtShape(size)} (${fmtShape(g.outSize)} windows), got ${fmtShape(cols.shape)}`,
    );
  }
  return apply('col2im', [cols], g);
}
