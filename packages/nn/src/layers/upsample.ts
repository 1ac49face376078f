import { TapegradError, checkOptions, type Tensor } from '@tapegrad/core';
import { interpolate, type InterpolateOptions } from '../functional/interpolate.js';
import { nnOptionRules } from '../option-rules.js';
import { Module } from '../module.js';

const fmt = (v: number | readonly number[]): string => (typeof v === 'number' ? String(v) : `[${v.join(', ')}]`);

/**
 * Resizing as a layer, PyTorch's `Upsample`: {@link interpolate} with the
 * options given here (exactly one of `size` and `scaleFactor`; mode
 * `'nearest'` by default). It has no parameters.
 *
 * @example
 * ```ts
 * new Upsample({ scaleFactor: 2, mode: 'bilinear' }).forward(randn([1, 3, 4, 4])).shape; // [1, 3, 8, 8]
 * ```
 */
export class Upsample extends Module<[Tensor], Tensor> {
  readonly options: InterpolateOptions;

  constructor(options: InterpolateOptions) {
    super();
    const name = this.constructor.name;
    checkOptions(name, options, nnOptionRules.Upsample);
    if ((options.size === undefined) === (options.scaleFactor === undefined)) {
      throw new TapegradError(`${name}: give exactly one of size and scaleFactor, got ${options.size === undefined ? 'neither' : 'both'}`);
    }
    this.options = options;
  }

  /** `x` resized. @example `up.forward(features)` */
  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    const what = o.size !== undefined ? `size=${fmt(o.size)}` : `scaleFactor=${fmt(o.scaleFactor!)}`;
    return `${what}, mode=${o.mode ?? 'nearest'}${o.alignCorners === undefined ? '' : `, alignCorners=${o.alignCorners}`}`;
  }
}

/**
 * The size of {@link UpsamplingNearest2d} and {@link UpsamplingBilinear2d}:
 * exactly one of `size` and `scaleFactor`.
 *
 * @example
 * ```ts
 * const opts: UpsamplingOptions = { scaleFactor: 2 };
 * ```
 */
export type UpsamplingOptions = Pick<InterpolateOptions, 'size' | 'scaleFactor'>;

/**
 * Nearest-neighbour upsampling of `[N, C, H, W]`, PyTorch's `UpsamplingNearest2d`.
 *
 * @example
 * ```ts
 * new UpsamplingNearest2d({ scaleFactor: 2 }).forward(randn([1, 1, 2, 2])).shape; // [1, 1, 4, 4]
 * ```
 */
export class UpsamplingNearest2d extends Upsample {
  constructor(options: UpsamplingOptions) {
    checkOptions('UpsamplingNearest2d', options, nnOptionRules.Upsampling2d);
    super({ ...options, mode: 'nearest' });
  }
}

/**
 * Bilinear upsampling of `[N, C, H, W]` with aligned corners, PyTorch's `UpsamplingBilinear2d`.
 *
 * @example
 * ```ts
 * new UpsamplingBilinear2d({ size: [3, 5] }).forward(randn([1, 1, 2, 2])).shape; // [1, 1, 3, 5]
 * ```
 */
export class UpsamplingBilinear2d extends Upsample {
  constructor(options: UpsamplingOptions) {
    checkOptions('UpsamplingBilinear2d', options, nnOptionRules.Upsampling2d);
    super({ ...options, mode: 'bilinear', alignCorners: true });
  }
}
