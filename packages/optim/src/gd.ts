import type { StateSpec } from './state-spec.js';
import type { Tensor } from '@tapegrad/core';
import { checkNonNegative } from './check.js';
import { Optimizer, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.js';

/**
 * Options of {@link GD}.
 *
 * @example
 * ```ts
 * const o: GDOptions = { lr: 0.1 };
 * ```
 */
export interface GDOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
}

/**
 * Plain gradient descent has no state.
 *
 * @example
 * ```ts
 * const s: GDState = {};
 * ```
 */
export type GDState = ParamState;

/**
 * One gradient-descent update of `param`, in place:
 *
 * θ_t = θ_{t−1} − γ·g_t
 *
 * @example
 * ```ts
 * noGrad(() => gdStep(w, w.grad!, { lr: 0.1 }));
 * ```
 */
export function gdStep(param: Tensor, grad: Tensor, options: GDOptions): void {
  param.add_(grad, -options.lr);
}

/**
 * Gradient descent, `w ← w − lr·g`: SGD without momentum or weight decay.
 *
 * θ_t = θ_{t−1} − γ·g_t, with γ the learning rate `lr`.
 *
 * @example
 * ```ts
 * const opt = new GD([w], { lr: 0.1 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class GD extends Optimizer<GDOptions, GDState> {
  constructor(params: ParamsInput<GDOptions>, options: Partial<GDOptions> = {}) {
    super('GD', params, { lr: 1e-3 }, options);
  }

  protected validateOptions(o: Readonly<GDOptions>): void {
    checkNonNegative('GD', 'lr', o.lr);
  }

  protected override stateSpec(): StateSpec {
    return {};
  }

  protected initState(): GDState {
    return {};
  }

  protected updateParam(param: Tensor, grad: Tensor, _state: GDState, group: ParamGroup<GDOptions>): void {
    gdStep(param, grad, group);
  }
}
