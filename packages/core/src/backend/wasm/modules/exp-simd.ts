import {
  f32x4Add,
  f32x4Pmax,
  f32x4Pmin,
  f32x4Mul,
  f32x4Splat4,
  f32x4Sub,
  get,
  i32,
  i32x4Add,
  i32x4Shl,
  i32x4ShrS,
  i32x4Splat4,
  i32x4Sub,
  set,
  tee,
  type Code,
} from '../emitter/wasm-emitter.js';

// Cody–Waite split of ln 2 and the minimax polynomial of Cephes' expf, good to
// about one ulp on |r| ≤ ln2/2.
const LOG2E = Math.LOG2E;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/** 1.5·2²³: adding it rounds a float of magnitude below 2²² to an integer (ties to even), which its low mantissa bits then hold. */
const MAGIC = 12582912;
const MAGIC_BITS = 0x4b400000;

/**
 * `eˣ` on four f32 lanes: `x = n·ln2 + r`, `eʳ` by a degree-7 polynomial, and
 * `2ⁿ` applied as two exponent-field products `2^(n/2)·2^(n−n/2)`, so that
 * results in the subnormal range and overflow to ∞ round like a correctly
 * scaled product. The input is clamped to [−104, 89] first (beyond it the
 * answer is 0 or ∞ anyway) with `pmin`/`pmax`, which keep a NaN (and are one
 * instruction each on x64, where `min`/`max` take several); `n` is rounded
 * by adding 1.5·2²³, whose bits then hold it as an integer, instead of a
 * `nearest` and a saturating conversion. Uses the three v128 locals `x`, `n`,
 * `r` (the value of `x` is consumed).
 *
 * @example
 * ```ts
 * const code = [...set(x, v128Load(get(p))), ...expSimd(x, n, r)]; // leaves eˣ on the stack
 * ```
 */
export function expSimd(x: number, n: number, r: number): Code {
  const c = f32x4Splat4;
  let poly: Code = c(P[0]!);
  for (const k of P.slice(1)) poly = f32x4Add(f32x4Mul(poly, get(x)), c(k));
  const scale = (e: Code): Code => i32x4Shl(i32x4Add(e, i32x4Splat4(127)), i32(23));
  return [
    ...set(x, f32x4Pmin(f32x4Pmax(get(x), c(-104)), c(89))),
    // n holds x·log2(e) + 1.5·2²³, r the rounded float n, then x the reduced argument.
    ...set(n, f32x4Add(f32x4Mul(get(x), c(LOG2E)), c(MAGIC))),
    ...set(r, f32x4Sub(get(n), c(MAGIC))),
    ...set(x, f32x4Sub(f32x4Sub(get(x), f32x4Mul(get(r), c(LN2_HI))), f32x4Mul(get(r), c(LN2_LO)))),
    ...set(n, i32x4Sub(get(n), i32x4Splat4(MAGIC_BITS))),
    // eʳ ≈ 1 + r + r²·P(r)
    ...set(x, f32x4Add(f32x4Add(f32x4Mul(f32x4Mul(poly, get(x)), get(x)), get(x)), c(1))),
    ...f32x4Mul(f32x4Mul(get(x), scale(tee(r, i32x4ShrS(get(n), i32(1))))), scale(i32x4Sub(get(n), get(r)))),
  ];
}
