import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import type { Generator, Tensor } from '@tapegrad/core';
import { checkDropProbability, dropout } from '../functional/dropout.js';
import { Module } from '../module.js';

/**
 * Inverted dropout while training (each element zeroed with probability `p`,
 * the rest scaled by `1/(1 − p)`); the identity in eval mode. A generator
 * makes the masks reproducible.
 *
 * @example
 * ```ts
 * const drop = new Dropout(0.1, { generator: new Generator(0) });
 * drop.forward(x); // training
 * drop.eval().forward(x); // x itself
 * ```
 */
export class Dropout extends Module<[Tensor], Tensor> {
  readonly p: number;
  /** The source of the masks (the default generator when undefined). */
  generator: Generator | undefined;

  constructor(p = 0.5, options: { readonly generator?: Generator | undefined } = {}) {
    super();
    checkOptions('Dropout', options, nnOptionRules.Dropout);
    checkDropProbability('Dropout', p);
    this.p = p;
    this.generator = options.generator;
  }

  /** `x` with dropout applied when training. @example `drop.forward(h)` */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training, generator: this.generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
