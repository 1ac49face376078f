import { optionRules } from '@tapegrad/core';
import { checkInRange, checkInteger, checkOptionKeys } from './check.js';
import { LRScheduler } from './lr-scheduler.js';
import { OptimError } from './optim-error.js';
import type { Optimizer } from './optimizer.js';

/**
 * Options of {@link LinearLR}.
 *
 * @example
 * ```ts
 * const o: LinearLROptions = { startFactor: 0.1, endFactor: 1, totalIters: 5 };
 * ```
 */
export interface LinearLROptions {
  /** Factor at epoch 0, in (0, 1] (default 1/3). */
  readonly startFactor?: number;
  /** Factor from `totalIters` on, in [0, 1] (default 1). */
  readonly endFactor?: number;
  /** Epochs over which the factor moves (default 5). */
  readonly totalIters?: number;
  /** −1 to start (default); another value resumes. */
  readonly lastEpoch?: number;
}

/**
 * Scales the learning rate by a factor that moves linearly from `startFactor`
 * to `endFactor` over `totalIters` epochs (a warm-up when it grows):
 *
 * lr_e = initialLr · (s + (f − s) · min(e, T) / T)
 *
 * @example
 * ```ts
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * ```
 */
export class LinearLR extends LRScheduler {
  /** Factor at epoch 0. */
  readonly startFactor: number;
  /** Factor from `totalIters` on. */
  readonly endFactor: number;
  /** Epochs over which the factor moves. */
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    checkOptionKeys('LinearLR', options, { startFactor: optionRules.any, endFactor: optionRules.any, totalIters: optionRules.any, lastEpoch: optionRules.integer });
    const startFactor = options.startFactor ?? 1 / 3;
    const endFactor = options.endFactor ?? 1;
    const totalIters = options.totalIters ?? 5;
    if (typeof startFactor !== 'number' || !(startFactor > 0 && startFactor <= 1)) {
      throw new OptimError(`LinearLR: invalid startFactor = ${String(startFactor)}; expected a number in (0, 1]`);
    }
    checkInRange('LinearLR', 'endFactor', endFactor, 0, 1, true);
    checkInteger('LinearLR', 'totalIters', totalIters, 1);
    super('LinearLR', optimizer, options.lastEpoch ?? -1);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  protected lrAt(epoch: number, baseLr: number): number {
    return baseLr * (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(this.totalIters, epoch)) / this.totalIters);
  }
}
