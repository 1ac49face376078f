import { ShapeError, TapegradError, rejectOptionsObject, type Tensor } from '@tapegrad/core';
import { normalized } from './normalized.js';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Group normalisation of `x` `[N, C, *]`, as PyTorch's `F.group_norm`: the
 * `C` channels are split into `numGroups` groups of consecutive channels,
 * and each sample's group (its channels and all positions) is shifted to
 * mean 0 and scaled to variance 1 (the biased variance, plus `eps`); then
 * each channel is multiplied by `weight` and shifted by `bias` (both `[C]`)
 * when given. One group is layer normalisation over `[C, *]`; `C` groups
 * is instance normalisation.
 *
 * The statistics are those of `layerNorm`: in the input's dtype, each group
 * divided by its largest |x| first where they would leave the range.
 *
 * @example
 * ```ts
 * groupNorm(randn([2, 6, 4, 4]), 3).shape; // [2, 6, 4, 4]
 * groupNorm(x, 2, gamma, beta, 1e-6);
 * ```
 */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const op = 'groupNorm';
  const usage = 'groupNorm(x, numGroups, weight ?? null, bias ?? null, eps)';
  rejectOptionsObject(op, 'numGroups', numGroups, usage);
  rejectOptionsObject(op, 'weight', weight, usage);
  rejectOptionsObject(op, 'bias', bias, usage);
  rejectOptionsObject(op, 'eps', eps, usage);
  if (!Number.isInteger(numGroups) || numGroups < 1) throw new TapegradError(`${op}: numGroups must be a positive integer, got ${numGroups}`);
  if (x.ndim < 2) throw new ShapeError(`${op}: expected input [N, C, *], got ${fmt(x.shape)}`);
  const c = x.shape[1]!;
  if (c % numGroups !== 0) throw new ShapeError(`${op}: the ${c} channels of input ${fmt(x.shape)} must be divisible by numGroups ${numGroups}`);
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t !== null && t !== undefined && (t.ndim !== 1 || t.shape[0] !== c)) {
      throw new ShapeError(`${op}: ${name} of shape ${fmt(t.shape)} must be [${c}], one per channel of input ${fmt(x.shape)}`);
    }
  }
  let y = normalized(op, x.reshape([x.shape[0]!, numGroups, -1]), [2], eps).reshape(x.shape);
  const perChannel = [c, ...x.shape.slice(2).map(() => 1)];
  if (weight !== null && weight !== undefined) y = y.mul(weight.reshape(perChannel));
  if (bias !== null && bias !== undefined) y = y.add(bias.reshape(perChannel));
  return y;
}
