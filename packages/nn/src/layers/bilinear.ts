import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { ShapeError, TapegradError, zeros, type Tensor } from '@tapegrad/core';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { parameter, type Parameter } from '../parameter.js';
import { generatorOf, type LayerOptions } from './layer-options.js';

/**
 * A bilinear map `y_k = x1ᵀ·W_k·x2 + b_k` over the last dims, with `W` of shape
 * `[outFeatures, in1Features, in2Features]`; the leading dims of both inputs
 * must match. Initial values as PyTorch: U(±1/√in1Features) for W and b.
 *
 * @example
 * ```ts
 * const bl = new Bilinear(3, 4, 2);
 * bl.forward(randn([8, 3]), randn([8, 4])).shape; // [8, 2]
 * ```
 */
export class Bilinear extends Module<[Tensor, Tensor], Tensor> {
  readonly in1Features: number;
  readonly in2Features: number;
  readonly outFeatures: number;
  /** `[outFeatures, in1Features, in2Features]`. */
  weight: Parameter;
  /** `[outFeatures]`, or null without bias. */
  bias: Parameter | null;

  constructor(in1Features: number, in2Features: number, outFeatures: number, options: LayerOptions = {}) {
    super();
    checkOptions('Bilinear', options, nnOptionRules.Bilinear);
    for (const [name, v] of [['in1Features', in1Features], ['in2Features', in2Features], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new TapegradError(`Bilinear: ${name} must be a non-negative integer, got ${v}`);
    }
    this.in1Features = in1Features;
    this.in2Features = in2Features;
    this.outFeatures = outFeatures;
    const dtype = options.dtype ?? 'float32';
    this.weight = parameter(zeros([outFeatures, in1Features, in2Features], { dtype }));
    this.bias = options.bias ?? true ? parameter(zeros([outFeatures], { dtype })) : null;
    this.resetParameters(generatorOf(options));
  }

  /**
   * Draws new initial values from U(±1/√in1Features).
   *
   * @example
   * ```ts
   * bl.resetParameters({ generator: new Generator(1) });
   * ```
   */
  resetParameters(options: Pick<LayerOptions, 'generator'> = {}): void {
    checkOptions('resetParameters', options, nnOptionRules.resetParameters);
    if (this.in1Features === 0) return;
    const bound = 1 / Math.sqrt(this.in1Features);
    uniform_(this.weight, -bound, bound, options);
    if (this.bias !== null) uniform_(this.bias, -bound, bound, options);
  }

  /** `x1ᵀ·W·x2 + b` for `x1: [..., in1]`, `x2: [..., in2]`. @example `bl.forward(a, b)` */
  forward(x1: Tensor, x2: Tensor): Tensor {
    const lead1 = x1.shape.slice(0, -1);
    const lead2 = x2.shape.slice(0, -1);
    if (x1.ndim === 0 || x2.ndim === 0 || x1.shape[x1.ndim - 1] !== this.in1Features || x2.shape[x2.ndim - 1] !== this.in2Features || lead1.length !== lead2.length || lead1.some((s, i) => s !== lead2[i])) {
      throw new ShapeError(
        `Bilinear: inputs of shapes [${x1.shape.join(', ')}] and [${x2.shape.join(', ')}] must end in in1Features = ${this.in1Features} and in2Features = ${this.in2Features} and have the same leading dims`,
      );
    }
    const [o, i1, i2] = [this.outFeatures, this.in1Features, this.in2Features];
    const a = x1.reshape([-1, i1]);
    const b = x2.reshape([-1, i2]);
    // (x1 · W viewed as [in1, out·in2]) then contract in2 with x2.
    const w = this.weight.permute([1, 0, 2]).reshape([i1, o * i2]);
    const t = a.matmul(w).reshape([-1, o, i2]);
    let y = t.mul(b.unsqueeze(1)).sum(2);
    if (this.bias !== null) y = y.add(this.bias);
    return y.reshape([...lead1, o]);
  }

  override extraRepr(): string {
    return `in1Features=${this.in1Features}, in2Features=${this.in2Features}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
