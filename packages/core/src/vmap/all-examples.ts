import { physicalOf } from '../primitives/batching.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Inside {@link vmap}, the tensor that holds every example of `t` (one dim
 * per vmap level in effect, in no particular order); `t` itself outside
 * vmap. For checks that must scan every value, such as the range of class
 * indices: reading `t` itself inside vmap throws, as its values differ
 * between examples. Its shape is not `t`'s: read its values, compute nothing
 * from it.
 *
 * @example
 * ```ts
 * const ids = allExamples(target).data; // every example's class indices
 * if (ids.some((v) => v < 0 || v >= classes)) throw new IndexError('class index out of range');
 * ```
 */
export function allExamples(t: Tensor): Tensor {
  return physicalOf(t);
}
