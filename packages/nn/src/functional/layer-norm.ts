import { rejectOptionsObject } from '@tapegrad/core';
import { ShapeError, type Tensor } from '@tapegrad/core';
import { normalized } from './normalized.js';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Layer normalisation over the trailing dims `normalizedShape`: each slice is
 * shifted to mean 0 and scaled to variance 1 (the biased variance, plus
 * `eps`), then multiplied by `weight` and shifted by `bias` when given
 * (both of shape `normalizedShape`).
 *
 * The statistics are computed in the input's dtype, in two passes (the mean,
 * then the mean of `(x − μ)²`; sums accumulate in float64), as PyTorch's
 * CPU kernel keeps float32 statistics. Any finite input (up to float32's
 * largest, 3.4e38) still gives the correctly scaled result and a finite
 * gradient: where the two passes would leave the range (`Σx²` passes 3.4e38
 * for |x| ≳ 1e19, or `σ² + ε` falls near float32's smallest normal), each
 * slice is divided by its largest |x| first, as `(x − μ)/√(σ² + ε)` equals
 * `(x/s − μ/s)/√(σ²/s² + ε/s²)`. A device read only asynchronously (a GPU)
 * cannot check the range without waiting, so there every slice is scaled.
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
  let y = normalized('layerNorm', x, dims, eps);
  if (weight !== null && weight !== undefined) y = y.mul(weight);
  if (bias !== null && bias !== undefined) y = y.add(bias);
  return y;
}
