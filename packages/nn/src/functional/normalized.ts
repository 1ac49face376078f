import { canReadSync, customOp, isGradEnabled, where, type Tensor } from '@tapegrad/core';

// The normalisation layerNorm and groupNorm share: each slice over `dims`
// shifted to mean 0 and scaled to variance 1, statistics in the input's own
// dtype, each slice divided by its largest |x| first where they would leave
// float32's range (layerNorm's doc says why).

/** The smallest normal float32, 2⁻¹²⁶. */
const TINY = 2 ** -126;
/**
 * The least `σ² + ε` taken without scaling: far above float32's smallest
 * normal, so that squares lost below it (at most 2⁻¹⁴⁹ each) do not count.
 */
const SMALLEST_UNSCALED = 2 ** -100;

/**
 * What the normalisation of x over `dims` needs, from `x/s` (x itself when
 * `s` is null): its mean, `r = 1/√(σ²/s² + ε/s²)` and `rstd = r/s`, which is
 * `1/√(σ² + ε)`; `variance` is `σ²/s²`.
 */
interface Statistics {
  readonly mean: Tensor;
  readonly r: Tensor;
  readonly rstd: Tensor;
  readonly variance: Tensor;
}

/**
 * The statistics of `x/s` over `dims` in two passes. With a scale, `ε/s²` is
 * taken as `(√ε/s)²` so that neither `s²` nor its reciprocal leaves the
 * range, and kept at least the smallest normal float32 (a GPU may flush
 * subnormals to 0, and a constant slice would then give 0·∞ = NaN); a
 * constant slice's `rstd` is `1/√ε` outright, where `r/s` would have lost ε
 * next to a large s.
 */
function statistics(x: Tensor, dims: readonly number[], eps: number, s: Tensor | null): Statistics {
  const xs = s === null ? x : x.div(s);
  const mean = xs.mean(dims, true);
  const variance = xs.sub(mean).square().mean(dims, true);
  if (s === null) {
    const r = variance.add(eps).rsqrt();
    return { mean, variance, r, rstd: r };
  }
  const epsScaled = eps === 0 ? 0 : s.reciprocal().mul(Math.sqrt(eps)).square().clamp(TINY);
  const r = variance.add(epsScaled).rsqrt();
  const rstd = eps === 0 ? r.div(s) : where(variance.eq(0), 1 / Math.sqrt(eps), r.div(s));
  return { mean, variance, r, rstd };
}

/**
 * Each slice's scale: its largest |x|, but at least `√ε·2⁻⁵⁰` so that `ε/s²`
 * stays below 2¹⁰⁰ (a slice that small is all ε: its result is `(x − μ)/√ε`
 * whatever s is). An infinite or NaN slice stays unscaled: its result is NaN
 * either way.
 */
function sliceScale(x: Tensor, dims: readonly number[], eps: number): Tensor {
  const largest = x.abs().amax(dims, true);
  return where(largest.lt(Infinity), largest.clamp(Math.sqrt(eps) * 2 ** -50), 1);
}

/** Whether every `σ² + ε` of unscaled statistics is finite and far from float32's smallest normal. */
function inRange(variance: Tensor, eps: number): boolean {
  const v = variance.data;
  for (let i = 0; i < v.length; i++) if (!(v[i]! + eps >= SMALLEST_UNSCALED && v[i]! < Infinity)) return false;
  return true;
}

/**
 * `x̂ = (x − μ)/√(σ² + ε)` over `dims` in x's own dtype, recorded as one op
 * named `op`, with the gradient written out, `rstd·(g − mean(g) − x̂·mean(g·x̂))`:
 * differentiating through the scaled form would lose `ε` where a constant
 * slice is large. Backward reuses the statistics forward saved (after x, and
 * the scale last when there is one); where backward is itself recorded
 * (gradients of gradients) it computes them again from x, so that the graph
 * sees how they depend on it.
 *
 * @example
 * ```ts
 * normalized('layerNorm', x, [x.ndim - 1], 1e-5); // each row: mean 0, variance 1
 * ```
 */
export function normalized(op: string, x: Tensor, dims: readonly number[], eps: number): Tensor {
  const xHatOf = (input: Tensor, st: Pick<Statistics, 'mean' | 'r'>, s: Tensor | null): Tensor => (s === null ? input : input.div(s)).sub(st.mean).mul(st.r);
  const normalize = customOp<[Tensor]>({
    name: op,
    forward: (ctx, input) => {
      let s: Tensor | null = null;
      let st = canReadSync(input) ? statistics(input, dims, eps, null) : null;
      if (st === null || !inRange(st.variance, eps)) {
        // The scale is a constant for autograd: the result does not depend on it.
        s = sliceScale(input, dims, eps);
        st = statistics(input, dims, eps, s);
      }
      ctx.save(input, st.mean, st.r, st.rstd, ...(s === null ? [] : [s]));
      return xHatOf(input, st, s);
    },
    backward: (ctx, g) => {
      const [input, mean, r, rstd, s = null] = ctx.saved as [Tensor, Tensor, Tensor, Tensor, Tensor?];
      const st: Pick<Statistics, 'mean' | 'r' | 'rstd'> = isGradEnabled() ? statistics(input, dims, eps, s) : { mean, r, rstd };
      const xHat = xHatOf(input, st, s);
      return [st.rstd.mul(g.sub(g.mean(dims, true)).sub(xHat.mul(g.mul(xHat).mean(dims, true))))];
    },
  });
  return normalize(x);
}
