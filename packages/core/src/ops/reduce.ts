import { isFloating } from '../dtype.js';
import { DTypeError, IndexError, TapegradError, fmtShape } from '../errors.js';
import { checkOptions, optionRules, type OptionRules } from '../options.js';
import { apply } from '../primitives/apply.js';
import { normalizeDim, normalizeDims } from '../shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { where } from './elementwise.js';

/**
 * Values and int32 indices of a maximum or minimum along a dim.
 *
 * @example
 * ```ts
 * const { values, indices } = x.max(1);
 * ```
 */
export interface ValuesIndices {
  readonly values: Tensor;
  readonly indices: Tensor;
}

/**
 * Options of `var` and `std`.
 *
 * @example
 * ```ts
 * x.var(0, { correction: 0, keepdim: true });
 * ```
 */
export interface VarOptions {
  /** Subtracted from the count in the denominator: 1 (Bessel) by default, 0 for the population variance. */
  readonly correction?: number;
  readonly keepdim?: boolean;
}

const varOptionRules: OptionRules = { correction: optionRules.finite, keepdim: optionRules.boolean };
const varHints = { hints: { unbiased: "tapegrad's option is correction: pass { correction: 0 } for unbiased=False" } };

type Dims = number | readonly number[] | null | undefined;

function dimsOf(op: string, x: Tensor, dim: Dims): number[] {
  const list = Array.isArray(dim) && dim.length === 0 ? undefined : dim;
  return normalizeDims(op, list, x.ndim);
}

function count(x: Tensor, dims: readonly number[]): number {
  return dims.reduce((n, d) => n * x.shape[d]!, 1);
}

function nonEmpty(op: string, x: Tensor, dims: readonly number[]): void {
  if (count(x, dims) === 0 && x.numel === 0) {
    throw new IndexError(`${op}: cannot reduce over an empty dimension of a tensor of shape ${fmtShape(x.shape)}; the result has no identity`);
  }
}

/** Sum over dims (all by default). @example `sum(x, 1, true)` */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply('sum', [x], { dims: dimsOf('sum', x, dim), keepdim });
}

/** Product over dims. @example `prod(x)` */
export function prod(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return apply('prod', [x], { dims: dimsOf('prod', x, dim), keepdim });
}

/** Mean over dims; float tensors only, as in PyTorch. @example `mean(x, 0)` */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (!isFloating(x.dtype)) throw new DTypeError(`mean: input must be a float tensor, got ${x.dtype}; convert it with .float()`);
  const dims = dimsOf('mean', x, dim);
  return sum(x, dims, keepdim).div(count(x, dims));
}

/**
 * The `max` or `min` primitive over dims, its errors under `op`, the name of
 * the function the user called (`amax`, `max`, `norm`…).
 *
 * @internal
 */
export function extreme(op: string, primitive: 'max' | 'min', x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const dims = dimsOf(op, x, dim);
  nonEmpty(op, x, dims);
  return apply(primitive, [x], { dims, keepdim });
}

/** Maximum over dims (all by default). @example `amax(x, 1)` */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extreme('amax', 'max', x, dim, keepdim);
}

/** Minimum over dims (all by default). @example `amin(x, 1)` */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return extreme('amin', 'min', x, dim, keepdim);
}

function arg(op: 'argmax' | 'argmin', x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  if (x.numel === 0) throw new IndexError(`${op}: cannot take ${op} of an empty tensor of shape ${fmtShape(x.shape)}`);
  if (dim === undefined || dim === null) {
    const flat = apply(op, [x.reshape([x.numel])], { dim: 0, keepdim: false });
    return keepdim ? flat.reshape(x.shape.map(() => 1)) : flat;
  }
  const d = normalizeDim(op, dim, x.ndim);
  if (x.ndim === 0) return apply(op, [x.reshape([1])], { dim: 0, keepdim: false });
  return apply(op, [x], { dim: d, keepdim });
}

/** Index of the first maximum. @example `argmax(logits, 1)` */
export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return arg('argmax', x, dim, keepdim);
}

/** Index of the first minimum. @example `argmin(x)` */
export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return arg('argmin', x, dim, keepdim);
}

/**
 * Values at `indices` along `dim`: gathering them (rather than reducing) sends
 * the gradient to the one position returned, as PyTorch's `max(dim)` does.
 */
