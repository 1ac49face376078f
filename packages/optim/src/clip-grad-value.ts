import { noGrad, type Tensor } from '@tapegrad/core';
import { paramList } from './param-list.js';
import { OptimError } from './optim-error.js';

/**
 * Clamps every gradient element of `params` to `[−clipValue, clipValue]`, in
 * place. Parameters whose `.grad` is null are skipped.
 *
 * @example
 * ```ts
 * loss.backward();
 * clipGradValue(params, 0.5);
 * opt.step();
 * ```
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const who = 'clipGradValue';
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new OptimError(`${who}: invalid clipValue = ${String(clipValue)}; expected a number >= 0`);
  const list = paramList(who, params);
  noGrad(() => {
    for (const p of list) p.grad?.clamp_(-clipValue, clipValue);
  });
}
