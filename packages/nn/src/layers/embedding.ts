import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { TapegradError, noGrad, zeros, type Tensor } from '@tapegrad/core';
import { embedding, paddingRow } from '../functional/embedding.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { parameter, type Parameter } from '../parameter.js';
import { generatorOf, type LayerOptions } from './layer-options.js';

/**
 * Options of {@link Embedding}.
 *
 * @example
 * ```ts
 * new Embedding(100, 16, { paddingIdx: 0, generator: new Generator(0) });
 * ```
 */
export interface EmbeddingLayerOptions extends Omit<LayerOptions, 'bias'> {
  /** A row initialised to zeros that receives no gradient (negative counts from the end). */
  readonly paddingIdx?: number | null;
  /** Renormalise each row looked up to at most this norm, in place in the weight (see {@link embedding}). */
  readonly maxNorm?: number | null;
  /** The p of that norm: 2 by default, `Infinity` for the largest |w|. */
  readonly normType?: number;
}

/**
 * A lookup table of `numEmbeddings` vectors of `embeddingDim`, initialised
 * from N(0, 1) as PyTorch; the `paddingIdx` row starts at zero and is never
 * trained. With `maxNorm`, every row looked up is first scaled down in
 * place to that norm when it exceeds it (PyTorch's `max_norm`).
 *
 * @example
 * ```ts
 * const emb = new Embedding(10, 4, { paddingIdx: 0 });
 * emb.forward(tensor([[1, 0, 3]], { dtype: 'int32' })).shape; // [1, 3, 4]
 * new Embedding(10, 4, { maxNorm: 1 }).forward(tensor([2], { dtype: 'int32' })).norm().item(); // ≤ 1
 * ```
 */
export class Embedding extends Module<[Tensor], Tensor> {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  /** `[numEmbeddings, embeddingDim]`. */
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingLayerOptions = {}) {
    super();
    checkOptions('Embedding', options, nnOptionRules.Embedding);
    for (const [what, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new TapegradError(`Embedding: ${what} must be a positive integer, got ${v}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    const pad = options.paddingIdx ?? null;
    this.paddingIdx = pad === null ? null : paddingRow(pad, numEmbeddings);
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.weight = parameter(zeros([numEmbeddings, embeddingDim], { dtype: options.dtype ?? 'float32' }));
    this.resetParameters(generatorOf(options));
  }

  /**
   * Draws new initial values: N(0, 1), and zeros in the padding row.
   *
   * @example
   * ```ts
   * emb.resetParameters({ generator: new Generator(1) });
   * ```
   */
  resetParameters(options: Pick<LayerOptions, 'generator'> = {}): void {
    checkOptions('resetParameters', options, nnOptionRules.resetParameters);
    normal_(this.weight, 0, 1, options);
    if (this.paddingIdx !== null) {
      const row = this.paddingIdx;
      noGrad(() => this.weight.select(0, row).zero_());
    }
  }

  /** The rows at the int32 indices of `input`: shape `[...input.shape, embeddingDim]`. @example `emb.forward(tokenIds)` */
  forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType });
  }

  override extraRepr(): string {
    const pad = this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`;
    const norm = this.maxNorm === null ? '' : `, maxNorm=${this.maxNorm}${this.normType === 2 ? '' : `, normType=${this.normType}`}`;
    return `${this.numEmbeddings}, ${this.embeddingDim}${pad}${norm}`;
  }
}
