import { checkOptions, rejectOptionsObject } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { TapegradError, rand, type Generator, type Tensor } from '@tapegrad/core';

/**
 * Options of {@link dropout}.
 *
 * @example
 * ```ts
 * dropout(x, 0.1, { training: model.training, generator: new Generator(0) });
 * ```
 */
export interface DropoutOptions {
  /** Drop only when training (true by default, as PyTorch's functional form). */
  readonly training?: boolean;
  /** The source of the random mask (the default generator otherwise). */
  readonly generator?: Generator | undefined;
}

/**
 * Checks a drop probability.
 *
 * @example
 * ```ts
 * checkDropProbability('Dropout', 0.5);
 * ```
 */
export function checkDropProbability(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new TapegradError(`${op}: the drop probability must be in [0, 1], got ${p}`);
}

/**
 * Inverted dropout: zeroes each element with probability `p` and scales the
 * rest by `1/(1 − p)`, so that the expected value is unchanged and nothing
 * needs rescaling at evaluation. The identity when not training or `p = 0`.
 *
 * @example
 * ```ts
 * dropout(ones([4]), 0.5, { generator: new Generator(1) }); // e.g. [2, 0, 2, 2]
 * ```
 */
export function dropout(x: Tensor, p = 0.5, options: DropoutOptions = {}): Tensor {
  rejectOptionsObject('dropout', 'p', p, 'dropout(x, p, { training, generator })');
  checkOptions('dropout', options, nnOptionRules.dropout);
  checkDropProbability('dropout', p);
  if (!(options.training ?? true) || p === 0) return x;
  if (p === 1) return x.mul(0);
  const g = options.generator;
  const keep = rand(x.shape, g === undefined ? { dtype: 'float64' } : { dtype: 'float64', generator: g }).ge(p);
  return x.mul(keep.to(x.dtype).mul(1 / (1 - p)));
}
