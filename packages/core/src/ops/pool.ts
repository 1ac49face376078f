import { isFloating } from '../dtype.js';
import { DTypeError, IndexError, ShapeError, fmtShape } from '../errors.js';
import { checkOptions, optionRules, rejectOptionsObject, type OptionRules } from '../options.js';
import { noGrad } from '../autograd/grad-mode.js';
import { apply } from '../primitives/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { ones, tensor } from '../tensor/creation.js';
import { where } from './elementwise.js';
import type { ConvGeometry } from '../primitives/primitives.js';
import { reshape, unsqueeze, squeeze } from './movement.js';
import { perDim, windows, type Padding, type SizeArg } from './sliding-window.js';

/**
 * Options of {@link maxPool2d}: `stride` defaults to the kernel size;
 * padding (with −∞) is at most half the kernel size, as in PyTorch.
 * `ceilMode` rounds the output size up rather than down, so that a last,
 * partial window covers the input's end; as in PyTorch, a window must still
 * start inside the input or its left padding.
 *
 * @example
 * ```ts
 * const opts: MaxPoolOptions = { stride: 2, padding: 1, dilation: 1, ceilMode: true };
 * ```
 */
export interface MaxPoolOptions {
  readonly stride?: SizeArg;
  readonly padding?: SizeArg;
  readonly dilation?: SizeArg;
  readonly ceilMode?: boolean;
}

/**
 * Options of {@link avgPool2d}: `stride` defaults to the kernel size; padding
 * (with zeros) counts in the divisor unless `countIncludePad` is false;
 * `divisorOverride` replaces the divisor. `ceilMode` rounds the output size
 * up, as in {@link MaxPoolOptions}; the part of a last window that hangs
 * past the right padding never counts in the divisor (PyTorch's rule).
 *
 * @example
 * ```ts
 * const opts: AvgPoolOptions = { stride: 1, padding: 1, countIncludePad: false, ceilMode: true };
 * ```
 */
export interface AvgPoolOptions {
  readonly stride?: SizeArg;
  readonly padding?: SizeArg;
  readonly countIncludePad?: boolean;
  readonly divisorOverride?: number;
  readonly ceilMode?: boolean;
}

const maxPoolOptionRules: OptionRules = { stride: optionRules.intOrInts, padding: optionRules.intOrInts, dilation: optionRules.intOrInts, ceilMode: optionRules.boolean };
const avgPoolOptionRules: OptionRules = {
  stride: optionRules.intOrInts,
  padding: optionRules.intOrInts,
  countIncludePad: optionRules.boolean,
  divisorOverride: optionRules.positive,
  ceilMode: optionRules.boolean,
};

interface Geometry {
  readonly x: Tensor;
  readonly batched: boolean;
  readonly kernel: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly dilation: number[];
  /** Output size per spatial dim. */
  readonly outSize: number[];
  /** Padding after each spatial dim: `padding`, plus what a ceil-mode last window hangs past it. */
  readonly after: number[];
}

/**
 * PyTorch's pooled size of one dim: `⌊(size + 2·pad − span) / stride⌋ + 1`,
 * rounded up instead in ceil mode, where a last window that would start in
 * the right padding is dropped.
 */
function pooledSize(size: number, kernel: number, stride: number, pad: number, dilation: number, ceil: boolean): number {
  const span = dilation * (kernel - 1) + 1;
  const out = Math.floor((size + 2 * pad - span + (ceil ? stride - 1 : 0)) / stride) + 1;
  return ceil && (out - 1) * stride >= size + pad ? out - 1 : out;
}

