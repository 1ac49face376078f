import { TapegradError, checkOptions, type Tensor } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { Module } from '../module.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { ModuleList } from './module-list.js';
import { MultiheadAttention } from './multihead-attention.js';
import { checkCount, checkWidths, copyLayer, transformerRepr, transformerSettings, type TransformerLayerOptions, type TransformerSettings } from './transformer-options.js';

/**
 * Options of {@link TransformerDecoderLayer.forward} and
 * {@link TransformerDecoder.forward}, PyTorch's masks: in a bool mask true
 * means blocked; a float mask is added to the attention scores.
 *
 * @example
 * ```ts
 * layer.forward(tgt, memory, { tgtIsCausal: true, memoryKeyPaddingMask: padded });
 * ```
 */
export interface TransformerDecoderForwardOptions {
  /** `[T, T]` or `[N·nhead, T, T]`: target positions a target token may not attend to. */
  readonly tgtMask?: Tensor | null;
  /** `[T, S]` or `[N·nhead, T, S]`: memory positions a target token may not attend to. */
  readonly memoryMask?: Tensor | null;
  /** `[N, T]`: target padding tokens. */
  readonly tgtKeyPaddingMask?: Tensor | null;
  /** `[N, S]`: memory padding tokens. */
  readonly memoryKeyPaddingMask?: Tensor | null;
  /** Each target token attends only to itself and earlier ones (the mask is made when `tgtMask` is not given). */
  readonly tgtIsCausal?: boolean;
  /** The same for the memory (when `memoryMask` is not given). */
  readonly memoryIsCausal?: boolean;
}

/**
 * A transformer decoder layer as PyTorch's `TransformerDecoderLayer`:
 * self-attention over the target, attention to the encoder's `memory`,
 * then a feed-forward block, each added back to its input and
 * layer-normalised (after the sum, or before the block with `normFirst`).
 * The submodules carry PyTorch's names (`self_attn`,
 * `multihead_attn`, `linear1`, `dropout`, `linear2`, `norm1`–`norm3`,
 * `dropout1`–`dropout3`), so a PyTorch state dict loads unchanged.
 *
 * @example
 * ```ts
 * const layer = new TransformerDecoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true });
 * layer.forward(randn([2, 3, 16]), randn([2, 5, 16]), { tgtIsCausal: true }).shape; // [2, 3, 16]
 * ```
 */
