import { optionRules } from '@tapegrad/core';
import { checkInteger, checkPositive, checkOptionKeys } from './check.js';
import { LRScheduler } from './lr-scheduler.js';
import { OptimError } from './optim-error.js';
import type { Optimizer } from './optimizer.js';

/**
 * Options of {@link MultiStepLR}.
 *
 * @example
 * ```ts
 * const o: MultiStepLROptions = { milestones: [30, 80], gamma: 0.1 };
 * ```
 */
export interface MultiStepLROptions {
  /** Epochs at which the learning rate decays (non-decreasing integers; a repeated one decays twice). */
  readonly milestones: readonly number[];
  /** Factor of each decay (default 0.1). */
  readonly gamma?: number;
  /** −1 to start (default); another value resumes. */
  readonly lastEpoch?: number;
}

/**
 * Decays the learning rate by `gamma` at each milestone:
 *
 * lr_e = initialLr · γ^(number of milestones ≤ e)
 *
 * @example
 * ```ts
 * const sched = new MultiStepLR(opt, { milestones: [30, 80] }); // 0.05, then 0.005 from 30, 0.0005 from 80
 * ```
 */
export class MultiStepLR extends LRScheduler {
  /** Epochs at which the learning rate decays, sorted. */
  readonly milestones: readonly number[];
  /** Factor of each decay. */
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    checkOptionKeys('MultiStepLR', options, { milestones: optionRules.any, gamma: optionRules.any, lastEpoch: optionRules.integer });
    const gamma = options.gamma ?? 0.1;
    if (!Array.isArray(options.milestones)) throw new OptimError(`MultiStepLR: milestones must be a list of integers, got ${typeof options.milestones}`);
    options.milestones.forEach((m, i) => checkInteger('MultiStepLR', `milestones[${i}]`, m, 0));
    for (let i = 1; i < options.milestones.length; i++) {
      if (options.milestones[i]! < options.milestones[i - 1]!) {
        throw new OptimError(`MultiStepLR: milestones must be non-decreasing, got [${options.milestones.join(', ')}]`);
      }
    }
    checkPositive('MultiStepLR', 'gamma', gamma);
    super('MultiStepLR', optimizer, options.lastEpoch ?? -1);
    this.milestones = [...options.milestones];
    this.gamma = gamma;
    this.initialStep();
  }

  protected lrAt(epoch: number, baseLr: number): number {
    const passed = this.milestones.filter((m) => m <= epoch).length;
    return baseLr * this.gamma ** passed;
  }
}
