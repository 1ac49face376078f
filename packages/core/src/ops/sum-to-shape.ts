import { shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Sums a broadcast gradient back to the shape of the operand it came from:
 * over the leading dims broadcasting added and the dims that were 1.
 *
 * @example
 * ```ts
 * sumToShape(ones([4, 3]), [3]).toArray(); // [4, 4, 4]
 * ```
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let d = 0; d < g.ndim; d++) {
    if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) dims.push(d);
  }
  const summed = dims.length > 0 ? g.sum(dims, true) : g;
  return shapesEqual(summed.shape, shape) ? summed : summed.reshape(shape);
}
