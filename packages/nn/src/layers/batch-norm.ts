import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { ShapeError, TapegradError, noGrad, ones, zeros, type Tensor } from '@tapegrad/core';
import { batchNorm } from '../functional/batch-norm.js';
import { Module } from '../module.js';
import { parameter, type Parameter } from '../parameter.js';
import type { LayerOptions } from './layer-options.js';

/**
 * Options of {@link BatchNorm1d} and {@link BatchNorm2d}, with PyTorch's defaults.
 *
 * @example
 * ```ts
 * new BatchNorm2d(16, { momentum: 0.01, affine: false });
 * ```
 */
export interface BatchNormLayerOptions extends Omit<LayerOptions, 'bias' | 'generator'> {
  readonly eps?: number;
  /** Weight of each batch in the running averages (0.1); null for a cumulative average. */
  readonly momentum?: number | null;
  /** Learn a per-channel scale (ones) and shift (zeros). */
  readonly affine?: boolean;
  /** Keep running statistics for eval mode; without them, eval uses the batch's. */
  readonly trackRunningStats?: boolean;
}

/**
 * What the batch-norm layers share: per-channel parameters, the running mean
 * and unbiased running variance buffers, and the train/eval switch.
 *
 * @example
 * ```ts
 * const norms: BatchNorm[] = [new BatchNorm1d(4), new BatchNorm2d(4)];
 * ```
 */
export abstract class BatchNorm extends Module<[Tensor], Tensor> {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly trackRunningStats: boolean;
  /** `[numFeatures]`, or null without affine. */
  weight: Parameter | null;
  /** `[numFeatures]`, or null. */
  bias: Parameter | null;
  /** Running mean buffer (zeros at first), or null without tracking. */
  running_mean: Tensor | null;
  /** Running (unbiased) variance buffer (ones at first), or null. */
  running_var: Tensor | null;
  /** How many training batches updated the running statistics (int32, 0-d), or null. */
  num_batches_tracked: Tensor | null;

  protected constructor(
    private readonly layerName: string,
    private readonly inputDims: readonly number[],
    numFeatures: number,
    options: BatchNormLayerOptions,
  ) {
    super();
    checkOptions(layerName, options, nnOptionRules.BatchNorm);
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new TapegradError(`${layerName}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const dtype = options.dtype ?? 'float32';
    const affine = options.affine ?? true;
    this.weight = affine ? parameter(ones([numFeatures], { dtype })) : null;
    this.bias = affine ? parameter(zeros([numFeatures], { dtype })) : null;
    const track = this.trackRunningStats;
    this.running_mean = this.registerBuffer('running_mean', track ? zeros([numFeatures], { dtype }) : null);
    this.running_var = this.registerBuffer('running_var', track ? ones([numFeatures], { dtype }) : null);
    this.num_batches_tracked = this.registerBuffer('num_batches_tracked', track ? zeros([], { dtype: 'int32' }) : null);
  }

  /**
   * Resets the running statistics to their initial values.
   *
   * @example
   * ```ts
   * bn.resetRunningStats();
   * ```
   */
  resetRunningStats(): void {
    noGrad(() => {
      this.running_mean?.zero_();
      this.running_var?.fill_(1);
      this.num_batches_tracked?.zero_();
    });
  }

  /** `x` normalised per channel (dim 1). @example `bn.forward(features)` */
  forward(x: Tensor): Tensor {
    if (!this.inputDims.includes(x.ndim)) {
      const expected = this.inputDims.map((d) => `${d}-D`).join(' or ');
      throw new ShapeError(`${this.layerName}: expected ${expected} input, got shape [${x.shape.join(', ')}]`);
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${this.layerName}: input of shape [${x.shape.join(', ')}] has ${x.shape[1]} channels in dim 1, expected numFeatures = ${this.numFeatures}`);
    }
    let momentum = this.momentum ?? 0;
    if (this.training && this.num_batches_tracked !== null) {
      const tracked = this.num_batches_tracked;
      noGrad(() => tracked.add_(1));
      if (this.momentum === null) momentum = 1 / tracked.item();
    }
    // Eval without running statistics normalises with the batch's, as PyTorch.
    const useBatch = this.training || this.running_mean === null;
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.running_mean : null, track ? this.running_var : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatch,
      momentum,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation of `[N, C]` or `[N, C, L]` per channel, as PyTorch's `BatchNorm1d`.
 *
 * @example
 * ```ts
 * const bn = new BatchNorm1d(3);
 * bn.forward(randn([8, 3])); // training: batch statistics, running ones updated
 * bn.eval().forward(randn([2, 3])); // eval: running statistics
 * ```
 */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super('BatchNorm1d', [2, 3], numFeatures, options);
  }
}

/**
 * Batch normalisation of `[N, C, H, W]` per channel, as PyTorch's `BatchNorm2d`.
 *
 * @example
 * ```ts
 * new BatchNorm2d(16).forward(randn([4, 16, 8, 8])).shape; // [4, 16, 8, 8]
 * ```
 */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super('BatchNorm2d', [4], numFeatures, options);
  }
}
