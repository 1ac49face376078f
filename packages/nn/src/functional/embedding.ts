import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { DTypeError, IndexError, ShapeError, canReadSync, where, type Tensor } from '@tapegrad/core';

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
}

/**
 * Looks up rows of `weight` `[num, dim]` at the int32 indices of `input` (any
 * shape); the result has shape `[...input.shape, dim]`. The `paddingIdx` row
 * is returned as it is but gets no gradient.
 *
 * @example
 * ```ts
 * embedding(tensor([[0, 2]], { dtype: 'int32' }), randn([5, 3])).shape; // [1, 2, 3]
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
    const ids = flat.data;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i]! < 0 || ids[i]! >= num) throw new IndexError(`${op}: index ${ids[i]} is out of range for ${num} embeddings`);
    }
  }
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
