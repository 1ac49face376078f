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
 * The mask is drawn on the CPU and moved to `x`'s device, so that a
 * generator gives the same mask on every device.
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
  // The mask is drawn on the CPU in float64 (a uniform draw rounded to
  // float32 could reach 1, and a GPU holds no float64), then moved to x's
  // device: one generator gives the same mask on every device.
  const draws = rand(x.shape, g === undefined ? { dtype: 'float64', device: 'cpu' } : { dtype: 'float64', device: 'cpu', generator: g });
  const keep = draws.ge(p).to(x.device);
  return x.mul(keep.to(x.dtype).mul(1 / (1 - p)));
}
