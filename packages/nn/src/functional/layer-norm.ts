import { rejectOptionsObject } from '@tapegrad/core';
import { ShapeError, customOp, where, type Tensor } from '@tapegrad/core';

/** The smallest normal float32, 2⁻¹²⁶. */
const TINY = 2 ** -126;

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Layer normalisation over the trailing dims `normalizedShape`: each slice is
 * shifted to mean 0 and scaled to variance 1 (the biased variance, plus
 * `eps`), then multiplied by `weight` and shifted by `bias` when given
 * (both of shape `normalizedShape`).
 *
 * On the CPU a float32 input is normalised with float64 statistics: any
 * finite input (up to float32's largest, 3.4e38) gives the correctly scaled
 * result and a finite gradient, where float32 statistics would overflow (Σx²
 * past 3.4e38 for |x| ≳ 1e19) and silently give 0. A GPU holds no float64:
 * there each slice whose largest |x| exceeds 1 is divided by it first
 * (`(x − μ)/√(σ² + ε)` equals `(x/s − μ/s)/√(σ²/s² + ε/s²)`), which keeps
 * every finite input in range in float32.
 *
 * @example
 * ```ts
 * layerNorm(tensor([[1, 2, 3]]), [3]); // ≈ [[-1.2247, 0, 1.2247]]
 * ```
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const usage = 'layerNorm(x, normalizedShape, weight ?? null, bias ?? null, eps)';
  rejectOptionsObject('layerNorm', 'normalizedShape', normalizedShape, usage);
  rejectOptionsObject('layerNorm', 'weight', weight, usage);
  rejectOptionsObject('layerNorm', 'bias', bias, usage);
  rejectOptionsObject('layerNorm', 'eps', eps, usage);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
  const k = shape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || x.ndim < k || tail.some((s, i) => s !== shape[i])) {
    throw new ShapeError(`layerNorm: input of shape ${fmt(x.shape)} does not end in normalizedShape ${fmt(shape)}`);
  }
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t !== null && t !== undefined && (t.ndim !== k || t.shape.some((s, i) => s !== shape[i]))) {
      throw new ShapeError(`layerNorm: ${name} of shape ${fmt(t.shape)} must have normalizedShape ${fmt(shape)}`);
    }
  }
  const dims = shape.map((_, i) => x.ndim - k + i);
  let y = x.dtype === 'float32' && x.device !== 'cpu' ? normalizedScaled(x, dims, eps) : normalizedWide(x, dims, eps);
  if (weight !== null && weight !== undefined) y = y.mul(weight);
  if (bias !== null && bias !== undefined) y = y.add(bias);
  return y;
}

/** `(x − μ)/√(σ² + ε)` over `dims`, float32 computed in float64. */
function normalizedWide(x: Tensor, dims: readonly number[], eps: number): Tensor {
  const wide = x.dtype === 'float32' ? x.double() : x;
  const mean = wide.mean(dims, true);
  const variance = wide.var(dims, { correction: 0, keepdim: true });
  return wide.sub(mean).mul(variance.add(eps).rsqrt()).to(x.dtype);
}

/**
 * The statistics of {@link normalizedScaled} in x's own dtype: each slice
 * divided by `s`, its largest |x| where that exceeds 1 (1 otherwise), so
 * that Σ(x/s)² cannot overflow. `xHat = (x − μ)/√(σ² + ε)`, computed as
 * `(x/s − μ/s)/√(σ²/s² + ε/s²)`, and `rstd = 1/√(σ² + ε)`, as `√(…)/s`
 * except for a constant slice, where it is `1/√ε`: there `ε/s²` can fall
 * below float32's range and `√(…)/s` would lose it.
 */
function scaledStatistics(x: Tensor, dims: readonly number[], eps: number): { xHat: Tensor; rstd: Tensor } {
  // The scale is a constant for autograd: the result does not depend on it.
  const largest = x.detach().abs().amax(dims, true);
  // NOTE: an infinite or NaN slice stays unscaled (its result is NaN either way).
  const s = where(largest.gt(1).and(largest.lt(Infinity)), largest, 1);
  const scaled = x.div(s);
  const centered = scaled.sub(scaled.mean(dims, true));
  const variance = centered.square().mean(dims, true);
  // NOTE: ε/s² is kept at least the smallest normal float32: flushed to 0 (a
  // GPU may flush subnormals), a constant slice would give 0·∞ = NaN, not 0.
  const epsScaled = eps === 0 ? 0 : s.square().reciprocal().mul(eps).clamp(TINY);
  const r = variance.add(epsScaled).rsqrt();
  const rstd = eps === 0 ? r.div(s) : where(variance.eq(0), 1 / Math.sqrt(eps), r.div(s));
  return { xHat: centered.mul(r), rstd };
}

/**
 * `(x − μ)/√(σ² + ε)` over `dims` in x's own dtype (see
 * {@link scaledStatistics}), with layer norm's gradient written out,
 * `rstd·(g − mean(g) − x̂·mean(g·x̂))`: differentiating through the scaled
 * form would lose `ε` where a constant slice is large.
 */
function normalizedScaled(x: Tensor, dims: readonly number[], eps: number): Tensor {
  const op = customOp<[Tensor]>({
    name: 'layerNorm',
    forward: (ctx, input) => {
      ctx.save(input);
      return scaledStatistics(input, dims, eps).xHat;
    },
    backward: (ctx, g) => {
      const { xHat, rstd } = scaledStatistics(ctx.saved[0]!, dims, eps);
      return [rstd.mul(g.sub(g.mean(dims, true)).sub(xHat.mul(g.mul(xHat).mean(dims, true))))];
    },
  });
  return op(x);
}