function pick(x: Tensor, dim: number, indices: Tensor, keepdim: boolean): ValuesIndices {
  if (x.ndim === 0) return { values: x.clone(), indices };
  const d = normalizeDim('max', dim, x.ndim);
  const kept = keepdim ? indices : indices.unsqueeze(d);
  const values = x.gather(d, kept);
  return { values: keepdim ? values : values.squeeze(d), indices };
}

/** Maximum values and their indices along `dim`. @example `maxDim(x, 1)` */
export function maxDim(x: Tensor, dim: number, keepdim = false): ValuesIndices {
  nonEmpty('max', x, normalizeDims('max', dim, x.ndim));
  return pick(x, dim, argmax(x, dim, keepdim), keepdim);
}

/** Minimum values and their indices along `dim`. @example `minDim(x, 1)` */
export function minDim(x: Tensor, dim: number, keepdim = false): ValuesIndices {
  nonEmpty('min', x, normalizeDims('min', dim, x.ndim));
  return pick(x, dim, argmin(x, dim, keepdim), keepdim);
}

/**
 * Variance `Σ(x − mean)² / (N − correction)`.
 *
 * @example
 * ```ts
 * variance(x, 0);
 * ```
 */
export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return varianceAs('var', x, dim, options);
}

function varianceAs(op: string, x: Tensor, dim: Dims, options: VarOptions): Tensor {
  checkOptions(op, options, varOptionRules, varHints);
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: input must be a float tensor, got ${x.dtype}`);
  const dims = dimsOf(op, x, dim);
  const correction = options.correction ?? 1;
  const n = count(x, dims);
  const centered = x.sub(x.mean(dims, true));
  return centered.square().sum(dims, options.keepdim ?? false).div(Math.max(0, n - correction));
}

/**
 * Standard deviation, `√var`, with gradient 0 (not 0/0 = NaN) where the
 * variance is 0, as PyTorch's.
 *
 * @example
 * ```ts
 * std(x);
 * ```
 */
export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  return rootAwayFromZero(varianceAs('std', x, dim, options), (t) => t.sqrt());
}

/**
 * `log Σ exp(x)` over dims.
 *
 * @example
 * ```ts
 * logsumexp(logits, 1);
 * ```
 */
export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = dimsOf('logsumexp', x, dim);
  // The log of an empty sum is −∞, as in PyTorch (and amax would refuse it).
  if (count(x, dims) === 0) return x.sum(dims, keepdim).add(-Infinity);
  // NOTE: subtract the max so that exp never overflows; an infinite max is
  // replaced by 0 so that inf − inf does not make NaN.
  const m = extreme('logsumexp', 'max', x.detach(), dims, true);
  const safe = where(m.abs().eq(Infinity), 0, m);
  const out = x.sub(safe).exp().sum(dims, true).log().add(safe);
  return keepdim ? out : out.squeeze(dims);
}

/**
 * The p-norm over dims: `(Σ|x|ᵖ)^(1/p)`; `p = Infinity` is the largest |x|.
 *
 * @example
 * ```ts
 * norm(g, 2);
 * ```
 */
export function norm(x: Tensor, p = 2, dim?: Dims, keepdim = false): Tensor {
  if (!isFloating(x.dtype)) throw new DTypeError(`norm: input must be a float tensor, got ${x.dtype}`);
  if (!(p > 0)) throw new TapegradError(`norm: p must be positive, got ${p}`);
  const dims = dimsOf('norm', x, dim);
  if (p === Infinity) return extreme('norm', 'max', x.abs(), dims, keepdim);
  if (p === 1) return x.abs().sum(dims, keepdim);
  if (p === 2) return rootAwayFromZero(x.square().sum(dims, keepdim), (t) => t.sqrt());
  return rootAwayFromZero(x.abs().pow(p).sum(dims, keepdim), (t) => t.pow(1 / p));
}

/**
 * `root(s)` with the gradient 0 (not ∞·0 = NaN) where `s` is 0, as PyTorch's
 * norm has: the root sees 1 there, and the result is put back to 0.
 */
function rootAwayFromZero(s: Tensor, root: (t: Tensor) => Tensor): Tensor {
  const zero = s.eq(0);
  return where(zero, 0, root(where(zero, 1, s)));
}
