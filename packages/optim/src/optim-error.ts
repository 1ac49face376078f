import { TapegradError } from '@tapegrad/core';

/**
 * Thrown by `@tapegrad/optim` for an invalid hyperparameter, an invalid list of
 * parameters, or a state dict that does not fit the optimizer or scheduler it
 * is loaded into. Gradients of the wrong shape or dtype throw core's
 * `ShapeError` and `DTypeError` instead.
 *
 * @example
 * ```ts
 * try { new SGD([w], { lr: -1 }); } catch (e) { if (e instanceof OptimError) console.log(e.message); }
 * // "SGD: invalid lr = -1; expected a finite number >= 0"
 * ```
 */
export class OptimError extends TapegradError {
  override name = 'OptimError';
}
