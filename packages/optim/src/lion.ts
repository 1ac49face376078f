import type { StateSpec } from './state-spec.js';
import { zerosLike, type Tensor } from '@tapegrad/core';
import { checkBetas, checkBoolean, checkNonNegative } from './check.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link Lion}.
 *
 * @example
 * ```ts
 * const o: Partial<LionOptions> = { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0.1 };
 * ```
 */
export interface LionOptions {
  /** Learning rate γ (default 1e-4; typically 3–10× smaller than AdamW's). */
  lr: number;
  /** (β1, β2): interpolation for the update direction and decay of the momentum (default [0.9, 0.99]). */
  betas: readonly [number, number];
  /** Decoupled weight decay λ (default 0). */
  weightDecay: number;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/**
 * Lion's per-parameter state: the momentum (made at the first step).
 *
 * @example
 * ```ts
 * const s: LionState = {};
 * ```
 */
export type LionState = { expAvg?: Tensor };

/**
 * One Lion update of `param`, in place:
 *
 * ```text
 * c ← β1·m + (1 − β1)·g
 * θ ← θ − γ·(sign(c) + λ·θ)
 * m ← β2·m + (1 − β2)·g
 * ```
 *
 * @example
 * ```ts
 * const state: LionState = {};
 * noGrad(() => lionStep(w, w.grad!, state, { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, maximize: false }));
 * ```
 */
export function lionStep(param: Tensor, grad: Tensor, state: LionState, o: LionOptions): void {
  const [beta1, beta2] = o.betas;
  const g = o.maximize ? grad.neg() : grad;
  const expAvg = (state.expAvg ??= zerosLike(param));
  const c = expAvg.mul(beta1).add(g.mul(1 - beta1));
  if (o.weightDecay !== 0) param.mul_(1 - o.lr * o.weightDecay);
  param.add_(c.sign(), -o.lr);
  expAvg.mul_(beta2).add_(g, 1 - beta2);
}

/**
 * Lion, EvoLved Sign Momentum (Chen et al., 2023): the update is the sign of an
 * interpolation between the momentum and the gradient, with decoupled weight decay.
 *
 * ```text
 * g_t ← ∇f(θ_{t−1})  (−∇f if maximize)
 * c_t ← β1·m_{t−1} + (1 − β1)·g_t
 * θ_t ← θ_{t−1} − γ·(sign(c_t) + λ·θ_{t−1})
 * m_t ← β2·m_{t−1} + (1 − β2)·g_t
 * ```
 *
 * @example
 * ```ts
 * const opt = new Lion([w], { lr: 1e-4, weightDecay: 1 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class Lion extends Optimizer<LionOptions, LionState> {
  constructor(params: ParamsInput<LionOptions>, options: Partial<LionOptions> = {}) {
    super('Lion', params, { lr: 1e-4, betas: [0.9, 0.99], weightDecay: 0, maximize: false }, options);
  }

  protected validateOptions(o: Readonly<LionOptions>): void {
    checkNonNegative('Lion', 'lr', o.lr);
    checkBetas('Lion', o.betas);
    checkNonNegative('Lion', 'weightDecay', o.weightDecay);
    checkBoolean('Lion', 'maximize', o.maximize);
  }

  protected override stateSpec(): StateSpec {
    return { expAvg: { kind: 'tensor' } };
  }

  protected initState(): LionState {
    return {};
  }

  protected updateParam(param: Tensor, grad: Tensor, state: LionState, group: ParamGroup<LionOptions>): void {
    lionStep(param, grad, state, group);
  }
}
