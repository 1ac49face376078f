import type { StateSpec } from './state-spec.js';
import { zerosLike, type Tensor } from '@tapegrad/core';
import { checkBetas, checkBoolean, checkNonNegative } from './check.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';
import { scratchCopy } from './scratch.js';

/**
 * Options of {@link Adam}.
 *
 * @example
 * ```ts
 * const o: Partial<AdamOptions> = { lr: 1e-3, betas: [0.9, 0.999], amsgrad: true };
 * ```
 */
export interface AdamOptions {
  /** Learning rate γ (default 1e-3). */
  lr: number;
  /** Decay rates (β1, β2) of the first and second moment averages (default [0.9, 0.999]). */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** Use the running maximum of the second moment (AMSGrad, default false). */
  amsgrad: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/**
 * Adam's per-parameter state: the step count and the moment buffers (made at the first step).
 *
 * @example
 * ```ts
 * const s: AdamState = { step: 0 };
 * ```
 */
export type AdamState = { step: number; expAvg?: Tensor; expAvgSq?: Tensor; maxExpAvgSq?: Tensor };

/** What a saved Adam or AdamW state may hold: the second moments are square-rooted, so ≥ 0. */
export const ADAM_STATE: StateSpec = { step: { kind: 'count' }, expAvg: { kind: 'tensor' }, expAvgSq: { kind: 'tensor', nonNegative: true }, maxExpAvgSq: { kind: 'tensor', nonNegative: true } };

/**
 * What {@link adamStep} reads: Adam's options and whether weight decay is
 * decoupled (AdamW) or added to the gradient (Adam).
 *
 * @example
 * ```ts
 * const o: AdamStepOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, decoupledWeightDecay: false };
 * ```
 */
export interface AdamStepOptions extends AdamOptions {
  readonly decoupledWeightDecay: boolean;
}

/**
 * One Adam (or AdamW) update of `param`, in place, in PyTorch's order of operations:
 *
 * ```text
 * t ← t + 1;  g ← −g if maximize
 * θ ← θ·(1 − γλ)          if decoupled (AdamW)
 * g ← g + λ·θ             otherwise, if λ ≠ 0
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * v_max ← max(v_max, v)   if amsgrad (and v_max replaces v below)
 * θ ← θ − γ/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
 * ```
 *
 * @example
 * ```ts
 * const state: AdamState = { step: 0 };
 * noGrad(() => adamStep(w, w.grad!, state, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, decoupledWeightDecay: false }));
 * ```
 */
export function adamStep(param: Tensor, grad: Tensor, state: AdamState, o: AdamStepOptions): void {
  const [beta1, beta2] = o.betas;
  state.step += 1;
  const step = state.step;
  let g = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) {
    if (o.decoupledWeightDecay) param.mul_(1 - o.lr * o.weightDecay);
    else g = g.add(param.mul(o.weightDecay));
  }
  const expAvg = (state.expAvg ??= zerosLike(param));
  const expAvgSq = (state.expAvgSq ??= zerosLike(param));
  expAvg.lerp_(g, 1 - beta1);
  expAvgSq.mul_(beta2).addcmul_(g, g, 1 - beta2);
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  const stepSize = o.lr / biasCorrection1;
  const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
  let second = expAvgSq;
  if (o.amsgrad) {
    const maxExpAvgSq = (state.maxExpAvgSq ??= zerosLike(param));
    maxExpAvgSq.maximum_(expAvgSq);
    second = maxExpAvgSq;
  }
  const denom = scratchCopy(param, second).sqrt_().div_(biasCorrection2Sqrt).add_(o.eps);
  param.addcdiv_(expAvg, denom, -stepSize);
}

/**
 * Checks Adam's and AdamW's options; `who` names the optimizer in errors.
 *
 * @example
 * ```ts
 * validateAdamOptions('AdamW', group);
 * ```
 */
export function validateAdamOptions(who: string, o: Readonly<AdamOptions>): void {
  checkNonNegative(who, 'lr', o.lr);
  checkBetas(who, o.betas);
  checkNonNegative(who, 'eps', o.eps);
  checkNonNegative(who, 'weightDecay', o.weightDecay);
  checkBoolean(who, 'amsgrad', o.amsgrad);
  checkBoolean(who, 'maximize', o.maximize);
}

/**
 * Adam (Kingma & Ba) with optional AMSGrad, L2 weight decay added to the
 * gradient (coupled; see {@link AdamW} for the decoupled form) and maximisation.
 * PyTorch's formula:
 *
 * ```text
 * g_t ← ∇f(θ_{t−1})  (−∇f if maximize)
 * if λ ≠ 0:  g_t ← g_t + λ·θ_{t−1}
 * m_t ← β1·m_{t−1} + (1 − β1)·g_t
 * v_t ← β2·v_{t−1} + (1 − β2)·g_t²
 * m̂_t ← m_t / (1 − β1ᵗ)
 * if amsgrad:
 *   v_t^max ← max(v_{t−1}^max, v_t)
 *   v̂_t ← v_t^max / (1 − β2ᵗ)
 * else:
 *   v̂_t ← v_t / (1 − β2ᵗ)
 * θ_t ← θ_{t−1} − γ·m̂_t / (√v̂_t + ε)
 * ```
 *
 * @example
 * ```ts
 * const opt = new Adam([w], { lr: 1e-3, amsgrad: true });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class Adam extends Optimizer<AdamOptions, AdamState> {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }, options);
  }

  protected validateOptions(o: Readonly<AdamOptions>): void {
    validateAdamOptions('Adam', o);
  }

  protected override stateSpec(): StateSpec {
    return ADAM_STATE;
  }

  protected initState(): AdamState {
    return { step: 0 };
  }

  protected updateParam(param: Tensor, grad: Tensor, state: AdamState, group: ParamGroup<AdamOptions>): void {
    adamStep(param, grad, state, { ...group, decoupledWeightDecay: false });
  }
}
