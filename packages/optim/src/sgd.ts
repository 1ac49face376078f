import type { StateSpec } from './state-spec.js';
import { Tensor } from '@tapegrad/core';
import { checkBoolean, checkNonNegative } from './check.js';
import { OptimError } from './optim-error.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/**
 * Options of {@link SGD}.
 *
 * @example
 * ```ts
 * const o: Partial<SGDOptions> = { lr: 0.1, momentum: 0.9, nesterov: true };
 * ```
 */
export interface SGDOptions {
  /** Learning rate γ (default 1e-3). */
  lr: number;
  /** Momentum factor μ (default 0). */
  momentum: number;
  /** Dampening τ for momentum (default 0). */
  dampening: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false); needs momentum > 0 and dampening = 0. */
  nesterov: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/**
 * SGD's per-parameter state: the momentum buffer, made at the first step when momentum > 0.
 *
 * @example
 * ```ts
 * const s: SGDState = {};
 * ```
 */
export type SGDState = { momentumBuffer?: Tensor };

/**
 * One SGD update of `param`, in place, exactly as PyTorch:
 *
 * ```text
 * g ← −g if maximize
 * g ← g + λ·θ                       if λ ≠ 0
 * if μ ≠ 0:
 *   b ← g (first step), else b ← μ·b + (1 − τ)·g
 *   g ← g + μ·b if nesterov, else g ← b
 * θ ← θ − γ·g
 * ```
 *
 * @example
 * ```ts
 * const state: SGDState = {};
 * noGrad(() => sgdStep(w, w.grad!, state, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }));
 * ```
 */
export function sgdStep(param: Tensor, grad: Tensor, state: SGDState, o: SGDOptions): void {
  let g = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) g = g.add(param.mul(o.weightDecay));
  if (o.momentum !== 0) {
    const buf = state.momentumBuffer;
    if (buf === undefined) {
      state.momentumBuffer = g.clone();
      g = o.nesterov ? g.add(state.momentumBuffer.mul(o.momentum)) : state.momentumBuffer;
    } else {
      buf.mul_(o.momentum).add_(g, 1 - o.dampening);
      g = o.nesterov ? g.add(buf.mul(o.momentum)) : buf;
    }
  }
  param.add_(g, -o.lr);
}

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum,
 * L2 weight decay and maximisation, in PyTorch's form:
 *
 * ```text
 * g_t ← ∇f(θ_{t−1})  (−∇f if maximize)
 * if λ ≠ 0:  g_t ← g_t + λ·θ_{t−1}
 * if μ ≠ 0:
 *   b_t ← g_t                         if t = 1
 *   b_t ← μ·b_{t−1} + (1 − τ)·g_t     otherwise
 *   g_t ← g_t + μ·b_t                 if nesterov
 *   g_t ← b_t                         otherwise
 * θ_t ← θ_{t−1} − γ·g_t
 * ```
 *
 * @example
 * ```ts
 * const opt = new SGD([w, b], { lr: 0.1, momentum: 0.9 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }, options);
  }

  protected validateOptions(o: Readonly<SGDOptions>): void {
    checkNonNegative('SGD', 'lr', o.lr);
    checkNonNegative('SGD', 'momentum', o.momentum);
    if (typeof o.dampening !== 'number' || !Number.isFinite(o.dampening)) {
      throw new OptimError(`SGD: invalid dampening = ${String(o.dampening)}; expected a finite number`);
    }
    checkNonNegative('SGD', 'weightDecay', o.weightDecay);
    checkBoolean('SGD', 'nesterov', o.nesterov);
    checkBoolean('SGD', 'maximize', o.maximize);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new OptimError(`SGD: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum = ${o.momentum} and dampening = ${o.dampening}`);
    }
  }

  protected override stateSpec(): StateSpec {
    return { momentumBuffer: { kind: 'tensor' } };
  }

  protected initState(): SGDState {
    return {};
  }

  protected updateParam(param: Tensor, grad: Tensor, state: SGDState, group: ParamGroup<SGDOptions>): void {
    sgdStep(param, grad, state, group);
  }
}
