import type { Tensor } from '@tapegrad/core';
import { Module } from '../module.js';

/**
 * Flattens dims `startDim..endDim` into one (by default all but the batch dim).
 *
 * @example
 * ```ts
 * new Flatten().forward(zeros([8, 3, 4, 4])).shape; // [8, 48]
 * ```
 */
export class Flatten extends Module<[Tensor], Tensor> {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }

  /** `x.flatten(startDim, endDim)`. @example `flatten.forward(images)` */
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
