import type { StateSpec } from './state-spec.js';
import type { Tensor } from '@tapegrad/core';
import { ADAM_STATE, adamStep, validateAdamOptions, type AdamOptions, type AdamState } from './adam.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link AdamW}: Adam's, with weight decay 1e-2 by default.
 *
 * @example
 * ```ts
 * const o: Partial<AdamWOptions> = { lr: 1e-3, weightDecay: 0.01 };
 * ```
 */
export type AdamWOptions = AdamOptions;

/**
 * AdamW's per-parameter state, the same as Adam's.
 *
 * @example
 * ```ts
 * const s: AdamWState = { step: 0 };
 * ```
 */
export type AdamWState = AdamState;

/**
 * One AdamW update of `param`, in place: the parameter decays first,
 * `θ ← θ·(1 − γλ)`, then Adam's update runs without weight decay in the gradient.
 *
 * @example
 * ```ts
 * const state: AdamWState = { step: 0 };
 * noGrad(() => adamwStep(w, w.grad!, state, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, amsgrad: false, maximize: false }));
 * ```
 */
export function adamwStep(param: Tensor, grad: Tensor, state: AdamWState, o: AdamWOptions): void {
  adamStep(param, grad, state, { ...o, decoupledWeightDecay: true });
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay. PyTorch's formula:
 *
 * ```text
 * g_t ← ∇f(θ_{t−1})  (−∇f if maximize)
 * θ_t ← θ_{t−1} − γλ·θ_{t−1}
 * m_t ← β1·m_{t−1} + (1 − β1)·g_t
 * v_t ← β2·v_{t−1} + (1 − β2)·g_t²
 * m̂_t ← m_t / (1 − β1ᵗ)
 * if amsgrad:
 *   v_t^max ← max(v_{t−1}^max, v_t);  v̂_t ← v_t^max / (1 − β2ᵗ)
 * else:
 *   v̂_t ← v_t / (1 − β2ᵗ)
 * θ_t ← θ_t − γ·m̂_t / (√v̂_t + ε)
 * ```
 *
 * @example
 * ```ts
 * const opt = new AdamW([w], { lr: 1e-3, weightDecay: 0.01 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class AdamW extends Optimizer<AdamWOptions, AdamWState> {
  constructor(params: ParamsInput<AdamWOptions>, options: Partial<AdamWOptions> = {}) {
    super('AdamW', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }, options);
  }

  protected validateOptions(o: Readonly<AdamWOptions>): void {
    validateAdamOptions('AdamW', o);
  }

  protected override stateSpec(): StateSpec {
    return ADAM_STATE;
  }

  protected initState(): AdamWState {
    return { step: 0 };
  }

  protected updateParam(param: Tensor, grad: Tensor, state: AdamWState, group: ParamGroup<AdamWOptions>): void {
    adamwStep(param, grad, state, group);
  }
}