function geometry(op: string, input: Tensor, kernelSize: SizeArg, options: MaxPoolOptions): Geometry {
  const batched = input.ndim === 4;
  if (!batched && input.ndim !== 3) throw new ShapeError(`${op}: expected input of shape [N, C, H, W] or [C, H, W], got ${fmtShape(input.shape)}`);
  const kernel = perDim(op, 'kernelSize', kernelSize, 2, 1);
  const pads = perDim(op, 'padding', options.padding ?? 0, 2, 0);
  if (pads.some((p, i) => p > kernel[i]! / 2)) {
    throw new IndexError(`${op}: padding ${fmtShape(pads)} must be at most half the kernel size ${fmtShape(kernel)}`);
  }
  const stride = options.stride === undefined ? kernel : perDim(op, 'stride', options.stride, 2, 1);
  const dilation = perDim(op, 'dilation', options.dilation ?? 1, 2, 1);
  const size = input.shape.slice(-2);
  const ceil = options.ceilMode ?? false;
  const outSize = size.map((n, i) => pooledSize(n, kernel[i]!, stride[i]!, pads[i]!, dilation[i]!, ceil));
  if (outSize.some((o) => o < 1)) {
    const spans = kernel.map((k, i) => dilation[i]! * (k - 1) + 1);
    throw new ShapeError(
      `${op}: input of spatial size ${fmtShape(size)} is too small for windows spanning ${fmtShape(spans)} with padding ${fmtShape(pads)} and stride ${fmtShape(stride)}: the output would be ${fmtShape(outSize)}`,
    );
  }
  const after = outSize.map((o, i) => Math.max(pads[i]!, (o - 1) * stride[i]! + dilation[i]! * (kernel[i]! - 1) + 1 - size[i]! - pads[i]!));
  return { x: batched ? input : unsqueeze(input, 0), batched, kernel, stride, padding: pads, dilation, outSize, after };
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
  rejectOptionsObject(op, 'kernelSize', kernelSize, 'maxPool2d(input, kernelSize, { stride, padding, dilation, ceilMode })');
  checkOptions(op, options, maxPoolOptionRules);
  const g = geometry(op, input, kernelSize, options);
  const [n, c, h, w] = g.x.shape as [number, number, number, number];
  // The kernels skip taps outside the image, so a ceil-mode window past the right padding needs nothing more.
  const grid: ConvGeometry = { kernel: g.kernel, stride: g.stride, dilation: g.dilation, padBefore: g.padding, size: [h, w], outSize: g.outSize };
  // Each window's maximum is found once (its flat index in the image) and
  // read by a gather, whose gradient scatters into the image: no copy of
  // the windows, and nothing walks them again in backward.
  let indices = apply('maxPoolIndices', [g.x], grid);
  const [oh, ow] = grid.outSize as [number, number];
  const empty = emptyWindows(g, [h, w]);
  // A window with every tap in the padding has no maximum in the image: PyTorch gives −∞ there and no gradient.
  if (empty !== null) indices = where(empty, 0, indices);
  // The indices are inside the image now: the gather primitive, without the public op's range check.
  const picked = apply('gather', [reshape(g.x, [n, c, h * w]), reshape(indices, [n, c, oh * ow])], { dim: 2 });
  let out = reshape(picked, [n, c, oh, ow]);
  if (empty !== null) out = where(empty, -Infinity, out);
  return g.batched ? out : squeeze(out, 0);
}

/**
 * The `[outH, outW]` mask of windows whose taps all fall in the padding
 * (possible with dilation), or null when every window sees the image.
 */
function emptyWindows(g: Geometry, size: readonly number[]): Tensor | null {
  const perAxis = size.map((n, i) =>
    Array.from({ length: g.outSize[i]! }, (_, o) => {
      const start = o * g.stride[i]! - g.padding[i]!;
      for (let k = 0; k < g.kernel[i]!; k++) {
        const at = start + k * g.dilation[i]!;
        if (at >= 0 && at < n) return false;
      }
      return true;
    }),
  );
  if (!perAxis.some((axis) => axis.includes(true))) return null;
  const [rows, cols] = perAxis as [boolean[], boolean[]];
  return tensor(rows.map((r) => cols.map((c) => r || c)), { device: g.x.device });
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
  rejectOptionsObject(op, 'kernelSize', kernelSize, 'avgPool2d(input, kernelSize, { stride, padding, countIncludePad, divisorOverride, ceilMode })');
  checkOptions(op, options, avgPoolOptionRules);
  if (!isFloating(input.dtype)) throw new DTypeError(`${op}: input must be a float tensor, got ${input.dtype}`);
  const g = geometry(op, input, kernelSize, { ...options, dilation: 1 });
  const padding: Padding = { before: g.padding, after: g.after };
  const sums = windows(op, g.x, g.kernel, g.stride, g.dilation, padding).sum(WINDOW_DIMS);
  let out: Tensor;
  const hangs = g.after.some((a, i) => a > g.padding[i]!);
  if (options.divisorOverride !== undefined) {
    if (!(options.divisorOverride > 0)) throw new IndexError(`${op}: divisorOverride must be positive, got ${options.divisorOverride}`);
    out = sums.div(options.divisorOverride);
  } else if (!hangs && ((options.countIncludePad ?? true) || g.padding.every((p) => p === 0))) {
    out = sums.div(g.kernel[0]! * g.kernel[1]!);
  } else {
    out = sums.div(noGrad(() => divisors(op, g, input.dtype, options.countIncludePad ?? true)));
  }
  return g.batched ? out : squeeze(out, 0);
}

/**
 * Each window's divisor, as PyTorch counts it: the taps inside the input,
 * plus those in the padding when `countIncludePad`, never those a ceil-mode
 * window hangs past the right padding. The window sums of a tensor of ones
 * over what counts, padded with zeros to the windows' extent.
 */
function divisors(op: string, g: Geometry, dtype: Tensor['dtype'], countIncludePad: boolean): Tensor {
  const size = g.x.shape.slice(2);
  const counted = countIncludePad ? size.map((n, i) => n + 2 * g.padding[i]!) : size;
  const before = countIncludePad ? [0, 0] : g.padding;
  const after = g.after.map((a, i) => a - (countIncludePad ? g.padding[i]! : 0));
  return windows(op, ones(counted, { dtype, device: g.x.device }), g.kernel, g.stride, g.dilation, { before, after }).sum(WINDOW_DIMS.map((d) => d - 2));
}
