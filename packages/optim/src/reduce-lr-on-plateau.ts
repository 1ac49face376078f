import { optionRules } from '@tapegrad/core';
import { Tensor } from '@tapegrad/core';
import { checkChoice, checkInteger, checkNonNegative, checkOptionKeys } from './check.js';
import { perGroup, throwIfInvalid, type SchedulerStateDict } from './lr-scheduler.js';
import { OptimError } from './optim-error.js';
import type { Optimizer } from './optimizer.js';

/**
 * Options of {@link ReduceLROnPlateau}.
 *
 * @example
 * ```ts
 * const o: ReduceLROnPlateauOptions = { mode: 'min', factor: 0.5, patience: 5 };
 * ```
 */
export interface ReduceLROnPlateauOptions {
  /** `'min'` (default): the metric should fall; `'max'`: it should rise. */
  readonly mode?: 'min' | 'max';
  /** Factor of each reduction, in (0, 1) (default 0.1). */
  readonly factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  readonly patience?: number;
  /** Smallest change that counts as an improvement (default 1e-4). */
  readonly threshold?: number;
  /** `'rel'` (default): relative to the best value; `'abs'`: absolute. */
  readonly thresholdMode?: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted (default 0). */
  readonly cooldown?: number;
  /** Lower bound of the learning rate, for all groups or one per group (default 0). */
  readonly minLr?: number | readonly number[];
  /** A reduction smaller than this is skipped (default 1e-8). */
  readonly eps?: number;
}

/**
 * Reduces the learning rate when a metric stops improving, as PyTorch:
 *
 * - improvement (mode min, rel): `metric < best·(1 − threshold)`; (min, abs):
 *   `metric < best − threshold`; (max, rel): `metric > best·(1 + threshold)`;
 *   (max, abs): `metric > best + threshold`;
 * - an improvement sets `best` and resets the bad-epoch count, anything else adds one;
 *   during cooldown the count stays 0;
 * - when the count exceeds `patience`: `lr ← max(lr·factor, minLr)` (skipped if
 *   the change is at most `eps`), the cooldown starts and the count resets.
 *
 * It reads and sets the groups' current `lr`, so it does not set `initialLr`.
 *
 * @example
 * ```ts
 * const sched = new ReduceLROnPlateau(opt, { patience: 5, factor: 0.5 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(validationLoss()); }
 * ```
 */
