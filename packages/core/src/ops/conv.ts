import { checkOptions, optionRules, rejectOptionsObject, type OptionRules } from '../options.js';
import type { ConvGeometry } from '../primitives/primitives.js';
import { isFloating } from '../dtype.js';
import { DTypeError, IndexError, ShapeError, fmtShape } from '../errors.js';
import { apply } from '../primitives/apply.js';
import type { Tensor } from '../tensor/tensor.js';
import { convGeometry } from './im2col.js';
import { squeeze, unsqueeze } from './movement.js';
import { perDim, symmetric, type Padding, type SizeArg } from './sliding-window.js';

/**
 * Options of {@link conv1d} and {@link conv2d}, as PyTorch's: a number
 * applies to every spatial dim, an array gives one per dim. `padding: 'same'`
 * keeps the spatial size (stride 1 only; an odd total puts the extra element
 * at the end), `'valid'` is no padding.
 *
 * @example
 * ```ts
 * const opts: ConvOptions = { stride: 2, padding: [1, 0], dilation: 1, groups: 1 };
 * ```
 */
export interface ConvOptions {
  readonly stride?: SizeArg;
  readonly padding?: SizeArg | 'valid' | 'same';
  readonly dilation?: SizeArg;
  readonly groups?: number;
}

const SPATIAL = ['L', 'H, W'];

const convOptionRules: OptionRules = {
  stride: optionRules.intOrInts,
  padding: optionRules.either(optionRules.intOrInts, optionRules.oneOf('valid', 'same')),
  dilation: optionRules.intOrInts,
  groups: optionRules.positiveInteger,
};

function paddingOf(op: string, options: ConvOptions, kernel: readonly number[], stride: readonly number[], dilation: readonly number[]): Padding {
  const p = options.padding ?? 0;
  const d = kernel.length;
  if (p === 'valid') return symmetric(new Array<number>(d).fill(0));
  if (p === 'same') {
    if (stride.some((s) => s !== 1)) throw new IndexError(`${op}: padding 'same' needs stride 1, got stride ${fmtShape(stride)}`);
    const total = kernel.map((k, i) => dilation[i]! * (k - 1));
    const before = total.map((t) => Math.floor(t / 2));
    return { before, after: total.map((t, i) => t - before[i]!) };
  }
  return symmetric(perDim(op, 'padding', p, d, 0));
}

/** A 1-D geometry as the 2-D one of images one row high, kernels one tap high. */
function oneRowHigh(g: ConvGeometry): ConvGeometry {
  return {
    kernel: [1, ...g.kernel],
    stride: [1, ...g.stride],
    dilation: [1, ...g.dilation],
    padBefore: [0, ...g.padBefore],
    size: [1, ...g.size],
    outSize: [1, ...g.outSize],
  };
}

/**
 * Convolution (strictly, cross-correlation as in PyTorch) over the last `d`
 * dims (1 or 2), plus the bias: the `conv2d` primitive, whose gradients are
 * primitives too.
 */
function convolution(op: string, d: number, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: ConvOptions): Tensor {
  const spatial = SPATIAL[d - 1]!;
  rejectOptionsObject(op, 'bias', bias, `${op}(input, weight, bias ?? null, { stride, padding, dilation, groups })`);
  checkOptions(op, options, convOptionRules);
  if (!isFloating(input.dtype) || !isFloating(weight.dtype)) {
    throw new DTypeError(`${op}: input and weight must be float tensors, got ${input.dtype} and ${weight.dtype}`);
  }
  const batched = input.ndim === d + 2;
  if (!batched && input.ndim !== d + 1) {
    throw new ShapeError(`${op}: expected input of shape [N, C, ${spatial}] or [C, ${spatial}], got ${fmtShape(input.shape)}`);
  }
  if (weight.ndim !== d + 2) {
    throw new ShapeError(`${op}: expected weight of shape [outChannels, inChannels / groups, ${spatial === 'L' ? 'k' : 'kH, kW'}], got ${fmtShape(weight.shape)}`);
  }
  const x = batched ? input : unsqueeze(input, 0);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new IndexError(`${op}: groups must be a positive integer, got ${groups}`);
  const c = x.shape[1]!;
  const o = weight.shape[0]!;
  const cg = weight.shape[1]!;
  if (c !== cg * groups) {
    throw new ShapeError(`${op}: input of shape ${fmtShape(input.shape)} has ${c} channels, but weight of shape ${fmtShape(weight.shape)} with groups ${groups} expects ${cg * groups} (weight dim 1 × groups)`);
  }
  if (o % groups !== 0) throw new ShapeError(`${op}: weight of shape ${fmtShape(weight.shape)} has ${o} output channels, not divisible by groups ${groups}`);
  if (bias !== null && bias !== undefined && (bias.ndim !== 1 || bias.shape[0] !== o)) {
    throw new ShapeError(`${op}: expected bias of shape [${o}] for weight of shape ${fmtShape(weight.shape)}, got ${fmtShape(bias.shape)}`);
  }
  const kernel = weight.shape.slice(2);
  const stride = perDim(op, 'stride', options.stride ?? 1, d, 1);
  const dilation = perDim(op, 'dilation', options.dilation ?? 1, d, 1);
  const padding = paddingOf(op, options, kernel, stride, dilation);
  const geometry = convGeometry(op, x.shape.slice(2), kernel, stride, dilation, padding);
  // The kernel adds the bias while it writes the output: no second pass over it.
  const b = bias === null || bias === undefined ? [] : [bias];
  // A 1-D convolution is a 2-D one over images one row high.
  const out =
    d === 2
      ? apply('conv2d', [x, weight, ...b], { geometry, groups })
      : squeeze(apply('conv2d', [unsqueeze(x, 2), unsqueeze(weight, 2), ...b], { geometry: oneRowHigh(geometry), groups }), 2);
  return batched ? out : squeeze(out, 0);
}

/**
 * 1-D convolution of `input` `[N, C, L]` (or unbatched `[C, L]`) with
 * `weight` `[outChannels, C / groups, k]` and an optional `bias`
 * `[outChannels]`, as PyTorch's `conv1d`.
 *
 * @example
 * ```ts
 * conv1d(randn([8, 3, 32]), randn([16, 3, 5]), null, { padding: 2 }); // [8, 16, 32]
 * ```
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return convolution('conv1d', 1, input, weight, bias, options);
}

/**
 * 2-D convolution of `input` `[N, C, H, W]` (or unbatched `[C, H, W]`) with
 * `weight` `[outChannels, C / groups, kH, kW]` and an optional `bias`
 * `[outChannels]`, as PyTorch's `conv2d`: stride, padding (or `'same'` /
 * `'valid'`), dilation and groups.
 *
 * @example
 * ```ts
 * conv2d(randn([1, 3, 28, 28]), randn([8, 3, 3, 3]), randn([8]), { stride: 2, padding: 1 }); // [1, 8, 14, 14]
 * ```
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  return convolution('conv2d', 2, input, weight, bias, options);
}
