const TWO_OVER_SQRT_PI = 1.1283791670955126;
const SQRT_PI = 1.7724538509055159;

/**
 * The error function to float64 accuracy: a series of positive terms below
 * |x| = 3 (no cancellation), the continued fraction of erfc above.
 *
 * @example
 * ```ts
 * erf(1); // 0.8427007929497149
 * ```
 */
export function erf(x: number): number {
  if (Number.isNaN(x) || x === 0) return x; // erf(-0) is -0
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  let r: number;
  if (a < 3) {
    // erf(x) = 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (2n+1)!!
    const x2 = 2 * a * a;
    let term = a;
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= x2 / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    r = TWO_OVER_SQRT_PI * Math.exp(-a * a) * sum;
  } else {
    // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
    let f = a;
    for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
    r = 1 - Math.exp(-a * a) / (SQRT_PI * f);
  }
  return x < 0 ? -r : r;
}
