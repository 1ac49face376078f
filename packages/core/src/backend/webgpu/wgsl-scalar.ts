import type { GpuDType } from './gpu-buffer.js';

// Scalar helpers shared by every generated shader, written so that NaN, ±inf
// and -0 follow JavaScript's Math (the reference kernels' semantics) rather
// than what WGSL leaves undefined: NaN is tested on the bits, infinities are
// made at run time (WGSL refuses them as constants), and log, sqrt, pow,
// tanh, log1p and expm1 handle their edges explicitly.

/** The type a kernel computes in: `i32` where every operand and the result are integers (exact, wrapping like Int32Array), else `f32`. */
export type ComputeType = 'f32' | 'i32';

/** The WGSL element type of a buffer of `dtype`: bool is stored as u32 0/1. */
export function storageType(dtype: GpuDType): 'f32' | 'i32' | 'u32' {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32';
}

/** `i32` when no operand or result is floating. */
export function computeType(...dtypes: GpuDType[]): ComputeType {
  return dtypes.every((d) => d !== 'float32') ? 'i32' : 'f32';
}

/** An element loaded from storage of `dtype`, in compute type `c`. */
export function load(dtype: GpuDType, c: ComputeType, expr: string): string {
  if (dtype === 'float32') return c === 'f32' ? expr : `toI32(${expr})`;
  if (dtype === 'int32') return c === 'i32' ? expr : `f32(${expr})`;
  return `${c}(${expr})`;
}

/** A value of compute type `c` converted for storage of `dtype` (Int32Array's truncation and wrap, bool as 0/1). */
export function store(dtype: GpuDType, c: ComputeType, expr: string): string {
  if (dtype === 'float32') return c === 'f32' ? expr : `f32(${expr})`;
  if (dtype === 'int32') return c === 'i32' ? expr : `toI32(${expr})`;
  return c === 'f32' ? `select(0u, 1u, truthy(${expr}))` : `select(0u, 1u, ${expr} != 0)`;
}

/** The helpers every shader starts with. */
export const SCALAR_PRELUDE = /* wgsl */ `
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isInf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn nan() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
fn inf() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }
fn truthy(x: f32) -> bool { return x != 0.0 && !isNan(x); }
fn toI32(x: f32) -> i32 {
  if (isNan(x) || isInf(x)) { return 0; }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) { return i32(t); }
  // |t| >= 2^31 is a multiple of 256: the remainder mod 2^32 is exact.
  let r = t - 4294967296.0 * floor(t / 4294967296.0);
  return bitcast<i32>(u32(r));
}
fn fLog(x: f32) -> f32 {
  if (isNan(x) || x < 0.0) { return nan(); }
  if (x == 0.0) { return -inf(); }
  if (isInf(x)) { return x; }
  return log(x);
}
fn fSqrt(x: f32) -> f32 {
  if (isNan(x) || x < 0.0) { return nan(); }
  if (isInf(x) || x == 0.0) { return x; }
  return sqrt(x);
}
fn fExp(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  if (x > 88.8) { return inf(); }
  if (x < -104.0) { return 0.0; }
  return exp(x);
}
fn fLog1p(x: f32) -> f32 {
  if (isNan(x) || x < -1.0) { return nan(); }
  if (x == -1.0) { return -inf(); }
  if (isInf(x)) { return x; }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * x / (u - 1.0);
}
fn fExpm1(x: f32) -> f32 {
  if (isNan(x) || x == 0.0) { return x; }
  if (x > 88.8) { return inf(); }
  if (x < -30.0) { return -1.0; }
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um = u - 1.0;
  if (um == -1.0) { return -1.0; }
  return um * x / log(u);
}
fn fTanh(x: f32) -> f32 {
  if (isNan(x) || x == 0.0) { return x; }
  if (x > 10.0) { return 1.0; }
  if (x < -10.0) { return -1.0; }
  if (abs(x) < 0.0005) { return x - x * x * x / 3.0; }
  let e = exp(2.0 * x);
  return (e - 1.0) / (e + 1.0);
}
fn fSigmoid(x: f32) -> f32 {
  // NOTE: two branches so that exp never overflows.
  if (x >= 0.0) { return 1.0 / (1.0 + fExp(-x)); }
  let e = fExp(x);
  return e / (1.0 + e);
}
// sin and cos to float32 accuracy whatever the driver's builtins give (WGSL
// only asks 2^-11 absolute error of them, on [-π, π]): the argument is
// reduced by multiples of π/2 split in three parts (exact products while
// |x| < 2^15·π/2), then cephes' polynomials on [-π/4, π/4].
fn fSinCos(x: f32, cosine: bool) -> f32 {
  if (isNan(x) || isInf(x)) { return nan(); }
  if (!cosine && x == 0.0) { return x; }
  let k = round(x * 0.63661977236758134);
  let r = ((x - k * 1.5703125) - k * 4.837512969970703125e-4) - k * 7.54978995489188216e-8;
  let z = r * r;
  let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  let q = (i32(k) + select(0, 1, cosine)) & 3;
  if (q == 0) { return s; }
  if (q == 1) { return c; }
  if (q == 2) { return -s; }
  return -c;
}
fn fSign(x: f32) -> f32 {
  if (x > 0.0) { return 1.0; }
  if (x < 0.0) { return -1.0; }
  return x;
}
fn fErf(x: f32) -> f32 {
  if (isNan(x) || x == 0.0) { return x; }
  let a = abs(x);
  if (a >= 6.0) { return sign(x); }
  var r: f32;
  if (a < 3.0) {
    // erf(x) = 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (2n+1)!!, all terms positive
    let x2 = 2.0 * a * a;
    var term = a;
    var sum = a;
    for (var n = 1; n < 200; n++) {
      term *= x2 / f32(2 * n + 1);
      sum += term;
      if (term < sum * 1e-9) { break; }
    }
    r = 1.1283791670955126 * exp(-a * a) * sum;
  } else {
    // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
    var f = a;
    for (var k = 60; k >= 1; k--) { f = a + f32(k) / 2.0 / f; }
    r = 1.0 - exp(-a * a) / (1.7724538509055159 * f);
  }
  return select(r, -r, x < 0.0);
}
fn fMax(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b)) { return nan(); }
  return select(b, a, a > b);
}
fn fMin(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b)) { return nan(); }
  return select(b, a, a < b);
}
fn fPow(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (isNan(x) || isNan(y)) { return nan(); }
  let integral = !isInf(y) && floor(y) == y;
  if (integral && abs(y) <= 64.0) {
    // Exact for small integer powers, as repeated products are.
    var e = u32(abs(y));
    var base = x;
    var acc = 1.0;
    loop {
      if ((e & 1u) == 1u) { acc *= base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base *= base;
    }
    return select(acc, 1.0 / acc, y < 0.0);
  }
  let negative = x < 0.0 || (x == 0.0 && (bitcast<u32>(x) & 0x80000000u) != 0u);
  if (x < 0.0 && !integral && !isInf(y) && !isInf(x)) { return nan(); }
  let ax = abs(x);
  var r: f32;
  if (ax == 0.0) { r = select(inf(), 0.0, y > 0.0); }
  else if (isInf(ax)) { r = select(0.0, inf(), y > 0.0); }
  else if (isInf(y)) {
    if (ax == 1.0) { return nan(); }
    r = select(0.0, inf(), (ax > 1.0) == (y > 0.0));
  } else { r = exp2(y * log2(ax)); }
  let odd = integral && abs(y) < 16777216.0 && fract(y * 0.5) != 0.0;
  return select(r, -r, negative && odd);
}
`;
