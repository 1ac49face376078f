import { f32x4Add, f32x4Div, f32x4Mul, f32x4Pmax, f32x4Pmin, f32x4Splat4, get, set, type Code } from '../emitter/wasm-emitter.js';

// erf x ≈ x·P(x²)/Q(x²) on x clamped to [−4, 4] (erf is ±1 in float32 beyond),
// the rational minimax form of Eigen's float erf: within 3e−7 of erf
// (about 4 ulp near 1) over the whole line, and odd, so erf(−0) = −0.
const P = [-2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5, -7.34990630326855e-4, -2.95459980854025e-3, -1.60960333262415e-2];
const Q = [-1.4566071846499599e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3, -1.42647390514189e-2];

/**
 * `erf x` on four f32 lanes, for the exact GELU. The clamp uses
 * `pmin`/`pmax`, which keep a NaN. Uses the two v128 locals `x` (consumed)
 * and `x2`.
 *
 * @example
 * ```ts
 * const code = [...set(x, v128Load(get(p))), ...erfSimd(x, x2)]; // leaves erf x on the stack
 * ```
 */
export function erfSimd(x: number, x2: number): Code {
  const c = f32x4Splat4;
  const horner = (coefficients: readonly number[]): Code => {
    let acc: Code = c(coefficients[0]!);
    for (const k of coefficients.slice(1)) acc = f32x4Add(f32x4Mul(acc, get(x2)), c(k));
    return acc;
  };
  return [
    ...set(x, f32x4Pmin(f32x4Pmax(get(x), c(-4)), c(4))),
    ...set(x2, f32x4Mul(get(x), get(x))),
    ...f32x4Div(f32x4Mul(horner(P), get(x)), horner(Q)),
  ];
}
