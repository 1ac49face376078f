import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { TapegradError, ones, zeros, type Tensor } from '@tapegrad/core';
import { layerNorm } from '../functional/layer-norm.js';
import { Module } from '../module.js';
import { parameter, type Parameter } from '../parameter.js';
import type { LayerOptions } from './layer-options.js';

/**
 * Options of {@link LayerNorm}.
 *
 * @example
 * ```ts
 * new LayerNorm(64, { eps: 1e-6, elementwiseAffine: false });
 * ```
 */
export interface LayerNormOptions extends Omit<LayerOptions, 'generator'> {
  readonly eps?: number;
  /** Learn a scale (ones) and, unless `bias` is false, a shift (zeros) of `normalizedShape`. */
  readonly elementwiseAffine?: boolean;
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims, as PyTorch's `LayerNorm`.
 *
 * @example
 * ```ts
 * const norm = new LayerNorm(3);
 * norm.forward(tensor([[1, 2, 3]])); // ≈ [[-1.2247, 0, 1.2247]]
 * ```
 */
export class LayerNorm extends Module<[Tensor], Tensor> {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  /** `normalizedShape`, or null without elementwise affine. */
  weight: Parameter | null;
  /** `normalizedShape`, or null. */
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkOptions('LayerNorm', options, nnOptionRules.LayerNorm);
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    if (shape.length === 0 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new TapegradError(`LayerNorm: normalizedShape must be positive integers, got [${shape.join(', ')}]`);
    }
    this.normalizedShape = shape;
    this.eps = options.eps ?? 1e-5;
    const dtype = options.dtype ?? 'float32';
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? parameter(ones(shape, { dtype })) : null;
    this.bias = affine && (options.bias ?? true) ? parameter(zeros(shape, { dtype })) : null;
  }

  /** `x` normalised over its trailing dims. @example `norm.forward(h)` */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}
