import { optionRules } from '@tapegrad/core';
import { checkInteger, checkPositive, checkOptionKeys } from './check.js';
import { LRScheduler } from './lr-scheduler.js';
import type { Optimizer } from './optimizer.js';

/**
 * Options of {@link StepLR}.
 *
 * @example
 * ```ts
 * const o: StepLROptions = { stepSize: 30, gamma: 0.1 };
 * ```
 */
export interface StepLROptions {
  /** Epochs between decays (a positive integer). */
  readonly stepSize: number;
  /** Factor of each decay (default 0.1). */
  readonly gamma?: number;
  /** −1 to start (default); another value resumes. */
  readonly lastEpoch?: number;
}

/**
 * Decays the learning rate by `gamma` every `stepSize` epochs:
 *
 * lr_e = initialLr · γ^⌊e / stepSize⌋
 *
 * @example
 * ```ts
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 }); // 0.05 for e < 30, 0.005 for e < 60, …
 * ```
 */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  readonly stepSize: number;
  /** Factor of each decay. */
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    checkOptionKeys('StepLR', options, { stepSize: optionRules.any, gamma: optionRules.any, lastEpoch: optionRules.integer });
    const gamma = options.gamma ?? 0.1;
    checkInteger('StepLR', 'stepSize', options.stepSize, 1);
    checkPositive('StepLR', 'gamma', gamma);
    super('StepLR', optimizer, options.lastEpoch ?? -1);
    this.stepSize = options.stepSize;
    this.gamma = gamma;
    this.initialStep();
  }

  protected lrAt(epoch: number, baseLr: number): number {
    return baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}
