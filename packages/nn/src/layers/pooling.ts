import { nnOptionRules } from '../option-rules.js';
import { checkOptions, rejectOptionsObject, adaptiveAvgPool2d, avgPool2d, maxPool2d, type AvgPoolOptions, type MaxPoolOptions, type SizeArg, type Tensor } from '@tapegrad/core';
import { Module } from '../module.js';

const fmt = (v: SizeArg | readonly (number | null)[] | undefined): string => (typeof v === 'object' ? `[${v.join(', ')}]` : String(v));

/**
 * 2-D max pooling layer, as PyTorch's `MaxPool2d` (stride defaults to the
 * kernel size; `ceilMode` rounds the output size up).
 *
 * @example
 * ```ts
 * new MaxPool2d(2).forward(randn([1, 3, 8, 8])).shape; // [1, 3, 4, 4]
 * new MaxPool2d(2, { ceilMode: true }).forward(randn([1, 3, 7, 7])).shape; // [1, 3, 4, 4]
 * ```
 */
export class MaxPool2d extends Module<[Tensor], Tensor> {
  readonly kernelSize: SizeArg;
  readonly options: MaxPoolOptions;

  constructor(kernelSize: SizeArg, options: MaxPoolOptions = {}) {
    super();
    rejectOptionsObject('MaxPool2d', 'kernelSize', kernelSize, 'new MaxPool2d(kernelSize, { stride, padding, dilation, ceilMode })');
    checkOptions('MaxPool2d', options, nnOptionRules.MaxPool2d);
    this.kernelSize = kernelSize;
    this.options = options;
  }

  /** The window maxima of `x`. @example `pool.forward(features)` */
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    return `kernelSize=${fmt(this.kernelSize)}, stride=${fmt(this.options.stride ?? this.kernelSize)}, padding=${fmt(this.options.padding ?? 0)}, dilation=${fmt(this.options.dilation ?? 1)}, ceilMode=${this.options.ceilMode ?? false}`;
  }
}

/**
 * 2-D average pooling layer, as PyTorch's `AvgPool2d` (padding counts in the
 * divisor unless `countIncludePad` is false; `ceilMode` rounds the output
 * size up, and what a last window hangs past the padding never counts).
 *
 * @example
 * ```ts
 * new AvgPool2d(3, { stride: 1, padding: 1 }).forward(randn([1, 3, 8, 8])).shape; // [1, 3, 8, 8]
 * ```
 */
export class AvgPool2d extends Module<[Tensor], Tensor> {
  readonly kernelSize: SizeArg;
  readonly options: AvgPoolOptions;

  constructor(kernelSize: SizeArg, options: AvgPoolOptions = {}) {
    super();
    rejectOptionsObject('AvgPool2d', 'kernelSize', kernelSize, 'new AvgPool2d(kernelSize, { stride, padding, countIncludePad, divisorOverride, ceilMode })');
    checkOptions('AvgPool2d', options, nnOptionRules.AvgPool2d);
    this.kernelSize = kernelSize;
    this.options = options;
  }

  /** The window averages of `x`. @example `pool.forward(features)` */
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    return `kernelSize=${fmt(this.kernelSize)}, stride=${fmt(this.options.stride ?? this.kernelSize)}, padding=${fmt(this.options.padding ?? 0)}, ceilMode=${this.options.ceilMode ?? false}`;
  }
}

/**
 * 2-D adaptive average pooling layer: any input size to `outputSize`, as
 * PyTorch's `AdaptiveAvgPool2d` (`null` keeps that dim's size).
 *
 * @example
 * ```ts
 * new AdaptiveAvgPool2d(1).forward(randn([2, 64, 7, 7])).shape; // [2, 64, 1, 1]
 * ```
 */
export class AdaptiveAvgPool2d extends Module<[Tensor], Tensor> {
  readonly outputSize: number | readonly (number | null)[];

  constructor(outputSize: number | readonly (number | null)[]) {
    super();
    this.outputSize = outputSize;
  }

  /** `x` averaged down to `outputSize`. @example `pool.forward(features)` */
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${fmt(this.outputSize)}`;
  }
}
