/**
 * A deterministic uniform generator on [0, 1) (a linear congruential one), so
 * that test failures reproduce.
 *
 * @example
 * ```ts
 * const r = rng(7);
 * r(); // the same number on every run
 * ```
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
