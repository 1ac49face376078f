import { rejectOptionsObject } from '@tapegrad/core';
import { DTypeError, normalizeDim, type Tensor } from '@tapegrad/core';

/** Checks dtype and dim under the name the user called; an empty input has an empty result. */
function check(op: string, x: Tensor, dim: number): boolean {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: input must be a float tensor, got ${x.dtype}`);
  normalizeDim(op, dim, x.ndim);
  return x.numel > 0;
}

/**
 * `exp(x) / Σ exp(x)` along `dim`: each slice along `dim` becomes a
 * probability distribution. Stable for any finite logits.
 *
 * @example
 * ```ts
 * softmax(tensor([[1, 2, 3]]), 1); // rows sum to 1
 * ```
 */
export function softmax(x: Tensor, dim: number): Tensor {
  rejectOptionsObject('softmax', 'dim', dim, 'softmax(x, dim)');
  if (!check('softmax', x, dim)) return x.clone();
  // NOTE: subtract the (detached) max along dim so that exp never overflows;
  // softmax is shift-invariant, so the value and the gradient are unchanged.
  const m = x.detach().amax(dim, true);
  const z = x.sub(m.where(m.abs().ne(Infinity), 0));
  const e = z.exp();
  return e.div(e.sum(dim, true));
}

/**
 * `x − log Σ exp(x)` along `dim`: the log of {@link softmax}, computed without
 * taking the log of a rounded-to-zero probability.
 *
 * @example
 * ```ts
 * logSoftmax(tensor([1000, 0]), 0); // [0, -1000], finite
 * ```
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  rejectOptionsObject('logSoftmax', 'dim', dim, 'logSoftmax(x, dim)');
  if (!check('logSoftmax', x, dim)) return x.clone();
  // NOTE: log(softmax(x)) would be log(0) = −inf for logits far below the max.
  // Shift by the detached max first, z = x − max, and return z − log Σ exp(z):
  // exp never overflows, and z is exact where x − logsumexp(x) would round
  // (−1000 − (−998.9) loses digits in float32). An infinite max is replaced by
  // 0 so that inf − inf does not make NaN.
  const m = x.detach().amax(dim, true);
  const z = x.sub(m.where(m.abs().ne(Infinity), 0));
  return z.sub(z.exp().sum(dim, true).log());
}
