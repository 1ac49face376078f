import type { StateSpec } from './state-spec.js';
import { fullLike, type Tensor } from '@tapegrad/core';
import { checkBoolean, checkNonNegative } from './check.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';
import { scratchCopy } from './scratch.js';

/**
 * Options of {@link Adagrad}.
 *
 * @example
 * ```ts
 * const o: Partial<AdagradOptions> = { lr: 0.01, lrDecay: 1e-4 };
 * ```
 */
export interface AdagradOptions {
  /** Learning rate γ (default 1e-2). */
  lr: number;
  /** Learning-rate decay η: the step size at step t is γ / (1 + (t − 1)·η) (default 0). */
  lrDecay: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** The value the sum of squared gradients starts from (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/**
 * Adagrad's per-parameter state: the step count and the sum of squared gradients.
 *
 * @example
 * ```ts
 * const s: AdagradState = { step: 0 };
 * ```
 */
export type AdagradState = { step: number; sum?: Tensor };

/**
 * One Adagrad update of `param`, in place:
 *
 * ```text
 * t ← t + 1;  g ← −g if maximize;  g ← g + λ·θ if λ ≠ 0
 * γ̃ ← γ / (1 + (t − 1)·η)
 * s ← s + g²
 * θ ← θ − γ̃ · g / (√s + ε)
 * ```
 *
 * @example
 * ```ts
 * const state: AdagradState = { step: 0 };
 * noGrad(() => adagradStep(w, w.grad!, state, { lr: 0.01, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }));
 * ```
 */
export function adagradStep(param: Tensor, grad: Tensor, state: AdagradState, o: AdagradOptions): void {
  state.step += 1;
  let g = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) g = g.add(param.mul(o.weightDecay));
  const clr = o.lr / (1 + (state.step - 1) * o.lrDecay);
  const sum = (state.sum ??= fullLike(param, o.initialAccumulatorValue));
  sum.addcmul_(g, g, 1);
  const std = scratchCopy(param, sum).sqrt_().add_(o.eps);
  param.addcdiv_(g, std, -clr);
}

/**
 * Adagrad (Duchi et al.), with learning-rate decay, L2 weight decay, an initial
 * accumulator value and maximisation. PyTorch's formula:
 *
 * ```text
 * state_sum_0 ← τ (initialAccumulatorValue)
 * g_t ← ∇f(θ_{t−1})  (−∇f if maximize)
 * γ̃ ← γ / (1 + (t − 1)·η)
 * if λ ≠ 0:  g_t ← g_t + λ·θ_{t−1}
 * state_sum_t ← state_sum_{t−1} + g_t²
 * θ_t ← θ_{t−1} − γ̃ · g_t / (√state_sum_t + ε)
 * ```
 *
 * @example
 * ```ts
 * const opt = new Adagrad([w], { lr: 0.1 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: ParamsInput<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super('Adagrad', params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }, options);
  }

  protected validateOptions(o: Readonly<AdagradOptions>): void {
    checkNonNegative('Adagrad', 'lr', o.lr);
    checkNonNegative('Adagrad', 'lrDecay', o.lrDecay);
    checkNonNegative('Adagrad', 'weightDecay', o.weightDecay);
    checkNonNegative('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue);
    checkNonNegative('Adagrad', 'eps', o.eps);
    checkBoolean('Adagrad', 'maximize', o.maximize);
  }

  protected override stateSpec(): StateSpec {
    return { step: { kind: 'count' }, sum: { kind: 'tensor', nonNegative: true } };
  }

  protected initState(): AdagradState {
    return { step: 0 };
  }

  protected updateParam(param: Tensor, grad: Tensor, state: AdagradState, group: ParamGroup<AdagradOptions>): void {
    adagradStep(param, grad, state, group);
  }
}
