import { checkOptions, optionRules, randperm, type Generator, type OptionRules } from '@tapegrad/core';
import { Subset, type Dataset } from './dataset.js';
import { DataError } from './errors.js';

/**
 * Options of {@link randomSplit}.
 *
 * @example
 * ```ts
 * const opts: RandomSplitOptions = { generator: new Generator(42) };
 * ```
 */
export interface RandomSplitOptions {
  /** Draws the permutation (core's default generator otherwise). */
  readonly generator?: Generator;
}

const randomSplitRules: OptionRules = { generator: optionRules.generator };

/**
 * Splits a dataset into non-overlapping random subsets, PyTorch's
 * `random_split`. `lengths` are either counts that add up to the dataset's
 * length, or fractions that add up to 1: each subset gets `floor(fraction · n)`
 * items and the remainder is dealt one item at a time to the subsets in order.
 * One permutation of the whole dataset is drawn from `generator` and cut in order.
 *
 * @example
 * ```ts
 * const [train, val] = randomSplit(dataset, [0.8, 0.2], { generator: new Generator(42) });
 * ```
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], options: RandomSplitOptions = {}): Subset<T>[] {
  checkOptions('randomSplit', options, randomSplitRules);
  const n = dataset.length;
  if (!Array.isArray(lengths) || lengths.length === 0 || !lengths.every((l) => typeof l === 'number' && Number.isFinite(l) && l >= 0)) {
    throw new DataError(`randomSplit: lengths must be a non-empty list of counts or fractions >= 0, got ${JSON.stringify(lengths)}`);
  }
  let counts = [...lengths];
  const sum = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) <= 1e-9 && lengths.every((l) => l <= 1)) {
    // Fractions, as in PyTorch: floors first, then the remainder round-robin.
    counts = lengths.map((f) => Math.floor(n * f));
    let remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; remainder > 0; i = (i + 1) % counts.length, remainder--) counts[i]! += 1;
  } else if (!lengths.every(Number.isInteger)) {
    throw new DataError(`randomSplit: lengths ${JSON.stringify(lengths)} are neither counts (integers) nor fractions adding up to 1`);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== n) {
    throw new DataError(`randomSplit: lengths ${JSON.stringify(lengths)} add up to ${total}, but the dataset has ${n} items`);
  }
  const perm = Array.from(randperm(n, options.generator === undefined ? { device: 'cpu' } : { device: 'cpu', generator: options.generator }).data);
  const out: Subset<T>[] = [];
  let offset = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, perm.slice(offset, offset + c)));
    offset += c;
  }
  return out;
}
