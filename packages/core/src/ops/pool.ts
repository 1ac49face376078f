import { isFloating } from '../dtype.js';
import { DTypeError, IndexError, ShapeError, fmtShape } from '../errors.js';
import { checkOptions, optionRules, rejectOptionsObject, type OptionRules } from '../options.js';
import { noGrad } from '../autograd/grad-mode.js';
import { apply } from '../primitives/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { ones } from '../tensor/creation.js';
import { convGeometry } from './im2col.js';
import { reshape, unsqueeze, squeeze } from './movement.js';
import { perDim, symmetric, windows, type SizeArg } from './sliding-window.js';

/**
 * Options of {@link maxPool2d}: `stride` defaults to the kernel size;
 * padding (with −∞) is at most half the kernel size, as in PyTorch.
 *
 * @example
 * ```ts
 * const opts: MaxPoolOptions = { stride: 2, padding: 1, dilation: 1 };
 * ```
 */
export interface MaxPoolOptions {
  readonly stride?: SizeArg;
  readonly padding?: SizeArg;
  readonly dilation?: SizeArg;
}

/**
 * Options of {@link avgPool2d}: `stride` defaults to the kernel size; padding
 * (with zeros) counts in the divisor unless `countIncludePad` is false;
 * `divisorOverride` replaces the divisor.
 *
 * @example
 * ```ts
 * const opts: AvgPoolOptions = { stride: 1, padding: 1, countIncludePad: false };
 * ```
 */
export interface AvgPoolOptions {
  readonly stride?: SizeArg;
  readonly padding?: SizeArg;
  readonly countIncludePad?: boolean;
  readonly divisorOverride?: number;
}

const maxPoolOptionRules: OptionRules = { stride: optionRules.intOrInts, padding: optionRules.intOrInts, dilation: optionRules.intOrInts };
const avgPoolOptionRules: OptionRules = {
  stride: optionRules.intOrInts,
  padding: optionRules.intOrInts,
  countIncludePad: optionRules.boolean,
  divisorOverride: optionRules.positive,
};

interface Geometry {
  readonly x: Tensor;
  readonly batched: boolean;
  readonly kernel: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly dilation: number[];
}

function geometry(op: string, input: Tensor, kernelSize: SizeArg, stride: SizeArg | undefined, padding: SizeArg | undefined, dilation: SizeArg | undefined): Geometry {
  const batched = input.ndim === 4;
  if (!batched && input.ndim !== 3) throw new ShapeError(`${op}: expected input of shape [N, C, H, W] or [C, H, W], got ${fmtShape(input.shape)}`);
  const kernel = perDim(op, 'kernelSize', kernelSize, 2, 1);
  const pads = perDim(op, 'padding', padding ?? 0, 2, 0);
  if (pads.some((p, i) => p > kernel[i]! / 2)) {
    throw new IndexError(`${op}: padding ${fmtShape(pads)} must be at most half the kernel size ${fmtShape(kernel)}`);
  }
  return {
    x: batched ? input : unsqueeze(input, 0),
    batched,
    kernel,
    stride: stride === undefined ? kernel : perDim(op, 'stride', stride, 2, 1),
    padding: pads,
    dilation: perDim(op, 'dilation', dilation ?? 1, 2, 1),
  };
}

const WINDOW_DIMS = [4, 5];

/**
 * 2-D max pooling of `[N, C, H, W]` (or `[C, H, W]`) over `kernelSize`
 * windows: the maximum of each window, as PyTorch's `max_pool2d`. Each
 * window's whole gradient goes to the tap its maximum was taken from: the
 * first maximum in row-major order, or the last NaN (a NaN counts as the
 * maximum), never shared between ties.
 *
 * @example
 * ```ts
 * maxPool2d(randn([1, 3, 32, 32]), 2); // [1, 3, 16, 16]
 * ```
 */
export function maxPool2d(input: Tensor, kernelSize: SizeArg, options: MaxPoolOptions = {}): Tensor {
  const op = 'maxPool2d';
  rejectOptionsObject(op, 'kernelSize', kernelSize, 'maxPool2d(input, kernelSize, { stride, padding, dilation })');
  checkOptions(op, options, maxPoolOptionRules);
  const g = geometry(op, input, kernelSize, options.stride, options.padding, options.dilation);
  const [n, c, h, w] = g.x.shape as [number, number, number, number];
  const grid = convGeometry(op, [h, w], g.kernel, g.stride, g.dilation, symmetric(g.padding));
  // Each window's maximum is found once (its flat index in the image) and
  // read by a gather, whose gradient scatters into the image: no copy of
  // the windows, and nothing walks them again in backward.
  const indices = apply('maxPoolIndices', [g.x], grid);
  const [oh, ow] = grid.outSize as [number, number];
  // The kernel's indices are inside the image by construction: the gather primitive, without the public op's range check.
  const picked = apply('gather', [reshape(g.x, [n, c, h * w]), reshape(indices, [n, c, oh * ow])], { dim: 2 });
  const out = reshape(picked, [n, c, oh, ow]);
  return g.batched ? out : squeeze(out, 0);
}

/**
 * 2-D average pooling of `[N, C, H, W]` (or `[C, H, W]`) over `kernelSize`
 * windows, as PyTorch's `avg_pool2d`.
 *
 * @example
 * ```ts
 * avgPool2d(randn([1, 3, 32, 32]), 3, { stride: 1, padding: 1 }); // [1, 3, 32, 32]
 * ```
 */
export function avgPool2d(input: Tensor, kernelSize: SizeArg, options: AvgPoolOptions = {}): Tensor {
  const op = 'avgPool2d';
  rejectOptionsObject(op, 'kernelSize', kernelSize, 'avgPool2d(input, kernelSize, { stride, padding, countIncludePad, divisorOverride })');
  checkOptions(op, options, avgPoolOptionRules);
  if (!isFloating(input.dtype)) throw new DTypeError(`${op}: input must be a float tensor, got ${input.dtype}`);
  const g = geometry(op, input, kernelSize, options.stride, options.padding, undefined);
  const sums = windows(op, g.x, g.kernel, g.stride, g.dilation, symmetric(g.padding)).sum(WINDOW_DIMS);
  let out: Tensor;
  if (options.divisorOverride !== undefined) {
    if (!(options.divisorOverride > 0)) throw new IndexError(`${op}: divisorOverride must be positive, got ${options.divisorOverride}`);
    out = sums.div(options.divisorOverride);
  } else if ((options.countIncludePad ?? true) || g.padding.every((p) => p === 0)) {
    out = sums.div(g.kernel[0]! * g.kernel[1]!);
  } else {
    const counts = noGrad(() => windows(op, ones(g.x.shape.slice(2), { dtype: input.dtype, device: input.device }), g.kernel, g.stride, g.dilation, symmetric(g.padding)).sum(WINDOW_DIMS.map((d) => d - 2)));
    out = sums.div(counts);
  }
  return g.batched ? out : squeeze(out, 0);
}
