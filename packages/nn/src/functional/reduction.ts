import { ShapeError, TapegradError, type Tensor } from '@tapegrad/core';

/**
 * How a loss combines its per-element values: their mean, their sum, or
 * none (the unreduced tensor).
 *
 * @example
 * ```ts
 * mseLoss(pred, target, { reduction: 'sum' });
 * ```
 */
export type Reduction = 'mean' | 'sum' | 'none';

/** Applies `reduction` to per-element losses. */
export function reduce(op: string, loss: Tensor, reduction: Reduction): Tensor {
  switch (reduction) {
    case 'mean':
      return loss.mean();
    case 'sum':
      return loss.sum();
    case 'none':
      return loss;
    default:
      throw new TapegradError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

/** Formats a shape as `[2, 3]`. */
export const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Throws unless `input` and `target` have the same shape. */
export function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (input.shape.length !== target.shape.length || input.shape.some((s, i) => s !== target.shape[i])) {
    throw new ShapeError(`${op}: target of shape ${fmt(target.shape)} must have the input's shape ${fmt(input.shape)}`);
  }
}

/** Whether `t` is a float tensor. */
export function isFloatTensor(t: Tensor): boolean {
  return t.dtype === 'float32' || t.dtype === 'float64';
}
