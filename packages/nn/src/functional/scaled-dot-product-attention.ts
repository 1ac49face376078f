import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { DTypeError, ShapeError, TapegradError, arange, where, type Generator, type Tensor } from '@tapegrad/core';
import { dropout } from './dropout.js';
import { softmax } from './softmax.js';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Options of {@link scaledDotProductAttention}, as PyTorch's.
 *
 * @example
 * ```ts
 * const opts: AttentionOptions = { isCausal: true, dropoutP: 0.1, generator: new Generator(0) };
 * ```
 */
export interface AttentionOptions {
  /**
   * Broadcasts to `[..., L, S]`: a bool mask where true means *may attend*,
   * or a float mask added to the scores (−∞ blocks).
   */
  readonly attnMask?: Tensor | null;
  /** Each query `i` attends only to keys `j ≤ i` (the mask's top-left corner, as PyTorch). */
  readonly isCausal?: boolean;
  /** Dropout on the attention weights. */
  readonly dropoutP?: number;
  /** Multiplies the scores; `1/√E` by default. */
  readonly scale?: number;
  /** The source of the dropout mask. */
  readonly generator?: Generator | undefined;
}

/**
 * An additive float mask of `dtype` from a bool mask in which true means *blocked*.
 *
 * @example
 * ```ts
 * blockedToAdditive(keyPaddingMask, 'float32'); // 0 where allowed, −∞ where padded
 * ```
 */
export function blockedToAdditive(blocked: Tensor, dtype: Tensor['dtype']): Tensor {
  return where(blocked, -Infinity, 0).to(dtype);
}

/**
 * The attention weights `softmax(q·kᵀ·scale + mask)` (after dropout), of shape
 * `[..., L, S]`, for `q` `[..., L, E]` and `k` `[..., S, E]`.
 *
 * @example
 * ```ts
 * attentionWeights(q, k, { isCausal: true }); // rows sum to 1
 * ```
 */
export function attentionWeights(q: Tensor, k: Tensor, options: AttentionOptions = {}): Tensor {
  checkOptions('attentionWeights', options, nnOptionRules.attention);
  const op = 'scaledDotProductAttention';
  if (q.ndim < 2 || k.ndim < 2 || q.shape[q.ndim - 1] !== k.shape[k.ndim - 1]) {
    throw new ShapeError(`${op}: query ${fmt(q.shape)} and key ${fmt(k.shape)} must be [..., L, E] and [..., S, E] with the same E`);
  }
  const l = q.shape[q.ndim - 2]!;
  const s = k.shape[k.ndim - 2]!;
  const e = q.shape[q.ndim - 1]!;
  let scores = q.matmul(k.mT).mul(options.scale ?? 1 / Math.sqrt(e));
  const mask = options.attnMask ?? null;
  if (options.isCausal ?? false) {
    if (mask !== null) throw new TapegradError(`${op}: pass either attnMask or isCausal, not both`);
    const allowed = arange(l, { dtype: 'int32', device: q.device }).unsqueeze(1).ge(arange(s, { dtype: 'int32', device: q.device }));
    scores = scores.add(blockedToAdditive(allowed.not(), scores.dtype));
  }
  if (mask !== null) {
    if (mask.ndim < 2 || mask.shape[mask.ndim - 2]! > l || mask.shape[mask.ndim - 1]! > s) {
      throw new ShapeError(`${op}: attnMask of shape ${fmt(mask.shape)} does not broadcast to the scores' shape ${fmt(scores.shape)}`);
    }
    if (mask.dtype === 'bool') scores = scores.add(blockedToAdditive(mask.not(), scores.dtype));
    else if (mask.dtype === 'int32') throw new DTypeError(`${op}: attnMask must be bool (true = attend) or float (added to the scores), got int32`);
    else scores = scores.add(mask);
  }
  const weights = softmax(scores, -1);
  const p = options.dropoutP ?? 0;
  return p > 0 ? dropout(weights, p, { generator: options.generator }) : weights;
}

/**
 * Attention as PyTorch's `scaled_dot_product_attention`:
 * `softmax(q·kᵀ·scale + mask)·v` for `q` `[..., L, E]`, `k` `[..., S, E]` and
 * `v` `[..., S, Ev]`, giving `[..., L, Ev]`. Bool masks say where to attend
 * (true); float masks are added. A query that may attend to nothing gives NaN.
 *
 * @example
 * ```ts
 * const q = randn([2, 4, 5, 8]); // batch, heads, tokens, head dim
 * scaledDotProductAttention(q, q, q, { isCausal: true }).shape; // [2, 4, 5, 8]
 * ```
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  checkOptions('scaledDotProductAttention', options, nnOptionRules.attention);
  if (v.ndim < 2 || v.shape[v.ndim - 2] !== k.shape[k.ndim - 2]) {
    throw new ShapeError(`scaledDotProductAttention: value ${fmt(v.shape)} must be [..., S, Ev] with the S of key ${fmt(k.shape)}`);
  }
  return attentionWeights(q, k, options).matmul(v);
}
