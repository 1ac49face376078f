import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { DTypeError, IndexError, ShapeError, allExamples, canReadSync, noGrad, onesLike, where, zeros, type Tensor } from '@tapegrad/core';

/**
 * Options of {@link embedding}.
 *
 * @example
 * ```ts
 * embedding(ids, table, { paddingIdx: 0 });
 * ```
 */
export interface EmbeddingOptions {
  /** A row (negative counts from the end) that receives no gradient. */
  readonly paddingIdx?: number | null;
  /**
   * Rows looked up whose `normType`-norm exceeds this are first scaled, in
   * place in `weight`, to norm `maxNorm` (as PyTorch's `max_norm`; the
   * rescaling is not recorded, so no gradient flows through it).
   */
  readonly maxNorm?: number | null;
  /** The p of the norm `maxNorm` bounds: 2 by default, `Infinity` for the largest |w|. */
  readonly normType?: number;
}

/**
 * Looks up rows of `weight` `[num, dim]` at the int32 indices of `input` (any
 * shape); the result has shape `[...input.shape, dim]`. The `paddingIdx` row
 * is returned as it is but gets no gradient. With `maxNorm`, the rows looked
 * up are first renormalised in place in `weight`, as PyTorch does.
 *
 * @example
 * ```ts
 * embedding(tensor([[0, 2]], { dtype: 'int32' }), randn([5, 3])).shape; // [1, 2, 3]
 * embedding(ids, table, { maxNorm: 1 }); // the rows of table at ids now have norm ≤ 1
 * ```
 */
export function embedding(input: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  checkOptions('embedding', options, nnOptionRules.embedding);
  const op = 'embedding';
  if (input.dtype !== 'int32') throw new DTypeError(`${op}: indices must be an int32 tensor, got ${input.dtype}`);
  if (weight.ndim !== 2) throw new ShapeError(`${op}: weight must be [numEmbeddings, embeddingDim], got [${weight.shape.join(', ')}]`);
  const [num, dim] = weight.shape as [number, number];
  const flat = input.reshape([-1]);
  // On a GPU the indices cannot be read here: the check is skipped (an
  // out-of-range index then reads NaN), as the other index checks are.
  if (canReadSync(flat)) {
    // Inside vmap, the indices of every example.
    const ids = allExamples(flat).data;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i]! < 0 || ids[i]! >= num) throw new IndexError(`${op}: index ${ids[i]} is out of range for ${num} embeddings`);
    }
  }
  if (options.maxNorm !== undefined && options.maxNorm !== null) renormRows(weight, allExamples(flat).reshape([-1]), options.maxNorm, options.normType ?? 2);
  const rows = weight.indexSelect(0, flat);
  const out = options.paddingIdx === null || options.paddingIdx === undefined ? rows : withoutPaddingGrad(rows, flat, weight, paddingRow(options.paddingIdx, num));
  return out.reshape([...input.shape, dim]);
}

/**
 * Resolves a padding index (negative counts from the end), checking its range.
 *
 * @example
 * ```ts
 * paddingRow(-1, 10); // 9
 * ```
 */
export function paddingRow(paddingIdx: number, num: number): number {
  if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num) {
    throw new IndexError(`embedding: paddingIdx ${paddingIdx} must be an integer in [${-num}, ${num})`);
  }
  return paddingIdx < 0 ? paddingIdx + num : paddingIdx;
}

/** The same rows, but those looked up at `pad` come from a detached table, so no gradient reaches that row. */
function withoutPaddingGrad(rows: Tensor, flat: Tensor, weight: Tensor, pad: number): Tensor {
  const isPad = flat.eq(pad).unsqueeze(1);
  return where(isPad, weight.detach().indexSelect(0, flat), rows);
}

/**
 * PyTorch's `embedding_renorm_`: each distinct row at `ids` whose p-norm
 * exceeds `maxNorm` is scaled in place by `maxNorm / (norm + 1e-7)`, outside
 * the tape. Written in tensor ops (a mask of the rows looked up, one factor
 * per row) so that it reads nothing back and runs on every device.
 */
function renormRows(weight: Tensor, ids: Tensor, maxNorm: number, normType: number): void {
  if (ids.numel === 0) return;
  noGrad(() => {
    const num = weight.shape[0]!;
    const looked = zeros([num], { dtype: 'int32', device: weight.device }).scatterAdd(0, ids, onesLike(ids)).gt(0);
    const norms = weight.norm(normType, 1);
    const factor = where(looked.and(norms.gt(maxNorm)), norms.add(1e-7).reciprocal().mul(maxNorm), 1);
    weight.mul_(factor.unsqueeze(1));
  });
}
