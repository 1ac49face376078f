import { checkOptions, type OptionRules } from '@tapegrad/core';
import { OptimError } from './optim-error.js';

function show(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'string') return `'${v}'`;
  try {
    return JSON.stringify(v);
  } catch {
    return typeof v;
  }
}

/**
 * Throws unless `v` is a finite number `>= 0`.
 *
 * @example
 * ```ts
 * checkNonNegative('Adam', 'eps', 1e-8);
 * ```
 */
export function checkNonNegative(who: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new OptimError(`${who}: invalid ${name} = ${show(v)}; expected a finite number >= 0`);
  }
}

/**
 * Throws unless `v` is a finite number `> 0`.
 *
 * @example
 * ```ts
 * checkPositive('ExponentialLR', 'gamma', 0.9);
 * ```
 */
export function checkPositive(who: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new OptimError(`${who}: invalid ${name} = ${show(v)}; expected a finite number > 0`);
  }
}

/**
 * Throws unless `v` is an integer `>= min`.
 *
 * @example
 * ```ts
 * checkInteger('StepLR', 'stepSize', 30, 1);
 * ```
 */
export function checkInteger(who: string, name: string, v: unknown, min: number): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new OptimError(`${who}: invalid ${name} = ${show(v)}; expected an integer >= ${min}`);
  }
}

/**
 * Throws unless `v` is a number in `[lo, hi)` (or `[lo, hi]` when `closed`).
 *
 * @example
 * ```ts
 * checkInRange('Adam', 'betas[0]', 0.9, 0, 1);
 * ```
 */
export function checkInRange(who: string, name: string, v: unknown, lo: number, hi: number, closed = false): asserts v is number {
  const ok = typeof v === 'number' && v >= lo && (closed ? v <= hi : v < hi);
  if (!ok) throw new OptimError(`${who}: invalid ${name} = ${show(v)}; expected a number in [${lo}, ${hi}${closed ? ']' : ')'}`);
}

/**
 * Throws unless `v` is a pair of numbers, each in `[0, 1)`.
 *
 * @example
 * ```ts
 * checkBetas('Adam', [0.9, 0.999]);
 * ```
 */
export function checkBetas(who: string, v: unknown): asserts v is readonly [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw new OptimError(`${who}: invalid betas = ${show(v)}; expected a pair [beta1, beta2] with each in [0, 1)`);
  checkInRange(who, 'betas[0]', v[0], 0, 1);
  checkInRange(who, 'betas[1]', v[1], 0, 1);
}

/**
 * Throws unless `v` is a boolean.
 *
 * @example
 * ```ts
 * checkBoolean('SGD', 'nesterov', false);
 * ```
 */
export function checkBoolean(who: string, name: string, v: unknown): asserts v is boolean {
  if (typeof v !== 'boolean') throw new OptimError(`${who}: invalid ${name} = ${show(v)}; expected true or false`);
}

/**
 * Throws unless `v` is one of `choices`.
 *
 * @example
 * ```ts
 * checkChoice('ReduceLROnPlateau', 'mode', 'min', ['min', 'max']);
 * ```
 */
export function checkChoice<C extends string>(who: string, name: string, v: unknown, choices: readonly C[]): asserts v is C {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new OptimError(`${who}: invalid ${name} = ${show(v)}; expected one of ${choices.map((c) => `'${c}'`).join(', ')}`);
  }
}

/**
 * Checks an options object against the keys `who` accepts (core's
 * `checkOptions`, throwing an {@link OptimError}): an unknown key names the
 * accepted ones and the closest, such as `weightDecay` for `weight_decay`.
 *
 * @example
 * ```ts
 * checkOptionKeys('StepLR', { stepSize: 30 }, { stepSize: optionRules.any, gamma: optionRules.any, lastEpoch: optionRules.integer });
 * ```
 */
export function checkOptionKeys(who: string, options: unknown, rules: OptionRules): void {
  checkOptions(who, options, rules, { error: OptimError });
}
