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
 * Options of {@link TransformerEncoderLayer.forward}, PyTorch's masks: in a
 * bool mask true means blocked; a float mask is added to the attention scores.
 *
 * @example
 * ```ts
 * layer.forward(src, { srcKeyPaddingMask: padded, isCausal: true });
 * ```
 */
export interface TransformerEncoderLayerForwardOptions {
  /** `[S, S]` or `[N·nhead, S, S]`: positions a token may not attend to. */
  readonly srcMask?: Tensor | null;
  /** `[N, S]` (or `[S]` unbatched): padding tokens no one attends to. */
  readonly srcKeyPaddingMask?: Tensor | null;
  /** Each token attends only to itself and earlier ones (the causal mask is made when `srcMask` is not given). */
  readonly isCausal?: boolean;
}

/**
 * A transformer encoder layer as PyTorch's `TransformerEncoderLayer`:
 * self-attention then a feed-forward block (`linear2(dropout(activation(linear1(x))))`),
 * each added back to its input and layer-normalised (after the sum, or
 * before the block with `normFirst`). The submodules carry PyTorch's names
 * (`self_attn`, `linear1`, `dropout`, `linear2`, `norm1`, `norm2`, `dropout1`,
 * `dropout2`), so a PyTorch state dict loads unchanged.
 *
 * @example
 * ```ts
 * const layer = new TransformerEncoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true });
 * layer.forward(randn([2, 5, 16])).shape; // [2, 5, 16]
 * ```
 */
export class TransformerEncoderLayer extends Module<[Tensor, TransformerEncoderLayerForwardOptions?], Tensor> {
  readonly dModel: number;
  readonly nhead: number;
  readonly settings: TransformerSettings;
  readonly self_attn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly #options: TransformerLayerOptions;

  constructor(dModel: number, nhead: number, options: TransformerLayerOptions = {}) {
    super();
    checkOptions('TransformerEncoderLayer', options, nnOptionRules.TransformerLayer);
    checkWidths('TransformerEncoderLayer', dModel, nhead, options);
    const s = transformerSettings(options);
    this.dModel = dModel;
    this.nhead = nhead;
    this.settings = s;
    this.#options = options;
    const common = { bias: s.bias, dtype: options.dtype ?? 'float32', generator: options.generator } as const;
    const drop = { generator: options.generator };
    this.self_attn = new MultiheadAttention(dModel, nhead, { ...common, dropout: s.dropout, batchFirst: s.batchFirst });
    this.linear1 = new Linear(dModel, s.dimFeedforward, common);
    this.dropout = new Dropout(s.dropout, drop);
    this.linear2 = new Linear(s.dimFeedforward, dModel, common);
    const norm = { eps: s.layerNormEps, bias: s.bias, dtype: common.dtype };
    this.norm1 = new LayerNorm(dModel, norm);
    this.norm2 = new LayerNorm(dModel, norm);
    this.dropout1 = new Dropout(s.dropout, drop);
    this.dropout2 = new Dropout(s.dropout, drop);
  }

  /**
   * Encodes `src` `[S, N, E]` (`[N, S, E]` batch first, `[S, E]` unbatched).
   *
   * @example
   * ```ts
   * layer.forward(src, { srcMask, srcKeyPaddingMask });
   * ```
   */
  forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    checkOptions('TransformerEncoderLayer.forward', options, nnOptionRules.transformerEncoderForward);
    const attend = (x: Tensor): Tensor =>
      this.dropout1.forward(
        this.self_attn.forward(x, x, x, { attnMask: options.srcMask ?? null, keyPaddingMask: options.srcKeyPaddingMask ?? null, isCausal: options.isCausal ?? false, needWeights: false })[0],
      );
    let x = src;
    if (this.settings.normFirst) {
      x = x.add(attend(this.norm1.forward(x)));
      return x.add(this.feedForward(this.norm2.forward(x)));
    }
    x = this.norm1.forward(x.add(attend(x)));
    return this.norm2.forward(x.add(this.feedForward(x)));
  }

  /** `dropout2(linear2(dropout(activation(linear1(x)))))`. */
  private feedForward(x: Tensor): Tensor {
    return this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.settings.activation(this.linear1.forward(x)))));
  }

  /**
   * A copy with equal, unshared weights, as the stacks make theirs.
   *
   * @example
   * ```ts
   * const twin = layer.clone();
   * ```
   */
  clone(): TransformerEncoderLayer {
    return copyLayer(this, (g) => new TransformerEncoderLayer(this.dModel, this.nhead, { ...this.#options, generator: g }), this.#options.generator);
  }

  override extraRepr(): string {
    return transformerRepr(this.dModel, this.nhead, this.settings);
  }
}

/**
 * Options of {@link TransformerEncoder.forward}: the masks of each layer
 * (see {@link TransformerEncoderLayerForwardOptions}).
 *
 * @example
 * ```ts
 * encoder.forward(src, { srcKeyPaddingMask: padded });
 * ```
 */
export interface TransformerEncoderForwardOptions {
  readonly mask?: Tensor | null;
  readonly srcKeyPaddingMask?: Tensor | null;
  readonly isCausal?: boolean;
}

/**
 * A stack of `numLayers` copies of `encoderLayer` (equal weights to start
 * with, not shared) and an optional final `norm`, as PyTorch's
 * `TransformerEncoder`; the state-dict names are `layers.0.…` and `norm.…`.
 *
 * @example
 * ```ts
 * const encoder = new TransformerEncoder(new TransformerEncoderLayer(16, 4, { dimFeedforward: 32 }), 2, { norm: new LayerNorm(16) });
 * encoder.forward(randn([5, 2, 16])).shape; // [5, 2, 16]
 * ```
 */
export class TransformerEncoder extends Module<[Tensor, TransformerEncoderForwardOptions?], Tensor> {
  readonly numLayers: number;
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: Module<[Tensor], Tensor> | null;

  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, options: { readonly norm?: Module<[Tensor], Tensor> | null } = {}) {
    super();
    checkOptions('TransformerEncoder', options, nnOptionRules.TransformerStack);
    if (!(encoderLayer instanceof TransformerEncoderLayer)) throw new TapegradError('TransformerEncoder: encoderLayer must be a TransformerEncoderLayer');
    checkCount('TransformerEncoder', numLayers);
    this.numLayers = numLayers;
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.clone()));
    this.norm = options.norm ?? null;
  }

  /**
   * Runs `src` through every layer with the same masks, then the final norm.
   *
   * @example
   * ```ts
   * encoder.forward(src, { mask: causal });
   * ```
   */
  forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    checkOptions('TransformerEncoder.forward', options, nnOptionRules.transformerEncoderStackForward);
    let x = src;
    for (const layer of this.layers) {
      x = layer.forward(x, { srcMask: options.mask ?? null, srcKeyPaddingMask: options.srcKeyPaddingMask ?? null, isCausal: options.isCausal ?? false });
    }
    return this.norm === null ? x : this.norm.forward(x);
  }

  override extraRepr(): string {
    return `numLayers=${this.numLayers}`;
  }
}
