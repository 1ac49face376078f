import { emptyLike, type Tensor } from '@tapegrad/core';

// One per parameter, kept only as long as the parameter lives and never in
// an optimizer's state (it holds nothing between steps).
const scratches = new WeakMap<Tensor, Tensor>();

/**
 * `src` copied into a parameter-sized buffer that is reused at every step,
 * for the one temporary an update needs (a denominator). Each fresh
 * parameter-sized array costs page faults on its first write, which on some
 * machines take longer than the whole update.
 *
 * @example
 * ```ts
 * const denom = scratchCopy(w, expAvgSq).sqrt_().add_(1e-8);
 * ```
 */
export function scratchCopy(param: Tensor, src: Tensor): Tensor {
  let s = scratches.get(param);
  if (s === undefined || s.dtype !== src.dtype || s.device !== src.device || s.shape.length !== src.shape.length || s.shape.some((d, i) => d !== src.shape[i])) {
    s = emptyLike(src);
    scratches.set(param, s);
  }
  return s.copy_(src);
}
