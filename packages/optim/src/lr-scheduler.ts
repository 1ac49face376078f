import { checkInteger } from './check.js';
import { OptimError } from './optim-error.js';
import type { Optimizer } from './optimizer.js';

/**
 * A scheduler's state as plain JSON.
 *
 * @example
 * ```ts
 * const saved: SchedulerStateDict = sched.stateDict();
 * ```
 */
export type SchedulerStateDict = { readonly [key: string]: number | string | boolean | null | readonly number[] | readonly SchedulerStateDict[] };

/**
 * Base class of the epoch-driven learning-rate schedulers. Each subclass
 * computes the learning rate of every group in closed form from the group's
 * `initialLr` and {@link LRScheduler.lastEpoch} (PyTorch's `_get_closed_form_lr`),
 * so results do not drift with rounding; a `lr` changed by hand is replaced at
 * the next `step()`.
 *
 * Constructing a scheduler sets `initialLr` on every group that lacks it (to
 * the group's `lr`) and takes one step, to epoch 0, as PyTorch does.
 *
 * @example
 * ```ts
 * const sched = new StepLR(opt, { stepSize: 30, gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 * ```
 */
export abstract class LRScheduler {
  /** The optimizer whose groups' `lr` this scheduler sets. */
  readonly optimizer: Optimizer;
  /** The epoch (number of `step()` calls since construction, minus one before the first). */
  lastEpoch: number;
  /** The `initialLr` of each group, which the closed forms scale. */
  baseLrs: number[];
  /** The scheduler's name, as errors show it. */
  readonly schedulerName: string;
  /** The learning rates set by the last step, one per group. */
  protected lastLr: number[] = [];

  /**
   * @param name the scheduler's name for messages.
   * @param optimizer the optimizer to drive.
   * @param lastEpoch −1 to start; another value resumes, and then every group must have `initialLr`.
   */
  protected constructor(name: string, optimizer: Optimizer, lastEpoch = -1) {
    this.schedulerName = name;
    if (typeof optimizer !== 'object' || optimizer === null || !Array.isArray(optimizer.paramGroups)) {
      throw new OptimError(`${name}: expected an optimizer as first argument`);
    }
    checkInteger(name, 'lastEpoch', lastEpoch, -1);
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new OptimError(`${name}: initialLr is not set in paramGroups[${i}], which resuming with lastEpoch = ${lastEpoch} needs`);
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr ?? g.lr);
    this.lastEpoch = lastEpoch;
  }

  /**
   * The learning rate of group `groupIndex` at `epoch`, in closed form.
   * `baseLr` is the group's `initialLr`.
   */
  protected abstract lrAt(epoch: number, baseLr: number, groupIndex: number): number;

  /** The first step, to epoch 0; subclasses call it at the end of their constructor. */
  protected initialStep(): void {
    this.step();
  }

  /**
   * Advances one epoch and sets every group's `lr`.
   *
   * @example
   * ```ts
   * sched.step();
   * ```
   */
  step(): void {
    this.lastEpoch += 1;
    const epoch = this.lastEpoch;
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = this.lrAt(epoch, this.baseLrs[i] ?? g.lr, i);
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The learning rates this scheduler set last, one per group.
   *
   * @example
   * ```ts
   * sched.getLastLr(); // [0.01]
   * ```
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * The scheduler's counters as plain JSON: `lastEpoch`, `baseLrs` and `lastLr`
   * (subclasses add theirs). Hyperparameters are given to the constructor again.
   *
   * @example
   * ```ts
   * const saved = JSON.stringify(sched.stateDict());
   * ```
   */
  /**
   * Every problem that keeps `dict` from loading, one per entry (empty when
   * it loads): {@link LRScheduler.loadStateDict} checks it all before changing anything.
   *
   * @example
   * ```ts
   * sched.checkStateDict({ lastEpoch: -5, baseLrs: [0.1], lastLr: [0.1] }); // ['lastEpoch must be …']
   * ```
   */
  checkStateDict(dict: SchedulerStateDict): string[] {
    return checkSchedulerState(dict, this.optimizer.paramGroups.length);
  }

  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  /**
   * Restores counters saved by {@link LRScheduler.stateDict} and sets every
   * group's `lr` back to the saved last learning rate (constructing the
   * scheduler stepped to epoch 0 and overwrote it), so that training resumes
   * whether the optimizer's state is loaded before or after.
   *
   * @example
   * ```ts
   * sched.loadStateDict(JSON.parse(saved) as SchedulerStateDict);
   * ```
   */
  loadStateDict(dict: SchedulerStateDict): void {
    throwIfInvalid(`${this.schedulerName}.loadStateDict`, this.checkStateDict(dict));
    const { lastEpoch, baseLrs, lastLr } = dict as { lastEpoch: number; baseLrs: number[]; lastLr: number[] };
    this.lastEpoch = lastEpoch;
    this.baseLrs = [...baseLrs];
    this.lastLr = [...lastLr];
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lastLr[i]!));
  }
}

/**
 * Checks a saved state without loading it: every problem, one per line
 * (empty when it can be loaded).
 */
function checkSchedulerState(dict: unknown, groups: number): string[] {
  if (typeof dict !== 'object' || dict === null) return ['expected { lastEpoch: number, baseLrs: number[], lastLr: number[] } as stateDict() returns'];
  const { lastEpoch, baseLrs, lastLr } = dict as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof lastEpoch !== 'number' || !Number.isSafeInteger(lastEpoch) || lastEpoch < -1) problems.push(`lastEpoch must be an integer ≥ −1, got ${String(lastEpoch)}`);
  for (const [name, list] of [['baseLrs', baseLrs], ['lastLr', lastLr]] as const) {
    if (!Array.isArray(list)) problems.push(`${name} must be a list of ${groups} learning rates, got ${typeof list}`);
    else {
      if (list.length !== groups) problems.push(`${name} has ${list.length} learning rates but the optimizer has ${groups} groups`);
      list.forEach((v: unknown, i) => {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`${name}[${i}] must be a finite learning rate ≥ 0, got ${String(v)}`);
      });
    }
  }
  return problems;
}

/**
 * Throws one OptimError listing every problem of a saved state, if any.
 *
 * @example
 * ```ts
 * throwIfInvalid('StepLR.loadStateDict', ['lastEpoch must be an integer ≥ −1, got -5']);
 * ```
 */
export function throwIfInvalid(who: string, problems: readonly string[]): void {
  if (problems.length > 0) throw new OptimError(`${who}: the saved state is invalid, nothing was loaded:\n  - ${problems.join('\n  - ')}`);
}

/**
 * One value per parameter group, from a number or a list; `who` and `name` for messages.
 *
 * @example
 * ```ts
 * perGroup('OneCycleLR', 'maxLr', 0.1, 2); // [0.1, 0.1]
 * ```
 */
export function perGroup(who: string, name: string, v: number | readonly number[], groups: number): number[] {
  if (typeof v === 'number') return Array.from({ length: groups }, () => v);
  if (!Array.isArray(v) || v.length !== groups) {
    throw new OptimError(`${who}: expected ${name} to be a number or a list of ${groups} numbers (one per parameter group), got ${Array.isArray(v) ? `a list of ${v.length}` : typeof v}`);
  }
  return [...v];
}
