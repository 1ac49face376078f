import { optionRules } from '@tapegrad/core';
import { checkPositive, checkOptionKeys } from './check.js';
import { LRScheduler } from './lr-scheduler.js';
import type { Optimizer } from './optimizer.js';

/**
 * Options of {@link ExponentialLR}.
 *
 * @example
 * ```ts
 * const o: ExponentialLROptions = { gamma: 0.95 };
 * ```
 */
export interface ExponentialLROptions {
  /** Factor of the decay each epoch. */
  readonly gamma: number;
  /** −1 to start (default); another value resumes. */
  readonly lastEpoch?: number;
}

/**
 * Decays the learning rate by `gamma` every epoch:
 *
 * lr_e = initialLr · γ^e
 *
 * @example
 * ```ts
 * const sched = new ExponentialLR(opt, { gamma: 0.95 });
 * ```
 */
export class ExponentialLR extends LRScheduler {
  /** Factor of the decay each epoch. */
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    checkOptionKeys('ExponentialLR', options, { gamma: optionRules.any, lastEpoch: optionRules.integer });
    checkPositive('ExponentialLR', 'gamma', options.gamma);
    super('ExponentialLR', optimizer, options.lastEpoch ?? -1);
    this.gamma = options.gamma;
    this.initialStep();
  }

  protected lrAt(epoch: number, baseLr: number): number {
    return baseLr * this.gamma ** epoch;
  }
}
