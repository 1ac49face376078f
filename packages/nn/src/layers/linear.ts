import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { isGradEnabled, ShapeError, TapegradError, zeros, type Tensor } from '@tapegrad/core';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { parameter, type Parameter } from '../parameter.js';
import { generatorOf, type LayerOptions } from './layer-options.js';

/**
 * An affine map `y = x·Wᵀ + b` over the last dim, with `W` of shape
 * `[outFeatures, inFeatures]` and `b` of shape `[outFeatures]`, as PyTorch.
 * Initial values as PyTorch: W from Kaiming uniform with a = √5, that is
 * U(±1/√inFeatures), and b from U(±1/√inFeatures).
 *
 * @example
 * ```ts
 * const fc = new Linear(3, 2, { generator: new Generator(0) });
 * fc.forward(randn([8, 3])).shape; // [8, 2]
 * ```
 */
export class Linear extends Module<[Tensor], Tensor> {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** `[outFeatures, inFeatures]`. */
  weight: Parameter;
  /** `[outFeatures]`, or null without bias. */
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LayerOptions = {}) {
    super();
    checkOptions('Linear', options, nnOptionRules.Linear);
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new TapegradError(`Linear: ${name} must be a non-negative integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = options.dtype ?? 'float32';
    this.weight = parameter(zeros([outFeatures, inFeatures], { dtype }));
    this.bias = options.bias ?? true ? parameter(zeros([outFeatures], { dtype })) : null;
    this.resetParameters(generatorOf(options));
  }

  /**
   * Draws new initial values (PyTorch's defaults).
   *
   * @example
   * ```ts
   * fc.resetParameters({ generator: new Generator(1) });
   * ```
   */
  resetParameters(options: Pick<LayerOptions, 'generator'> = {}): void {
    checkOptions('resetParameters', options, nnOptionRules.resetParameters);
    if (this.inFeatures === 0) return;
    kaimingUniform_(this.weight, { a: Math.sqrt(5), generator: options.generator });
    if (this.bias !== null) {
      const bound = 1 / Math.sqrt(this.inFeatures);
      uniform_(this.bias, -bound, bound, options);
    }
  }

  /** `x·Wᵀ + b` for `x` of shape `[..., inFeatures]`. @example `fc.forward(x)` */
  forward(x: Tensor): Tensor {
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(`Linear: input of shape [${x.shape.join(', ')}] does not end in inFeatures = ${this.inFeatures}`);
    }
    const y = x.matmul(this.weight.mT);
    if (this.bias === null) return y;
    // Unrecorded (inference), the bias goes into the product's fresh storage: one output array, not two.
    return isGradEnabled() && (y.requiresGrad || this.bias.requiresGrad) ? y.add(this.bias) : y.add_(this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
