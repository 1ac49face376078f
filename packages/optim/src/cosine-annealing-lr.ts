import { optionRules } from '@tapegrad/core';
import { checkNonNegative, checkPositive, checkOptionKeys } from './check.js';
import { LRScheduler } from './lr-scheduler.js';
import type { Optimizer } from './optimizer.js';

/**
 * Options of {@link CosineAnnealingLR}.
 *
 * @example
 * ```ts
 * const o: CosineAnnealingLROptions = { tMax: 100, etaMin: 1e-5 };
 * ```
 */
export interface CosineAnnealingLROptions {
  /** Epochs of half a cosine period: the learning rate reaches `etaMin` at `tMax`. */
  readonly tMax: number;
  /** Minimum learning rate (default 0). */
  readonly etaMin?: number;
  /** −1 to start (default); another value resumes. */
  readonly lastEpoch?: number;
}

/**
 * Anneals the learning rate along a cosine, in PyTorch's closed form
 * (`_get_closed_form_lr`, without restarts; past `tMax` it rises again):
 *
 * lr_e = η_min + (initialLr − η_min) · (1 + cos(π·e / T_max)) / 2
 *
 * @example
 * ```ts
 * const sched = new CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Epochs of half a cosine period. */
  readonly tMax: number;
  /** Minimum learning rate. */
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    checkOptionKeys('CosineAnnealingLR', options, { tMax: optionRules.any, etaMin: optionRules.any, lastEpoch: optionRules.integer });
    const etaMin = options.etaMin ?? 0;
    checkPositive('CosineAnnealingLR', 'tMax', options.tMax);
    checkNonNegative('CosineAnnealingLR', 'etaMin', etaMin);
    super('CosineAnnealingLR', optimizer, options.lastEpoch ?? -1);
    this.tMax = options.tMax;
    this.etaMin = etaMin;
    this.initialStep();
  }

  protected lrAt(epoch: number, baseLr: number): number {
    return this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}
