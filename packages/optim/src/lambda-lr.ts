import { checkOptionKeys } from './check.js';
import { optionRules } from '@tapegrad/core';
import { LRScheduler } from './lr-scheduler.js';
import { OptimError } from './optim-error.js';
import type { Optimizer } from './optimizer.js';

/**
 * Options of {@link LambdaLR}.
 *
 * @example
 * ```ts
 * const o: LambdaLROptions = { lrLambda: (epoch) => 0.95 ** epoch };
 * ```
 */
export interface LambdaLROptions {
  /** The factor at each epoch: one function, or one per parameter group. */
  readonly lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[];
  /** −1 to start (default); another value resumes. */
  readonly lastEpoch?: number;
}

/**
 * Sets the learning rate to the initial one times a function of the epoch:
 *
 * lr_e = initialLr · λ(e)
 *
 * The functions are not part of the state dict; construct the scheduler with them again.
 *
 * @example
 * ```ts
 * const sched = new LambdaLR(opt, { lrLambda: (e) => 1 / (1 + e) });
 * ```
 */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: readonly ((epoch: number) => number)[];

  constructor(optimizer: Optimizer, options: LambdaLROptions) {
    checkOptionKeys('LambdaLR', options, { lrLambda: optionRules.any, lastEpoch: optionRules.integer });
    const groups = optimizer.paramGroups.length;
    const given = options.lrLambda;
    let lambdas: ((epoch: number) => number)[];
    if (typeof given === 'function') lambdas = Array.from({ length: groups }, () => given);
    else if (Array.isArray(given) && given.length === groups && given.every((f) => typeof f === 'function')) lambdas = [...given];
    else {
      throw new OptimError(`LambdaLR: lrLambda must be a function or a list of ${groups} functions (one per parameter group), got ${Array.isArray(given) ? `a list of ${given.length}` : typeof given}`);
    }
    super('LambdaLR', optimizer, options.lastEpoch ?? -1);
    this.lambdas = lambdas;
    this.initialStep();
  }

  protected lrAt(epoch: number, baseLr: number, groupIndex: number): number {
    const factor = this.lambdas[groupIndex]!(epoch);
    if (typeof factor !== 'number' || Number.isNaN(factor)) {
      throw new OptimError(`LambdaLR: lrLambda of group ${groupIndex} returned ${String(factor)} at epoch ${epoch}; expected a number`);
    }
    return baseLr * factor;
  }
}
