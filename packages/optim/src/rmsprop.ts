import type { StateSpec } from './state-spec.js';
import { zerosLike, type Tensor } from '@tapegrad/core';
import { checkBoolean, checkInRange, checkNonNegative } from './check.js';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';
import { scratchCopy } from './scratch.js';

/**
 * Options of {@link RMSprop}.
 *
 * @example
 * ```ts
 * const o: Partial<RMSpropOptions> = { lr: 0.01, alpha: 0.99, centered: true };
 * ```
 */
export interface RMSpropOptions {
  /** Learning rate γ (default 1e-2). */
  lr: number;
  /** Smoothing constant α of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty λ added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor μ (default 0). */
  momentum: number;
  /** Normalise by the estimated variance of the gradient rather than its second moment (default false). */
  centered: boolean;
  /** Maximise the objective instead of minimising it (default false). */
  maximize: boolean;
}

/**
 * RMSprop's per-parameter state: the step count and its averages (made at the first step).
 *
 * @example
 * ```ts
 * const s: RMSpropState = { step: 0 };
 * ```
 */
export type RMSpropState = { step: number; squareAvg?: Tensor; gradAvg?: Tensor; momentumBuffer?: Tensor };

/**
 * One RMSprop update of `param`, in place, in PyTorch's order of operations:
 *
 * ```text
 * g ← −g if maximize;  g ← g + λ·θ if λ ≠ 0
 * v ← α·v + (1 − α)·g²
 * ḡ ← α·ḡ + (1 − α)·g,  d ← √(v − ḡ²) + ε   if centered
 * d ← √v + ε                                otherwise
 * b ← μ·b + g/d,  θ ← θ − γ·b                if μ > 0
 * θ ← θ − γ·g/d                             otherwise
 * ```
 *
 * @example
 * ```ts
 * const state: RMSpropState = { step: 0 };
 * noGrad(() => rmspropStep(w, w.grad!, state, { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }));
 * ```
 */
export function rmspropStep(param: Tensor, grad: Tensor, state: RMSpropState, o: RMSpropOptions): void {
  state.step += 1;
  let g = o.maximize ? grad.neg() : grad;
  if (o.weightDecay !== 0) g = g.add(param.mul(o.weightDecay));
  const squareAvg = (state.squareAvg ??= zerosLike(param));
  squareAvg.mul_(o.alpha).addcmul_(g, g, 1 - o.alpha);
  let avg: Tensor;
  if (o.centered) {
    const gradAvg = (state.gradAvg ??= zerosLike(param));
    gradAvg.lerp_(g, 1 - o.alpha);
    avg = scratchCopy(param, squareAvg).addcmul_(gradAvg, gradAvg, -1).sqrt_();
  } else {
    avg = scratchCopy(param, squareAvg).sqrt_();
  }
  // avg is this step's own temporary: updated in place.
  avg.add_(o.eps);
  if (o.momentum > 0) {
    const buf = (state.momentumBuffer ??= zerosLike(param));
    buf.mul_(o.momentum).addcdiv_(g, avg);
    param.add_(buf, -o.lr);
  } else {
    param.addcdiv_(g, avg, -o.lr);
  }
}

/**
 * RMSprop (Hinton), with the centered variant (Graves), momentum, L2 weight
 * decay and maximisation. PyTorch's formula:
 *
 * ```text
 * g_t ← ∇f(θ_{t−1})  (−∇f if maximize)
 * if λ ≠ 0:  g_t ← g_t + λ·θ_{t−1}
 * v_t ← α·v_{t−1} + (1 − α)·g_t²
 * ṽ_t ← v_t
 * if centered:
 *   g_t^ave ← α·g_{t−1}^ave + (1 − α)·g_t
 *   ṽ_t ← ṽ_t − (g_t^ave)²
 * if μ > 0:
 *   b_t ← μ·b_{t−1} + g_t / (√ṽ_t + ε)
 *   θ_t ← θ_{t−1} − γ·b_t
 * else:
 *   θ_t ← θ_{t−1} − γ·g_t / (√ṽ_t + ε)
 * ```
 *
 * @example
 * ```ts
 * const opt = new RMSprop([w], { lr: 0.01, centered: true });
 * loss.backward(); opt.step(); opt.zeroGrad();
 * ```
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }, options);
  }

  protected validateOptions(o: Readonly<RMSpropOptions>): void {
    checkNonNegative('RMSprop', 'lr', o.lr);
    checkInRange('RMSprop', 'alpha', o.alpha, 0, 1, true);
    checkNonNegative('RMSprop', 'eps', o.eps);
    checkNonNegative('RMSprop', 'weightDecay', o.weightDecay);
    checkNonNegative('RMSprop', 'momentum', o.momentum);
    checkBoolean('RMSprop', 'centered', o.centered);
    checkBoolean('RMSprop', 'maximize', o.maximize);
  }

  protected override stateSpec(): StateSpec {
    return { step: { kind: 'count' }, squareAvg: { kind: 'tensor', nonNegative: true }, gradAvg: { kind: 'tensor' }, momentumBuffer: { kind: 'tensor' } };
  }

  protected initState(): RMSpropState {
    return { step: 0 };
  }

  protected updateParam(param: Tensor, grad: Tensor, state: RMSpropState, group: ParamGroup<RMSpropOptions>): void {
    rmspropStep(param, grad, state, group);
  }
}
