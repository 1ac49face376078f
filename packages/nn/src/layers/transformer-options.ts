import { Generator, TapegradError, type Tensor } from '@tapegrad/core';
import { gelu, relu } from '../functional/activations.js';
import type { Module } from '../module.js';
import { Dropout } from './dropout.js';
import type { LayerOptions } from './layer-options.js';
import { MultiheadAttention } from './multihead-attention.js';

/**
 * Options of {@link TransformerEncoderLayer} and {@link TransformerDecoderLayer},
 * with PyTorch's defaults. `bias: false` drops the biases of the attention,
 * the feed-forward layers and the layer norms, as PyTorch's `bias=False`.
 *
 * @example
 * ```ts
 * new TransformerEncoderLayer(64, 4, { dimFeedforward: 256, dropout: 0, activation: 'gelu', batchFirst: true, normFirst: true });
 * ```
 */
export interface TransformerLayerOptions extends LayerOptions {
  /** Width of the feed-forward block (2048 by default). */
  readonly dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block, and on the attention weights (0.1 by default). */
  readonly dropout?: number;
  /** The feed-forward block's activation: `'relu'` (the default), `'gelu'` (exact) or a function. */
  readonly activation?: 'relu' | 'gelu' | ((x: Tensor) => Tensor);
  /** The layer norms' eps (1e-5 by default). */
  readonly layerNormEps?: number;
  /** Inputs and outputs are `[N, L, E]` rather than `[L, N, E]` (false by default). */
  readonly batchFirst?: boolean;
  /** Normalise before each block (pre-norm) rather than after the residual sum (false by default). */
  readonly normFirst?: boolean;
}

/**
 * The settings a transformer layer keeps, resolved from its options.
 *
 * @example
 * ```ts
 * new TransformerEncoderLayer(8, 2).settings.dimFeedforward; // 2048
 * ```
 */
export interface TransformerSettings {
  readonly dimFeedforward: number;
  readonly dropout: number;
  readonly activation: (x: Tensor) => Tensor;
  /** `'relu'`, `'gelu'`, or `'custom'` for a function. */
  readonly activationName: string;
  readonly layerNormEps: number;
  readonly batchFirst: boolean;
  readonly normFirst: boolean;
  readonly bias: boolean;
}

/**
 * The options with PyTorch's defaults filled in.
 *
 * @example
 * ```ts
 * transformerSettings({ activation: 'gelu' }).dimFeedforward; // 2048
 * ```
 */
export function transformerSettings(options: TransformerLayerOptions): TransformerSettings {
  const a = options.activation ?? 'relu';
  return {
    dimFeedforward: options.dimFeedforward ?? 2048,
    dropout: options.dropout ?? 0.1,
    activation: a === 'relu' ? relu : a === 'gelu' ? (x: Tensor) => gelu(x) : a,
    activationName: typeof a === 'string' ? a : 'custom',
    layerNormEps: options.layerNormEps ?? 1e-5,
    batchFirst: options.batchFirst ?? false,
    normFirst: options.normFirst ?? false,
    bias: options.bias ?? true,
  };
}

/**
 * A copy of `layer` made as PyTorch's `TransformerEncoder` and
 * `TransformerDecoder` copy theirs: the same settings and equal (not
 * shared) weights, in the same training mode, its dropout masks drawn from
 * `generator`. `make` builds a fresh layer from a generator; a private one
 * is used, so making the copy draws nothing from the model's generators.
 *
 * @example
 * ```ts
 * const copy = copyLayer(layer, (g) => new TransformerEncoderLayer(8, 2, { ...options, generator: g }), options.generator);
 * ```
 */
export function copyLayer<M extends Module>(layer: M, make: (generator: Generator) => M, generator: Generator | undefined): M {
  const copy = make(new Generator(0));
  copy.loadStateDict(layer.stateDict());
  copy.train(layer.training);
  for (const m of copy.modules()) {
    if (m instanceof Dropout || m instanceof MultiheadAttention) m.generator = generator;
  }
  return copy;
}

/**
 * PyTorch's checks on a transformer layer's widths: positive integers, dModel divisible by nhead.
 *
 * @example
 * ```ts
 * checkWidths('TransformerEncoderLayer', 64, 8, {});
 * ```
 */
export function checkWidths(name: string, dModel: number, nhead: number, options: TransformerLayerOptions): void {
  for (const [what, v] of [['dModel', dModel], ['nhead', nhead], ['dimFeedforward', options.dimFeedforward ?? 1]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new TapegradError(`${name}: ${what} must be a positive integer, got ${v}`);
  }
  if (dModel % nhead !== 0) throw new TapegradError(`${name}: dModel ${dModel} must be divisible by nhead ${nhead}`);
}

/** A layer count must be a positive integer. @example `checkCount('TransformerEncoder', 6)` */
export function checkCount(name: string, numLayers: number): void {
  if (!Number.isInteger(numLayers) || numLayers < 1) throw new TapegradError(`${name}: numLayers must be a positive integer, got ${numLayers}`);
}

/** The settings line of a transformer layer. @example `transformerRepr(64, 8, layer.settings)` */
export function transformerRepr(dModel: number, nhead: number, s: TransformerSettings): string {
  return `dModel=${dModel}, nhead=${nhead}, dimFeedforward=${s.dimFeedforward}, dropout=${s.dropout}, activation=${s.activationName}, batchFirst=${s.batchFirst}, normFirst=${s.normFirst}`;
}
