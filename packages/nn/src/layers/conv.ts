import { checkOptions, fmtShape } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { IndexError, ShapeError, TapegradError, conv1d, conv2d, pad, zeros, type ConvOptions, type SizeArg, type Tensor } from '@tapegrad/core';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { parameter, type Parameter } from '../parameter.js';
import { generatorOf, type LayerOptions } from './layer-options.js';

/**
 * How a convolution layer fills its padding, as PyTorch's `padding_mode`:
 * zeros, or the input reflected, replicated or wrapped around (see core's `pad`).
 *
 * @example
 * ```ts
 * const mode: PaddingMode = 'circular';
 * ```
 */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/**
 * Options of {@link Conv1d} and {@link Conv2d}: the convolution's geometry
 * (as {@link ConvOptions}), how its padding is filled (`paddingMode`, zeros
 * by default), and the layer's bias, dtype and initialisation generator.
 *
 * @example
 * ```ts
 * new Conv2d(3, 16, 3, { stride: 2, padding: 1, bias: false });
 * new Conv2d(3, 16, 3, { padding: 'same', paddingMode: 'reflect' });
 * ```
 */
export interface ConvLayerOptions extends LayerOptions, ConvOptions {
  readonly paddingMode?: PaddingMode;
}

/**
 * What {@link Conv1d} and {@link Conv2d} share: parameters, geometry,
 * PyTorch's initialisation (Kaiming uniform with a = √5 for the weight, that
 * is U(±1/√fanIn), and U(±1/√fanIn) for the bias, fanIn = inChannels/groups·Πkernel).
 *
 * @example
 * ```ts
 * const layers: ConvNd[] = [new Conv1d(2, 4, 3), new Conv2d(2, 4, 3)];
 * ```
 */
export abstract class ConvNd extends Module<[Tensor], Tensor> {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly number[];
  readonly stride: SizeArg;
  readonly padding: SizeArg | 'valid' | 'same';
  readonly dilation: SizeArg;
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  /** `[outChannels, inChannels / groups, ...kernelSize]`. */
  weight: Parameter;
  /** `[outChannels]`, or null without bias. */
  bias: Parameter | null;

