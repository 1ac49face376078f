import { Tensor } from '@tapegrad/core';
import { OptimError } from './optim-error.js';

/**
 * The tensors of `params` (one tensor or an iterable of them), checked; `who` names the caller in errors.
 *
 * @example
 * ```ts
 * paramList('clipGradNorm', [w, b]);
 * ```
 */
export function paramList(who: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  if (params instanceof Tensor) return [params];
  if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
    throw new OptimError(`${who}: expected a tensor or a list of tensors, got ${params === null ? 'null' : typeof params}`);
  }
  const list = Array.from(params);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new OptimError(`${who}: params[${i}] is not a tensor`);
  });
  return list;
}
