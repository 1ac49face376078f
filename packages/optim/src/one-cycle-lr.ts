import { optionRules } from '@tapegrad/core';
import { checkBoolean, checkChoice, checkInRange, checkInteger, checkNonNegative, checkPositive, checkOptionKeys } from './check.js';
import { LRScheduler, perGroup } from './lr-scheduler.js';
import { OptimError } from './optim-error.js';
import type { Optimizer } from './optimizer.js';

/**
 * Options of {@link OneCycleLR}. Give `totalSteps`, or `epochs` and `stepsPerEpoch`.
 *
 * @example
 * ```ts
 * const o: OneCycleLROptions = { maxLr: 0.1, totalSteps: 1000 };
 * ```
 */
export interface OneCycleLROptions {
  /** Peak learning rate, one for all groups or one per group. */
  readonly maxLr: number | readonly number[];
  /** Steps in the cycle. */
  readonly totalSteps?: number;
  /** With `stepsPerEpoch`, gives `totalSteps = epochs · stepsPerEpoch`. */
  readonly epochs?: number;
  /** With `epochs`, gives `totalSteps = epochs · stepsPerEpoch`. */
  readonly stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the learning rate (default 0.3). */
  readonly pctStart?: number;
  /** How the learning rate moves within a phase: `'cos'` (default) or `'linear'`. */
  readonly annealStrategy?: 'cos' | 'linear';
  /** `initialLr = maxLr / divFactor` (default 25). */
  readonly divFactor?: number;
  /** `minLr = initialLr / finalDivFactor` (default 1e4). */
  readonly finalDivFactor?: number;
  /** Three phases (up, back down to `initialLr`, then down to `minLr`) instead of two (default false). */
  readonly threePhase?: boolean;
  /** −1 to start (default); another value resumes. */
  readonly lastEpoch?: number;
}

interface Phase {
  readonly endStep: number;
  readonly from: 'initial' | 'max';
  readonly to: 'initial' | 'max' | 'min';
}

/**
 * The 1cycle policy (Smith & Topin): the learning rate rises from
 * `initialLr = maxLr / divFactor` to `maxLr` over the first `pctStart` of the
 * steps, then falls to `minLr = initialLr / finalDivFactor` (with `threePhase`,
 * it first returns to `initialLr` symmetrically). Step it after every batch.
 * Within a phase running from step a to step b, with p = (t − a)/(b − a):
 *
 * - cos: lr = end + (start − end)/2 · (1 + cos(π·p))
 * - linear: lr = start + (end − start)·p
 *
 * The phases end at steps `pctStart·T − 1` and `T − 1` (three phases:
 * `pctStart·T − 1`, `2·pctStart·T − 2`, `T − 1`), as PyTorch. PyTorch's momentum
 * cycling (`cycle_momentum`) is not implemented: momentum and betas stay as set.
 * Stepping more than `totalSteps` times throws.
 *
 * @example
 * ```ts
 * const sched = new OneCycleLR(opt, { maxLr: 0.1, totalSteps: epochs * batches });
 * for (const batch of data) { train(batch); opt.step(); sched.step(); }
 * ```
 */
export class OneCycleLR extends LRScheduler {
  /** Steps in the cycle. */
  readonly totalSteps: number;
  /** How the learning rate moves within a phase. */
  readonly annealStrategy: 'cos' | 'linear';
  private readonly phases: readonly Phase[];
  private readonly maxLrs: readonly number[];
  private readonly initialLrs: readonly number[];
  private readonly minLrs: readonly number[];

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    checkOptionKeys('OneCycleLR', options, { maxLr: optionRules.any, totalSteps: optionRules.any, epochs: optionRules.any, stepsPerEpoch: optionRules.any, pctStart: optionRules.any, annealStrategy: optionRules.any, divFactor: optionRules.any, finalDivFactor: optionRules.any, threePhase: optionRules.any, lastEpoch: optionRules.integer });
    const name = 'OneCycleLR';
    let totalSteps: number;
    if (options.totalSteps !== undefined) {
      checkInteger(name, 'totalSteps', options.totalSteps, 1);
      totalSteps = options.totalSteps;
    } else if (options.epochs !== undefined && options.stepsPerEpoch !== undefined) {
      checkInteger(name, 'epochs', options.epochs, 1);
      checkInteger(name, 'stepsPerEpoch', options.stepsPerEpoch, 1);
      totalSteps = options.epochs * options.stepsPerEpoch;
    } else {
      throw new OptimError(`${name}: give totalSteps, or both epochs and stepsPerEpoch`);
    }
    const pctStart = options.pctStart ?? 0.3;
    const annealStrategy = options.annealStrategy ?? 'cos';
    const divFactor = options.divFactor ?? 25;
    const finalDivFactor = options.finalDivFactor ?? 1e4;
    const threePhase = options.threePhase ?? false;
    checkInRange(name, 'pctStart', pctStart, 0, 1, true);
    checkChoice(name, 'annealStrategy', annealStrategy, ['cos', 'linear']);
    checkPositive(name, 'divFactor', divFactor);
    checkPositive(name, 'finalDivFactor', finalDivFactor);
    checkBoolean(name, 'threePhase', threePhase);
    const maxLrs = perGroup(name, 'maxLr', options.maxLr, optimizer.paramGroups.length);
    maxLrs.forEach((v, i) => checkNonNegative(name, `maxLr[${i}]`, v));
    const initialLrs = maxLrs.map((m) => m / divFactor);
    const lastEpoch = options.lastEpoch ?? -1;
    // As PyTorch, a fresh 1cycle schedule defines each group's initialLr itself.
    if (lastEpoch === -1) optimizer.paramGroups.forEach((g, i) => (g.initialLr = initialLrs[i]!));
    super(name, optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    this.annealStrategy = annealStrategy;
    this.maxLrs = maxLrs;
    this.initialLrs = initialLrs;
    this.minLrs = initialLrs.map((v) => v / finalDivFactor);
    const up = pctStart * totalSteps - 1;
    this.phases = threePhase
      ? [
          { endStep: up, from: 'initial', to: 'max' },
          { endStep: 2 * pctStart * totalSteps - 2, from: 'max', to: 'initial' },
          { endStep: totalSteps - 1, from: 'initial', to: 'min' },
        ]
      : [
          { endStep: up, from: 'initial', to: 'max' },
          { endStep: totalSteps - 1, from: 'max', to: 'min' },
        ];
    this.initialStep();
  }

  /**
   * Advances one step; throws once the cycle's `totalSteps` are used up.
   *
   * @example
   * ```ts
   * sched.step();
   * ```
   */
  override step(): void {
    if (this.lastEpoch + 1 > this.totalSteps) {
      throw new OptimError(`OneCycleLR: tried to step ${this.lastEpoch + 1} times; the schedule has totalSteps = ${this.totalSteps}`);
    }
    super.step();
  }

  protected lrAt(step: number, _baseLr: number, groupIndex: number): number {
    const value = { initial: this.initialLrs[groupIndex]!, max: this.maxLrs[groupIndex]!, min: this.minLrs[groupIndex]! };
    let startStep = 0;
    for (let i = 0; i < this.phases.length; i++) {
      const phase = this.phases[i]!;
      if (step <= phase.endStep || i === this.phases.length - 1) {
        const span = phase.endStep - startStep;
        const pct = span > 0 ? (step - startStep) / span : 0;
        return this.anneal(value[phase.from], value[phase.to], pct);
      }
      startStep = phase.endStep;
    }
    return value.min;
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }
}
