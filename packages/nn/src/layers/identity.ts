import type { Tensor } from '@tapegrad/core';
import { Module } from '../module.js';

/**
 * Returns its input unchanged: a placeholder where a layer is optional.
 *
 * @example
 * ```ts
 * const norm = useNorm ? new LayerNorm([8]) : new Identity();
 * ```
 */
export class Identity extends Module<[Tensor], Tensor> {
  /** Returns `x`. @example `new Identity().forward(x) === x // true` */
  forward(x: Tensor): Tensor {
    return x;
  }
}
