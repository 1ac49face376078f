import { TapegradError, checkOptions, ones, zeros, type Tensor } from '@tapegrad/core';
import { groupNorm } from '../functional/group-norm.js';
import { nnOptionRules } from '../option-rules.js';
import { Module } from '../module.js';
import { parameter, type Parameter } from '../parameter.js';
import type { LayerOptions } from './layer-options.js';

/**
 * Options of {@link GroupNorm}, with PyTorch's defaults.
 *
 * @example
 * ```ts
 * new GroupNorm(4, 32, { eps: 1e-6, affine: false });
 * ```
 */
export interface GroupNormOptions extends Pick<LayerOptions, 'dtype'> {
  /** Added to the variance (1e-5 by default). */
  readonly eps?: number;
  /** Learn a per-channel scale (ones) and shift (zeros), true by default. */
  readonly affine?: boolean;
}

/**
 * Group normalisation over `[N, numChannels, *]`, as PyTorch's `GroupNorm`:
 * each sample's `numGroups` groups of channels are normalised separately
 * (see {@link groupNorm}), then scaled and shifted per channel.
 *
 * @example
 * ```ts
 * const norm = new GroupNorm(2, 4);
 * norm.forward(randn([3, 4, 5, 5])).shape; // [3, 4, 5, 5]
 * ```
 */
export class GroupNorm extends Module<[Tensor], Tensor> {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  /** `[numChannels]`, or null without affine. */
  weight: Parameter | null;
  /** `[numChannels]`, or null without affine. */
  bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, options: GroupNormOptions = {}) {
    super();
    checkOptions('GroupNorm', options, nnOptionRules.GroupNorm);
    for (const [what, v] of [['numGroups', numGroups], ['numChannels', numChannels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new TapegradError(`GroupNorm: ${what} must be a positive integer, got ${v}`);
    }
    if (numChannels % numGroups !== 0) throw new TapegradError(`GroupNorm: numChannels ${numChannels} must be divisible by numGroups ${numGroups}`);
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = options.eps ?? 1e-5;
    const dtype = options.dtype ?? 'float32';
    const affine = options.affine ?? true;
    this.weight = affine ? parameter(ones([numChannels], { dtype })) : null;
    this.bias = affine ? parameter(zeros([numChannels], { dtype })) : null;
  }

  /** `x` normalised by groups of channels. @example `norm.forward(features)` */
  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null}`;
  }
}
