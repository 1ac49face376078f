import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { DTypeError, TapegradError, type Tensor } from '@tapegrad/core';
import { checkSameShape, isFloatTensor } from './reduction.js';

/**
 * Options of {@link klDiv}. `'batchmean'` divides the sum by the batch size
 * (the first dim), which gives the true KL divergence; `'mean'` (the default,
 * as PyTorch) divides by the number of elements. `logTarget` says the target
 * holds log-probabilities.
 *
 * @example
 * ```ts
 * klDiv(logq, p, { reduction: 'batchmean' });
 * ```
 */
export interface KlDivOptions {
  readonly reduction?: 'mean' | 'batchmean' | 'sum' | 'none';
  readonly logTarget?: boolean;
}

/**
 * Kullback–Leibler divergence with the input as log-probabilities `log q` and
 * the target as probabilities `p` (or log-probabilities with `logTarget`):
 * `p·(log p − log q)` per element, taken as 0 where p = 0.
 *
 * @example
 * ```ts
 * const logq = logSoftmax(logits, 1);
 * klDiv(logq, p, { reduction: 'batchmean' });
 * ```
 */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  checkOptions('klDiv', options, nnOptionRules.klDiv);
  const op = 'klDiv';
  if (!isFloatTensor(input)) throw new DTypeError(`${op}: input must be a float tensor of log-probabilities, got ${input.dtype}`);
  if (!isFloatTensor(target)) throw new DTypeError(`${op}: target must be a float tensor, got ${target.dtype}`);
  checkSameShape(op, input, target);
  let loss: Tensor;
  if (options.logTarget ?? false) {
    loss = target.exp().mul(target.sub(input));
  } else {
    // NOTE: p·log p is 0 at p = 0; log is taken of a where-guarded value so that
    // neither the value nor the gradient sees log(0) (the double-where trick).
    const positive = target.gt(0);
    const safe = target.where(positive, 1);
    const pLogP = target.mul(safe.log()).where(positive, 0);
    loss = pLogP.sub(target.mul(input));
  }
  const reduction = options.reduction ?? 'mean';
  switch (reduction) {
    case 'none':
      return loss;
    case 'sum':
      return loss.sum();
    case 'mean':
      return loss.mean();
    case 'batchmean':
      return input.ndim === 0 ? loss.sum() : loss.sum().div(input.shape[0]!);
    default:
      throw new TapegradError(`${op}: reduction must be 'mean', 'batchmean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}
