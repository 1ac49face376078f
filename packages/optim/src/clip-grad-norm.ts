import { optionRules } from '@tapegrad/core';
import { checkOptionKeys } from './check.js';
import { noGrad, type Tensor } from '@tapegrad/core';
import { OptimError } from './optim-error.js';
import { paramList } from './param-list.js';

/**
 * Options of {@link clipGradNorm}.
 *
 * @example
 * ```ts
 * clipGradNorm(params, 1, 2, { errorIfNonfinite: true });
 * ```
 */
export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite (default false, as PyTorch). */
  readonly errorIfNonfinite?: boolean;
}

/**
 * Rescales the gradients of `params` in place so that their joint norm is at
 * most `maxNorm`, and returns the joint norm from before (as PyTorch):
 *
 * ```text
 * total = ‖(‖g_1‖_p, …, ‖g_n‖_p)‖_p      (p = Infinity: the largest |g|)
 * g_i ← g_i · min(1, maxNorm / (total + 1e-6))
 * ```
 *
 * Gradients are only written when the factor is below 1. Parameters whose
 * `.grad` is null are left out; with none, the norm is 0. The norm is
 * accumulated in float64.
 *
 * @example
 * ```ts
 * loss.backward();
 * const norm = clipGradNorm(params, 1.0);
 * opt.step();
 * ```
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2, options: ClipGradNormOptions = {}): number {
  const who = 'clipGradNorm';
  checkOptionKeys(who, options, { errorIfNonfinite: optionRules.boolean });
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new OptimError(`${who}: invalid maxNorm = ${String(maxNorm)}; expected a number >= 0`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new OptimError(`${who}: invalid normType = ${String(normType)}; expected a number > 0 or Infinity`);
  const grads = paramList(who, params).flatMap((p) => (p.grad === null ? [] : [p.grad]));
  if (grads.length === 0) return 0;
  let total = 0;
  for (const g of grads) {
    const data = g.data;
    if (normType === Infinity) {
      for (let i = 0; i < data.length; i++) total = Math.max(total, Math.abs(data[i]!));
    } else if (normType === 2) {
      for (let i = 0; i < data.length; i++) total += data[i]! * data[i]!;
    } else {
      for (let i = 0; i < data.length; i++) total += Math.abs(data[i]!) ** normType;
    }
  }
  if (normType === 2) total = Math.sqrt(total);
  else if (normType !== Infinity) total = total ** (1 / normType);
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new OptimError(`${who}: the total norm of order ${normType} of the gradients is ${total}; set errorIfNonfinite: false to scale anyway`);
  }
  const coef = maxNorm / (total + 1e-6);
  // NOTE: `!(coef >= 1)` also scales when the norm is NaN, spreading the NaN to every gradient as PyTorch does.
  if (!(coef >= 1)) noGrad(() => grads.forEach((g) => g.mul_(coef)));
  return total;
}
