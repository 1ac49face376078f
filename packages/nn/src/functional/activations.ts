import { DTypeError, TapegradError, where, type Tensor, rejectOptionsObject } from '@tapegrad/core';

function checkFloat(op: string, x: Tensor): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: input must be a float tensor, got ${x.dtype}`);
}

/**
 * `log(1 + eᶻ)` for any finite `z`, overflow-free in value and gradient
 * (the building block of softplus and of the losses on logits).
 *
 * @example
 * ```ts
 * log1pExp(tensor([1000])).item(); // 1000
 * ```
 */
export function log1pExp(z: Tensor): Tensor {
  // NOTE: log(1 + eᶻ) = max(z, 0) + log(1 + e^(min(z,0) − max(z,0))): the exponent
  // is never positive, so nothing overflows, and at z = 0 the shared gradient of
  // max/min still gives the right slope 1/2 (|z| would give 0 there).
  const hi = z.maximum(0);
  return hi.add(z.minimum(0).sub(hi).exp().log1p());
}

/**
 * `max(x, 0)`.
 *
 * @example
 * ```ts
 * relu(tensor([-1, 2])); // [0, 2]
 * ```
 */
export function relu(x: Tensor): Tensor {
  return x.relu();
}

/**
 * `x` for `x > 0`, else `negativeSlope·x`.
 *
 * @example
 * ```ts
 * leakyRelu(tensor([-1, 2]), 0.1); // [-0.1, 2]
 * ```
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  rejectOptionsObject('leakyRelu', 'negativeSlope', negativeSlope, 'leakyRelu(x, negativeSlope)');
  checkFloat('leakyRelu', x);
  return x.where(x.gt(0), x.mul(negativeSlope));
}

/**
 * `x` for `x > 0`, else `alpha·(eˣ − 1)`.
 *
 * @example
 * ```ts
 * elu(tensor([-1, 2])); // [-0.6321, 2]
 * ```
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  rejectOptionsObject('elu', 'alpha', alpha, 'elu(x, alpha)');
  checkFloat('elu', x);
  // NOTE: the branch `where` discards is fed 0 rather than x ("double where"),
  // so that it cannot overflow to inf and turn its zero gradient into
  // 0·inf = NaN; at x = 0 the slope is alpha·e⁰ = alpha, as PyTorch's.
  const positive = x.gt(0);
  return x.where(positive, where(positive, 0, x).expm1().mul(alpha));
}

/**
 * Gaussian error linear unit `x·Φ(x)`: exact with erf (`'none'`, the default),
 * or PyTorch's tanh approximation `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
 *
 * @example
 * ```ts
 * gelu(tensor([1])).item(); // 0.8413447460685429
 * ```
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  rejectOptionsObject('gelu', 'approximate', approximate, "gelu(x, 'tanh')");
  checkFloat('gelu', x);
  if (approximate === 'tanh') {
    const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return x.mul(0.5).mul(inner.tanh().add(1));
  }
  if (approximate !== 'none') throw new TapegradError(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'`);
  return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));
}

/**
 * Sigmoid-weighted linear unit (swish) `x·σ(x)`.
 *
 * @example
 * ```ts
 * silu(tensor([1])).item(); // 0.7310585786300049
 * ```
 */
export function silu(x: Tensor): Tensor {
  checkFloat('silu', x);
  return x.mul(x.sigmoid());
}

/**
 * `log(1 + e^(βx))/β`, and `x` itself where `βx > threshold`, as PyTorch.
 *
 * @example
 * ```ts
 * softplus(tensor([0])).item(); // 0.6931471805599453
 * ```
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  rejectOptionsObject('softplus', 'beta', beta, 'softplus(x, beta, threshold)');
  checkFloat('softplus', x);
  if (!(beta > 0)) throw new TapegradError(`softplus: beta must be positive, got ${beta}`);
  const z = x.mul(beta);
  return x.where(z.gt(threshold), log1pExp(z).div(beta));
}

/**
 * `x·tanh(softplus(x))`.
 *
 * @example
 * ```ts
 * mish(tensor([1])).item(); // 0.8650983882673103
 * ```
 */
export function mish(x: Tensor): Tensor {
  checkFloat('mish', x);
  return x.mul(softplus(x).tanh());
}

/**
 * Logistic sigmoid `1/(1 + e^−x)`.
 *
 * @example
 * ```ts
 * sigmoid(tensor([0])).item(); // 0.5
 * ```
 */
export function sigmoid(x: Tensor): Tensor {
  return x.sigmoid();
}

/**
 * Hyperbolic tangent.
 *
 * @example
 * ```ts
 * tanh(tensor([0])).item(); // 0
 * ```
 */
export function tanh(x: Tensor): Tensor {
  return x.tanh();
}

/**
 * Clamps to `[minVal, maxVal]`; the gradient is 1 strictly inside and 0 from
 * the bounds outward (PyTorch's choice; `clamp` passes it at the bounds).
 *
 * @example
 * ```ts
 * hardtanh(tensor([-3, 0.5, 3])); // [-1, 0.5, 1]
 * ```
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  rejectOptionsObject('hardtanh', 'minVal', minVal, 'hardtanh(x, minVal, maxVal)');
  checkFloat('hardtanh', x);
  if (!(maxVal >= minVal)) throw new TapegradError(`hardtanh: maxVal (${maxVal}) must not be below minVal (${minVal})`);
  const inside = x.gt(minVal).and(x.lt(maxVal));
  // The clamped value, detached, outside (NaN stays NaN, with gradient 0).
  return x.where(inside, x.clamp(minVal, maxVal).detach());
}