export class TransformerDecoderLayer extends Module<[Tensor, Tensor, TransformerDecoderForwardOptions?], Tensor> {
  readonly dModel: number;
  readonly nhead: number;
  readonly settings: TransformerSettings;
  readonly self_attn: MultiheadAttention;
  readonly multihead_attn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dropout3: Dropout;
  readonly #options: TransformerLayerOptions;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    checkOptions('TransformerDecoderLayer', options, nnOptionRules.TransformerLayer);
    checkWidths('TransformerDecoderLayer', dModel, nhead, options);
    const s = transformerSettings(options);
    this.dModel = dModel;
    this.nhead = nhead;
    this.settings = s;
    this.#options = options;
    const common = { bias: s.bias, dtype: options.dtype ?? 'float32', generator: options.generator } as const;
    const drop = { generator: options.generator };
    const attention = { ...common, dropout: s.dropout, batchFirst: s.batchFirst };
    this.self_attn = new MultiheadAttention(dModel, nhead, attention);
    this.multihead_attn = new MultiheadAttention(dModel, nhead, attention);
    this.linear1 = new Linear(dModel, s.dimFeedforward, common);
    this.dropout = new Dropout(s.dropout, drop);
    this.linear2 = new Linear(s.dimFeedforward, dModel, common);
    const norm = { eps: s.layerNormEps, bias: s.bias, dtype: common.dtype };
    this.norm1 = new LayerNorm(dModel, norm);
    this.norm2 = new LayerNorm(dModel, norm);
    this.norm3 = new LayerNorm(dModel, norm);
    this.dropout1 = new Dropout(s.dropout, drop);
    this.dropout2 = new Dropout(s.dropout, drop);
    this.dropout3 = new Dropout(s.dropout, drop);
  }

  /**
   * Decodes `tgt` `[T, N, E]` against `memory` `[S, N, E]` (batch first:
   * `[N, T, E]`, `[N, S, E]`; unbatched: `[T, E]`, `[S, E]`).
   *
   * @example
   * ```ts
   * layer.forward(tgt, memory, { tgtMask, memoryKeyPaddingMask });
   * ```
   */
  forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderForwardOptions = {}): Tensor {
    checkOptions('TransformerDecoderLayer.forward', options, nnOptionRules.transformerDecoderForward);
    const selfAttend = (x: Tensor): Tensor =>
      this.dropout1.forward(
        this.self_attn.forward(x, x, x, { attnMask: options.tgtMask ?? null, keyPaddingMask: options.tgtKeyPaddingMask ?? null, isCausal: options.tgtIsCausal ?? false, needWeights: false })[0],
      );
    const attendMemory = (x: Tensor): Tensor =>
      this.dropout2.forward(
        this.multihead_attn.forward(x, memory, memory, {
          attnMask: options.memoryMask ?? null,
          keyPaddingMask: options.memoryKeyPaddingMask ?? null,
          isCausal: options.memoryIsCausal ?? false,
          needWeights: false,
        })[0],
      );
    let x = tgt;
    if (this.settings.normFirst) {
      x = x.add(selfAttend(this.norm1.forward(x)));
      x = x.add(attendMemory(this.norm2.forward(x)));
      return x.add(this.feedForward(this.norm3.forward(x)));
    }
    x = this.norm1.forward(x.add(selfAttend(x)));
    x = this.norm2.forward(x.add(attendMemory(x)));
    return this.norm3.forward(x.add(this.feedForward(x)));
  }

  /** `dropout3(linear2(dropout(activation(linear1(x)))))`. */
  private feedForward(x: Tensor): Tensor {
    return this.dropout3.forward(this.linear2.forward(this.dropout.forward(this.settings.activation(this.linear1.forward(x)))));
  }

  /**
   * A copy with equal, unshared weights, as the stacks make theirs.
   *
   * @example
   * ```ts
   * const twin = layer.clone();
   * ```
   */
  clone(): TransformerDecoderLayer {
    return copyLayer(this, (g) => new TransformerDecoderLayer(this.dModel, this.nhead, { ...this.#options, generator: g }), this.#options.generator);
  }

  override extraRepr(): string {
    return transformerRepr(this.dModel, this.nhead, this.settings);
  }
}

/**
 * A stack of `numLayers` copies of `decoderLayer` (equal weights to start
 * with, not shared) and an optional final `norm`, as PyTorch's
 * `TransformerDecoder`; the state-dict names are `layers.0.…` and `norm.…`.
 *
 * @example
 * ```ts
 * const decoder = new TransformerDecoder(new TransformerDecoderLayer(16, 4, { dimFeedforward: 32 }), 2);
 * decoder.forward(randn([3, 2, 16]), randn([5, 2, 16]), { tgtIsCausal: true }).shape; // [3, 2, 16]
 * ```
 */
export class TransformerDecoder extends Module<[Tensor, Tensor, TransformerDecoderForwardOptions?], Tensor> {
  readonly numLayers: number;
  readonly layers: ModuleList<TransformerDecoderLayer>;
  readonly norm: Module<[Tensor], Tensor> | null;

  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, options: { readonly norm?: Module<[Tensor], Tensor> | null } = {}) {
    super();
    checkOptions('TransformerDecoder', options, nnOptionRules.TransformerStack);
    if (!(decoderLayer instanceof TransformerDecoderLayer)) throw new TapegradError('TransformerDecoder: decoderLayer must be a TransformerDecoderLayer');
    checkCount('TransformerDecoder', numLayers);
    this.numLayers = numLayers;
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.clone()));
    this.norm = options.norm ?? null;
  }

  /**
   * Runs `tgt` through every layer against the same `memory` and masks, then the final norm.
   *
   * @example
   * ```ts
   * decoder.forward(tgt, memory, { tgtIsCausal: true });
   * ```
   */
  forward(tgt: Tensor, memory: Tensor, options: TransformerDecoderForwardOptions = {}): Tensor {
    checkOptions('TransformerDecoder.forward', options, nnOptionRules.transformerDecoderForward);
    let x = tgt;
    for (const layer of this.layers) x = layer.forward(x, memory, options);
    return this.norm === null ? x : this.norm.forward(x);
  }

  override extraRepr(): string {
    return `numLayers=${this.numLayers}`;
  }
}
