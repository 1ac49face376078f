import { rejectOptionsObject } from '@tapegrad/core';
import { ShapeError, canReadSync, type Tensor } from '@tapegrad/core';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Layer normalisation over the trailing dims `normalizedShape`: each slice is
 * shifted to mean 0 and scaled to variance 1 (the biased variance, plus
 * `eps`), then multiplied by `weight` and shifted by `bias` when given
 * (both of shape `normalizedShape`).
 *
 * On the CPU a float32 input is normalised with float64 statistics: any
 * finite input (up to float32's largest, 3.4e38) gives the correctly scaled
 * result and a finite gradient, where float32 statistics would overflow
 * (Σx² past 3.4e38 for |x| ≳ 1e19) and silently give 0. A GPU has no
 * float64 and keeps float32 statistics.
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
  // float64 lives on the CPU backends only (those read synchronously); a GPU keeps float32 statistics.
  const wide = x.dtype === 'float32' && canReadSync(x) ? x.double() : x;
  const mean = wide.mean(dims, true);
  const variance = wide.var(dims, { correction: 0, keepdim: true });
  let y = wide.sub(mean).mul(variance.add(eps).rsqrt()).to(x.dtype);
  if (weight !== null && weight !== undefined) y = y.mul(weight);
  if (bias !== null && bias !== undefined) y = y.add(bias);
  return y;
}