export class ReduceLROnPlateau {
  /** The optimizer whose groups' `lr` this scheduler sets. */
  readonly optimizer: Optimizer;
  /** Whether the metric should fall or rise. */
  readonly mode: 'min' | 'max';
  /** Factor of each reduction. */
  readonly factor: number;
  /** Epochs without improvement tolerated before reducing. */
  readonly patience: number;
  /** Smallest change that counts as an improvement. */
  readonly threshold: number;
  /** Whether `threshold` is relative or absolute. */
  readonly thresholdMode: 'rel' | 'abs';
  /** Epochs after a reduction during which bad epochs are not counted. */
  readonly cooldown: number;
  /** Lower bound of each group's learning rate. */
  readonly minLrs: readonly number[];
  /** A reduction smaller than this is skipped. */
  readonly eps: number;
  /** The best metric seen so far (±Infinity before the first step). */
  best: number;
  /** Consecutive epochs without improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Number of `step` calls. */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    checkOptionKeys('ReduceLROnPlateau', options, { mode: optionRules.any, factor: optionRules.any, patience: optionRules.any, threshold: optionRules.any, thresholdMode: optionRules.any, cooldown: optionRules.any, minLr: optionRules.any, eps: optionRules.any });
    const name = 'ReduceLROnPlateau';
    if (typeof optimizer !== 'object' || optimizer === null || !Array.isArray(optimizer.paramGroups)) {
      throw new OptimError(`${name}: expected an optimizer as first argument`);
    }
    const mode = options.mode ?? 'min';
    const factor = options.factor ?? 0.1;
    const thresholdMode = options.thresholdMode ?? 'rel';
    checkChoice(name, 'mode', mode, ['min', 'max']);
    if (typeof factor !== 'number' || !(factor > 0 && factor < 1)) {
      throw new OptimError(`${name}: invalid factor = ${String(factor)}; expected a number in (0, 1) (the learning rate is multiplied by it)`);
    }
    checkInteger(name, 'patience', options.patience ?? 10, 0);
    checkNonNegative(name, 'threshold', options.threshold ?? 1e-4);
    checkChoice(name, 'thresholdMode', thresholdMode, ['rel', 'abs']);
    checkInteger(name, 'cooldown', options.cooldown ?? 0, 0);
    checkNonNegative(name, 'eps', options.eps ?? 1e-8);
    const minLrs = perGroup(name, 'minLr', options.minLr ?? 0, optimizer.paramGroups.length);
    minLrs.forEach((v, i) => checkNonNegative(name, `minLr[${i}]`, v));
    this.optimizer = optimizer;
    this.mode = mode;
    this.factor = factor;
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = thresholdMode;
    this.cooldown = options.cooldown ?? 0;
    this.minLrs = minLrs;
    this.eps = options.eps ?? 1e-8;
    this.best = mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * Records one epoch's metric, reducing the learning rate after `patience` epochs without improvement.
   *
   * @example
   * ```ts
   * sched.step(valLoss);
   * ```
   */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== 'number') throw new OptimError(`ReduceLROnPlateau.step: expected the metric as a number or a one-element tensor, got ${typeof current}`);
    this.lastEpoch += 1;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * Whether the scheduler is in its cooldown after a reduction.
   *
   * @example
   * ```ts
   * sched.inCooldown; // false
   * ```
   */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (1 + threshold) : a > best + threshold;
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]!);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  /**
   * The learning rates after the last step, one per group.
   *
   * @example
   * ```ts
   * sched.getLastLr(); // [0.001]
   * ```
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * The counters as plain JSON (`best` as null before the first improvement, since JSON has no Infinity).
   *
   * @example
   * ```ts
   * const saved = JSON.stringify(sched.stateDict());
   * ```
   */
  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.lastEpoch,
      best: Number.isFinite(this.best) ? this.best : null,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastLr: [...this.lastLr],
    };
  }

  /**
   * Restores counters saved by {@link ReduceLROnPlateau.stateDict}.
   *
   * @example
   * ```ts
   * sched.loadStateDict(JSON.parse(saved) as SchedulerStateDict);
   * ```
   */
  loadStateDict(dict: SchedulerStateDict): void {
    const { lastEpoch, best, numBadEpochs, cooldownCounter, lastLr } = dict;
    if (
      typeof lastEpoch !== 'number' ||
      (typeof best !== 'number' && best !== null) ||
      typeof numBadEpochs !== 'number' ||
      typeof cooldownCounter !== 'number' ||
      !Array.isArray(lastLr) ||
      !lastLr.every((v): v is number => typeof v === 'number')
    ) {
      throw new OptimError('ReduceLROnPlateau.loadStateDict: expected { lastEpoch, best, numBadEpochs, cooldownCounter, lastLr } as stateDict() returns');
    }
    const problems: string[] = [];
    for (const [name, v, min] of [['lastEpoch', lastEpoch, 0], ['numBadEpochs', numBadEpochs, 0], ['cooldownCounter', cooldownCounter, 0]] as const) {
      if (!Number.isSafeInteger(v) || v < min) problems.push(`${name} must be an integer ≥ ${min}, got ${v}`);
    }
    if (typeof best === 'number' && Number.isNaN(best)) problems.push('best must be a number or null, got NaN');
    const groups = this.optimizer.paramGroups.length;
    if (lastLr.length !== groups) problems.push(`lastLr has ${lastLr.length} learning rates but the optimizer has ${groups} groups`);
    lastLr.forEach((v, i) => {
      if (!Number.isFinite(v) || v < 0) problems.push(`lastLr[${i}] must be a finite learning rate ≥ 0, got ${v}`);
    });
    throwIfInvalid('ReduceLROnPlateau.loadStateDict', problems);
    this.lastEpoch = lastEpoch;
    this.best = best ?? (this.mode === 'min' ? Infinity : -Infinity);
    this.numBadEpochs = numBadEpochs;
    this.cooldownCounter = cooldownCounter;
    this.lastLr = lastLr as number[];
  }
}