  protected constructor(name: string, dims: number, inChannels: number, outChannels: number, kernelSize: SizeArg, options: ConvLayerOptions) {
    super();
    checkOptions(name, options, nnOptionRules.Conv);
    const groups = options.groups ?? 1;
    const kernel = typeof kernelSize === 'number' ? new Array<number>(dims).fill(kernelSize) : kernelSize.slice();
    if (kernel.length !== dims || kernel.some((k) => !Number.isInteger(k) || k < 1)) {
      throw new TapegradError(`${name}: kernelSize must be a positive integer or ${dims} of them, got ${String(kernelSize)}`);
    }
    for (const [what, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['groups', groups]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new TapegradError(`${name}: ${what} must be a positive integer, got ${v}`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new TapegradError(`${name}: inChannels (${inChannels}) and outChannels (${outChannels}) must both be divisible by groups (${groups})`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernel;
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.groups = groups;
    this.paddingMode = options.paddingMode ?? 'zeros';
    const strides = typeof this.stride === 'number' ? [this.stride] : this.stride;
    if (this.padding === 'same' && strides.some((st) => st !== 1)) {
      // As PyTorch, at construction (a padding mode would otherwise skip the functional form's check).
      throw new IndexError(`${name}: padding 'same' needs stride 1, got stride ${fmtShape(strides)}`);
    }
    const dtype = options.dtype ?? 'float32';
    this.weight = parameter(zeros([outChannels, inChannels / groups, ...kernel], { dtype }));
    this.bias = options.bias ?? true ? parameter(zeros([outChannels], { dtype })) : null;
    this.resetParameters(generatorOf(options));
  }

  /**
   * Draws new initial values (PyTorch's defaults).
   *
   * @example
   * ```ts
   * conv.resetParameters({ generator: new Generator(1) });
   * ```
   */
  resetParameters(options: Pick<LayerOptions, 'generator'> = {}): void {
    checkOptions('resetParameters', options, nnOptionRules.resetParameters);
    kaimingUniform_(this.weight, { a: Math.sqrt(5), generator: options.generator });
    if (this.bias !== null) {
      const bound = 1 / Math.sqrt(calculateFanInAndFanOut(this.weight)[0]);
      uniform_(this.bias, -bound, bound, options);
    }
  }

  /** The geometry passed to the functional form (no padding when {@link ConvNd.padded} has done it). */
  protected get convOptions(): ConvOptions {
    const padding = this.paddingMode === 'zeros' ? this.padding : 0;
    return { stride: this.stride, padding, dilation: this.dilation, groups: this.groups };
  }

  /**
   * `x` padded by the layer's `paddingMode` when that is not zeros (as
   * PyTorch, before a convolution without padding), else `x` itself.
   *
   * @example
   * ```ts
   * conv1d(this.padded(x), this.weight, this.bias, this.convOptions);
   * ```
   */
  protected padded(x: Tensor): Tensor {
    const dims = this.kernelSize.length;
    // An input of the wrong rank is left to the convolution's own shape error.
    if (this.paddingMode === 'zeros' || (x.ndim !== dims + 1 && x.ndim !== dims + 2)) return x;
    const perDim = this.kernelSize.map((k, i): [number, number] => {
      if (this.padding === 'valid') return [0, 0];
      const d = typeof this.dilation === 'number' ? this.dilation : (this.dilation[i] ?? 1);
      if (this.padding === 'same') return [Math.floor((d * (k - 1)) / 2), d * (k - 1) - Math.floor((d * (k - 1)) / 2)];
      const p = typeof this.padding === 'number' ? this.padding : (this.padding[i] ?? 0);
      return [p, p];
    });
    const mode = this.paddingMode;
    perDim.forEach(([before, after], i) => {
      const size = x.shape[x.ndim - dims + i]!;
      const fits = mode === 'reflect' ? Math.max(before, after) < size : mode === 'circular' ? Math.max(before, after) <= size : true;
      if (!fits) {
        throw new ShapeError(
          `${this.constructor.name}: paddingMode '${mode}' needs padding ${mode === 'reflect' ? 'less than' : 'at most'} the input's size: padding (${before}, ${after}) for spatial dim ${i} of size ${size} (input ${fmtShape(x.shape)})`,
        );
      }
    });
    // pad takes the last dim first.
    return pad(x, perDim.reverse().flat(), this.paddingMode);
  }

  override extraRepr(): string {
    const fmt = (v: SizeArg | string): string => (typeof v === 'object' ? `[${v.join(', ')}]` : String(v));
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${fmt(this.kernelSize)}, stride=${fmt(this.stride)}, padding=${fmt(this.padding)}, dilation=${fmt(this.dilation)}, groups=${this.groups}, bias=${this.bias !== null}${this.paddingMode === 'zeros' ? '' : `, paddingMode=${this.paddingMode}`}`;
  }
}

/**
 * 1-D convolution layer over `[N, inChannels, L]` (or `[inChannels, L]`), as PyTorch's `Conv1d`.
 *
 * @example
 * ```ts
 * const conv = new Conv1d(4, 8, 3, { padding: 1, generator: new Generator(0) });
 * conv.forward(randn([2, 4, 10])).shape; // [2, 8, 10]
 * ```
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, options: ConvLayerOptions = {}) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, options);
  }

  /** The convolution of `x`. @example `conv.forward(signal)` */
  forward(x: Tensor): Tensor {
    return conv1d(this.padded(x), this.weight, this.bias, this.convOptions);
  }
}

/**
 * 2-D convolution layer over `[N, inChannels, H, W]` (or `[inChannels, H, W]`), as PyTorch's `Conv2d`.
 *
 * @example
 * ```ts
 * const conv = new Conv2d(3, 16, 3, { stride: 2, padding: 1 });
 * conv.forward(randn([1, 3, 32, 32])).shape; // [1, 16, 16, 16]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, options: ConvLayerOptions = {}) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, options);
  }

  /** The convolution of `x`. @example `conv.forward(images)` */
  forward(x: Tensor): Tensor {
    return conv2d(this.padded(x), this.weight, this.bias, this.convOptions);
  }
}
