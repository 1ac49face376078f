import { optionRules } from '@tapegrad/core';
import { checkInteger, checkOptionKeys } from './check.js';
import { LRScheduler, throwIfInvalid, type SchedulerStateDict } from './lr-scheduler.js';
import { OptimError } from './optim-error.js';
import type { Optimizer } from './optimizer.js';

/**
 * Options of {@link SequentialLR}.
 *
 * @example
 * ```ts
 * const o: SequentialLROptions = { schedulers: [warmup, cosine], milestones: [5] };
 * ```
 */
export interface SequentialLROptions {
  /** The schedulers to run one after the other, all on the same optimizer. */
  readonly schedulers: readonly LRScheduler[];
  /** Epochs at which the next scheduler takes over (one fewer than the schedulers, increasing). */
  readonly milestones: readonly number[];
}

/**
 * Runs schedulers one after another: scheduler i drives epochs from
 * `milestones[i−1]` on; at its milestone it restarts from its own epoch 0, as
 * PyTorch's `scheduler.step(0)`. A typical use is a linear warm-up followed by
 * cosine annealing.
 *
 * @example
 * ```ts
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const cosine = new CosineAnnealingLR(opt, { tMax: 95 });
 * const sched = new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] });
 * ```
 */
export class SequentialLR extends LRScheduler {
  /** The schedulers, in order. */
  readonly schedulers: readonly LRScheduler[];
  /** Epochs at which the next scheduler takes over. */
  readonly milestones: readonly number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    checkOptionKeys('SequentialLR', options, { schedulers: optionRules.any, milestones: optionRules.any });
    const name = 'SequentialLR';
    const { schedulers, milestones } = options;
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new OptimError(`${name}: expected a non-empty list of schedulers`);
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new OptimError(`${name}: schedulers[${i}] is not an epoch-driven LRScheduler (ReduceLROnPlateau cannot be chained)`);
      if (s.optimizer !== optimizer) throw new OptimError(`${name}: schedulers[${i}] drives a different optimizer than the one given to SequentialLR`);
    });
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new OptimError(`${name}: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${Array.isArray(milestones) ? milestones.length : typeof milestones}`);
    }
    milestones.forEach((m, i) => {
      checkInteger(name, `milestones[${i}]`, m, 1);
      if (i > 0 && m <= milestones[i - 1]!) throw new OptimError(`${name}: milestones must be increasing, got [${milestones.join(', ')}]`);
    });
    super(name, optimizer, -1);
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    // Undo the first step each scheduler took when constructed; only the first one starts.
    for (const g of optimizer.paramGroups) g.lr = g.initialLr ?? g.lr;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.lastEpoch = 0;
    this.schedulers[0]!.step();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  /** Not used: {@link SequentialLR.step} hands each epoch to the active scheduler. */
  protected lrAt(_epoch: number, baseLr: number): number {
    return baseLr;
  }

  /**
   * Advances one epoch, through the scheduler whose span holds it.
   *
   * @example
   * ```ts
   * sched.step();
   * ```
   */
  override step(): void {
    this.lastEpoch += 1;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const scheduler = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.lastEpoch = -1; // restart at its epoch 0
    scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  /**
   * The counters of this scheduler and of each scheduler it runs, as plain JSON.
   *
   * @example
   * ```ts
   * const saved = JSON.stringify(sched.stateDict());
   * ```
   */
  override checkStateDict(dict: SchedulerStateDict): string[] {
    const problems = super.checkStateDict(dict);
    const subs = typeof dict === 'object' && dict !== null ? dict['schedulers'] : undefined;
    if (!Array.isArray(subs) || subs.length !== this.schedulers.length) return [...problems, `schedulers must hold the saved states of ${this.schedulers.length} schedulers`];
    this.schedulers.forEach((s, i) => problems.push(...s.checkStateDict(subs[i] as SchedulerStateDict).map((p) => `schedulers[${i}].${p}`)));
    return problems;
  }

  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  /**
   * Restores counters saved by {@link SequentialLR.stateDict}.
   *
   * @example
   * ```ts
   * sched.loadStateDict(JSON.parse(saved) as SchedulerStateDict);
   * ```
   */
  override loadStateDict(dict: SchedulerStateDict): void {
    throwIfInvalid('SequentialLR.loadStateDict', this.checkStateDict(dict));
    const subs = dict['schedulers'] as readonly SchedulerStateDict[];
    this.schedulers.forEach((s, i) => s.loadStateDict(subs[i] as SchedulerStateDict));
    super.loadStateDict(dict); // last, so that the groups' lr are the active scheduler's
  }
}
