import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { DTypeError, TapegradError, where, type Tensor } from '@tapegrad/core';
import { checkSameShape, isFloatTensor, reduce, type Reduction } from './reduction.js';

/**
 * Options of the losses that only reduce.
 *
 * @example
 * ```ts
 * l1Loss(pred, target, { reduction: 'none' });
 * ```
 */
export interface ReductionOptions {
  readonly reduction?: Reduction;
}

function difference(op: string, input: Tensor, target: Tensor): Tensor {
  if (!isFloatTensor(input)) throw new DTypeError(`${op}: input must be a float tensor, got ${input.dtype}`);
  if (target.dtype === 'bool') throw new DTypeError(`${op}: target must be a numeric tensor, got bool`);
  checkSameShape(op, input, target);
  return input.sub(target);
}

/**
 * Mean squared error `(input − target)²`, reduced.
 *
 * @example
 * ```ts
 * mseLoss(tensor([1, 2]), tensor([1, 4])).item(); // 2
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  checkOptions('mseLoss', options, nnOptionRules.mseLoss);
  return reduce('mseLoss', difference('mseLoss', input, target).square(), options.reduction ?? 'mean');
}

/**
 * Mean absolute error `|input − target|`, reduced.
 *
 * @example
 * ```ts
 * l1Loss(tensor([1, 2]), tensor([1, 4])).item(); // 1
 * ```
 */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  checkOptions('l1Loss', options, nnOptionRules.l1Loss);
  return reduce('l1Loss', difference('l1Loss', input, target).abs(), options.reduction ?? 'mean');
}

/**
 * Smooth L1: `0.5·d²/beta` where `|d| < beta`, else `|d| − 0.5·beta`, with
 * `d = input − target` (beta = 0 gives the L1 loss).
 *
 * @example
 * ```ts
 * smoothL1Loss(tensor([0, 3]), tensor([0.5, 0])).item(); // (0.125 + 2.5) / 2
 * ```
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options: ReductionOptions & { readonly beta?: number } = {}): Tensor {
  checkOptions('smoothL1Loss', options, nnOptionRules.smoothL1Loss);
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new TapegradError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  const d = difference('smoothL1Loss', input, target);
  const a = d.abs();
  // NOTE: the quadratic branch sees 0 where it is not taken ("double where"):
  // d² of an infinite d would turn the zero gradient `where` gives it into NaN.
  const near = a.lt(beta);
  const loss = beta === 0 ? a : where(near, d, 0).square().mul(0.5 / beta).where(near, a.sub(0.5 * beta));
  return reduce('smoothL1Loss', loss, options.reduction ?? 'mean');
}

/**
 * Huber: `0.5·d²` where `|d| ≤ delta`, else `delta·(|d| − 0.5·delta)`, with
 * `d = input − target` (smooth L1 scaled by delta).
 *
 * @example
 * ```ts
 * huberLoss(tensor([0, 3]), tensor([0.5, 0]), { delta: 1 }).item(); // (0.125 + 2.5) / 2
 * ```
 */
export function huberLoss(input: Tensor, target: Tensor, options: ReductionOptions & { readonly delta?: number } = {}): Tensor {
  checkOptions('huberLoss', options, nnOptionRules.huberLoss);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new TapegradError(`huberLoss: delta must be positive, got ${delta}`);
  const d = difference('huberLoss', input, target);
  const a = d.abs();
  const near = a.le(delta); // NOTE: double where, as in smoothL1Loss
  const loss = where(near, d, 0).square().mul(0.5).where(near, a.sub(0.5 * delta).mul(delta));
  return reduce('huberLoss', loss, options.reduction ?? 'mean');
}
