import { erfSimd } from './erf-simd.js';
import { expSimd } from './exp-simd.js';
import {
  block,
  brIf,
  call,
  emitModule,
  f32Load,
  f32Max,
  f32Min,
  f32Store,
  f32x4ExtractLane,
  i32And,
  f32x4Abs,
  f32x4Add,
  f32x4Compare,
  i16x8NarrowI32x4S,
  i8x16NarrowI16x8S,
  i8x16Splat16,
  i32ShrU,
  v128And,
  v128Bitselect,
  v128Or,
  i32x4Splat4,
  f32x4ConvertI32x4S,
  i32x4Sub,
  i32x4ShrS,
  f32x4Div,
  f32x4HighToLow,
  f32x4Max,
  f32x4Min,
  f32x4Mul,
  f32x4Neg,
  f32x4Pmax,
  f32x4Splat,
  f32x4Splat4,
  f32x4Sqrt,
  f32x4Sub,
  f64,
  f64Add,
  f64PromoteF32,
  f64Store,
  f64x2Add,
  f64x2ExtractLane,
  f64x2PromoteLowF32x4,
  forLoop,
  get,
  i32,
  i32Add,
  i32GeS,
  i32Mul,
  i32Shl,
  i32Sub,
  ret,
  set,
  v128Load,
  v128Store,
  type Code,
  type ValType,
  type WasmFunction,
} from '../emitter/wasm-emitter.js';

/**
 * The two-operand float32 kernels the wasm backend runs; the others fall
 * back to the reference backend.
 *
 * @example
 * ```ts
 * const op: SimdBinary = 'mul';
 * ```
 */
export type SimdBinary = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';

/**
 * The one-operand float32 kernels the wasm backend runs.
 *
 * @example
 * ```ts
 * const op: SimdUnary = 'exp';
 * ```
 */
export type SimdUnary = 'neg' | 'abs' | 'sqrt' | 'relu' | 'exp' | 'sigmoid' | 'tanh' | 'log' | 'erf';

/**
 * The float32 comparisons the wasm backend runs, with bool (one byte) output.
 *
 * @example
 * ```ts
 * const op: SimdCompare = 'gt';
 * ```
 */
export type SimdCompare = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** The comparisons, as a list. */
export const SIMD_COMPARE: readonly SimdCompare[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

/**
 * The float32 kernels of `addcInPlace` (`dst += value · op(a, b)`) the wasm
 * backend runs: Adam's `addcmul_` and `addcdiv_`, `lerp_` (as `sub`), and
 * `add_` with a factor (as `mul` by 1).
 *
 * @example
 * ```ts
 * const op: SimdAddc = 'div';
 * ```
 */
export type SimdAddc = 'mul' | 'div' | 'sub';

/** The `addcInPlace` kernels, as a list. */
export const SIMD_ADDC: readonly SimdAddc[] = ['mul', 'div', 'sub'];

/** The binary kernels, as a list (for lookups by name). */
export const SIMD_BINARY: readonly SimdBinary[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];
/** The unary kernels, as a list. */
export const SIMD_UNARY: readonly SimdUnary[] = ['neg', 'abs', 'sqrt', 'relu', 'exp', 'sigmoid', 'tanh', 'log', 'erf'];

/**
 * The vector instruction of each binary kernel, shared by the streaming
 * kernels and the fused expressions (so both compute the same bits).
 *
 * @example
 * ```ts
 * const code = SIMD_BINARY_CODE.mul(get(a), get(b)); // a·b on four lanes
 * ```
 */
export const SIMD_BINARY_CODE: Readonly<Record<SimdBinary, (a: Code, b: Code) => Code>> = {
  add: f32x4Add,
  sub: f32x4Sub,
  mul: f32x4Mul,
  div: f32x4Div,
  // NaN-propagating, as the reference's maximum/minimum are.
  maximum: f32x4Max,
  minimum: f32x4Min,
};

/**
 * Over `n` floats, four at a time: the buffers are scratch padded to a
 * multiple of four lanes, so the last vector may compute a few unused lanes.
 * `i` is a byte offset local.
 */
function vectors(n: number, i: number, body: Code[]): Code {
  return forLoop(i, i32(0), i32Shl(get(n), i32(2)), 16, body);
}

/**
 * An element type of the streaming kernels: the suffix of their export
 * names, the scalar parameter type, log₂ of the bytes per element, and the
 * splat of a scalar into a vector.
 *
 * @example
 * ```ts
 * const lanes: StreamLanes = { suffix: '_f64', scalar: 'f64', shift: 3, splat: f64x2Splat };
 * ```
 */
export interface StreamLanes {
  readonly suffix: string;
  readonly scalar: 'f32' | 'f64';
  readonly shift: 2 | 3;
  readonly splat: (v: Code) => Code;
}

const F32_LANES: StreamLanes = { suffix: '', scalar: 'f32', shift: 2, splat: f32x4Splat };

/**
 * `op_vv(n, a, b, out)`, `op_vs(n, a, s, out)`, `op_sv(n, s, b, out)` for a
 * vector operation `f` (names carry `lanes.suffix`); the scalar arrives as a
 * parameter and is splatted once, into the v128 local 5.
 *
 * @example
 * ```ts
 * const fns = arithmeticKernels('add', f64x2Add, { suffix: '_f64', scalar: 'f64', shift: 3, splat: f64x2Splat });
 * ```
 */
export function arithmeticKernels(op: string, f: (a: Code, b: Code) => Code, lanes: StreamLanes): WasmFunction[] {
  const [n, a, b, out, i] = [0, 1, 2, 3, 4];
  const at = (p: number): Code => i32Add(get(p), get(i));
  const over = (body: Code[]): Code => forLoop(i, i32(0), i32Shl(get(n), i32(lanes.shift)), 16, body);
  const vv = over([v128Store(at(out), f(v128Load(at(a)), v128Load(at(b))))]);
  const vs = [...set(5, lanes.splat(get(b))), ...over([v128Store(at(out), f(v128Load(at(a)), get(5)))])];
  const sv = [...set(5, lanes.splat(get(a))), ...over([v128Store(at(out), f(get(5), v128Load(at(b))))])];
  const { suffix, scalar } = lanes;
  return [
    { name: `${op}_vv${suffix}`, params: ['i32', 'i32', 'i32', 'i32'], results: [], locals: ['i32'], body: vv },
    { name: `${op}_vs${suffix}`, params: ['i32', 'i32', scalar, 'i32'], results: [], locals: ['i32', 'v128'], body: vs },
    { name: `${op}_sv${suffix}`, params: ['i32', scalar, 'i32', 'i32'], results: [], locals: ['i32', 'v128'], body: sv },
  ];
}

/** The float32 arithmetic kernels of `op`. */
function binaryKernels(op: SimdBinary): WasmFunction[] {
  return arithmeticKernels(op, SIMD_BINARY_CODE[op], F32_LANES);
}

/**
 * `addc_op_vv(n, d, a, b, value)`: `d += value · op(a, b)` over `n` floats;
 * `addc_op_vs(n, d, a, s, value)` takes `b` as the scalar `s`. All in
 * float32, as PyTorch computes these ops on float32 tensors.
 */
function addcKernels(op: SimdAddc): WasmFunction[] {
  const f = SIMD_BINARY_CODE[op];
  const [n, d, a, b, value, i, scale, s] = [0, 1, 2, 3, 4, 5, 6, 7];
  const at = (p: number): Code => i32Add(get(p), get(i));
  const step = (right: Code): Code[] => [v128Store(at(d), f32x4Add(v128Load(at(d)), f32x4Mul(get(scale), f(v128Load(at(a)), right))))];
  const vv = [...set(scale, f32x4Splat(get(value))), ...vectors(n, i, step(v128Load(at(b))))];
  const vs = [...set(scale, f32x4Splat(get(value))), ...set(s, f32x4Splat(get(b))), ...vectors(n, i, step(get(s)))];
  return [
    { name: `addc_${op}_vv`, params: ['i32', 'i32', 'i32', 'i32', 'f32'], results: [], locals: ['i32', 'v128'], body: vv },
    { name: `addc_${op}_vs`, params: ['i32', 'i32', 'i32', 'f32', 'f32'], results: [], locals: ['i32', 'v128', 'v128'], body: vs },
  ];
}

/**
 * `op_vv/_vs/_sv` like the arithmetic kernels, writing one byte (0 or 1) per
 * element: sixteen elements per step, four lane masks narrowed to bytes.
 * IEEE comparisons match JavaScript's on NaN (only `ne` is true).
 */
function compareKernels(op: SimdCompare): WasmFunction[] {
  const [n, a, b, out, i] = [0, 1, 2, 3, 4];
  const kernel = (left: (k: number) => Code, right: (k: number) => Code): Code => {
    const m = (k: number): Code => f32x4Compare(op, left(k), right(k));
    const bytes = i8x16NarrowI16x8S(i16x8NarrowI32x4S(m(0), m(1)), i16x8NarrowI32x4S(m(2), m(3)));
    return forLoop(i, i32(0), i32Shl(get(n), i32(2)), 64, [
      v128Store(i32Add(get(out), i32ShrU(get(i), i32(2))), v128And(bytes, i8x16Splat16(1))),
    ]);
  };
  const at = (p: number) => (k: number): Code => v128Load(i32Add(get(p), get(i)), 16 * k);
  const splat = (): Code => get(5);
  const ptrs: ValType[] = ['i32', 'i32', 'i32', 'i32'];
  return [
    { name: `${op}_vv`, params: ptrs, results: [], locals: ['i32'], body: kernel(at(a), at(b)) },
    { name: `${op}_vs`, params: ['i32', 'i32', 'f32', 'i32'], results: [], locals: ['i32', 'v128'], body: [...set(5, f32x4Splat(get(b))), ...kernel(at(a), splat)] },
    { name: `${op}_sv`, params: ['i32', 'f32', 'i32', 'i32'], results: [], locals: ['i32', 'v128'], body: [...set(5, f32x4Splat(get(a))), ...kernel(splat, at(b))] },
  ];
}

// Cephes' tanhf: tanh x = x + x·z·Q(z), z = x², good to about one ulp for |x| < 0.625.
const TANH_Q = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1];

/**
 * tanh on four lanes: the odd polynomial below 0.625, where `1 − 2/(e²ˣ + 1)`
 * would lose digits to cancellation, and that form with the SIMD exp above
 * it (e²ˣ = ∞ gives exactly 1), its sign copied from x. −0 stays −0 and NaN
 * stays NaN. Locals `v` (x), `t`, `u`, `w`, `s`, `m`.
 */
function tanhSimd(load: Code, v: number, t: number, u: number, w: number, s: number, m: number): Code {
  const c = f32x4Splat4;
  let q: Code = c(TANH_Q[0]!);
  for (const k of TANH_Q.slice(1)) q = f32x4Add(f32x4Mul(q, get(t)), c(k));
  const large = f32x4Sub(c(1), f32x4Div(c(2), f32x4Add(c(1), expSimd(w, t, s))));
  // Both forms on |x|, the sign of x put back last: so that −0 stays −0.
  return [
    ...set(v, load),
    ...set(w, f32x4Abs(get(v))),
    ...set(t, f32x4Mul(get(w), get(w))),
    ...set(u, f32x4Add(f32x4Mul(f32x4Mul(q, get(t)), get(w)), get(w))),
    ...set(m, f32x4Compare('lt', get(w), c(0.625))),
    ...set(w, f32x4Mul(get(w), c(2))),
    ...set(u, v128Bitselect(get(u), large, get(m))),
    ...v128Or(get(u), v128And(get(v), i32x4Splat4(-0x80000000))),
  ];
}

// Cephes' logf: log(1 + f) = f − f²/2 + f³·L(f) on √½ − 1 ≤ f < √2 − 1, to about one ulp.
const LOG_L = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1];
const SQRT_HALF = Math.SQRT1_2;
const MIN_NORMAL = 1.17549435e-38;

/**
 * log on four lanes: x = m·2ᵉ with m in [½, 1) read from the bits (subnormals
 * scaled by 2²³ first), m moved to [√½, √2) so that f = m − 1 is small, then
 * Cephes' polynomial and e·ln 2 in two parts. 0 gives −∞, negatives NaN, and
 * NaN and +∞ themselves. Locals `v` (x), `t`, `u`, `w`, `s`, `m`.
 */
function logSimd(load: Code, v: number, t: number, u: number, w: number, s: number, m: number): Code {
  const c = f32x4Splat4;
  const int = i32x4Splat4;
  let poly: Code = c(LOG_L[0]!);
  for (const k of LOG_L.slice(1)) poly = f32x4Add(f32x4Mul(poly, get(u)), c(k));
  return [
    ...set(v, load),
    ...set(m, f32x4Compare('lt', get(v), c(MIN_NORMAL))),
    ...set(u, v128Bitselect(f32x4Mul(get(v), c(8388608)), get(v), get(m))),
    // e (as an integer), less 23 where the input was scaled; m in [½, 1).
    ...set(t, i32x4Sub(i32x4Sub(i32x4ShrS(get(u), i32(23)), int(126)), v128And(get(m), int(23)))),
    ...set(u, v128Or(v128And(get(u), int(-0x7f800001)), int(0x3f000000))),
    ...set(t, f32x4ConvertI32x4S(get(t))),
    // Below √½: e − 1 and f = 2m − 1; else f = m − 1.
    ...set(s, f32x4Compare('lt', get(u), c(SQRT_HALF))),
    ...set(t, f32x4Sub(get(t), v128And(get(s), c(1)))),
    ...set(u, f32x4Sub(f32x4Add(get(u), v128And(get(s), get(u))), c(1))),
    ...set(w, f32x4Mul(get(u), get(u))),
    // f + (f³·L(f) − f²/2 + e·ln2_lo) + e·ln2_hi
    ...set(s, f32x4Add(f32x4Sub(f32x4Mul(f32x4Mul(poly, get(u)), get(w)), f32x4Mul(get(w), c(0.5))), f32x4Mul(get(t), c(-2.12194440e-4)))),
    ...set(s, f32x4Add(f32x4Add(get(u), get(s)), f32x4Mul(get(t), c(0.693359375)))),
    ...set(s, v128Bitselect(c(-Infinity), get(s), f32x4Compare('eq', get(v), c(0)))),
    ...set(s, v128Bitselect(c(NaN), get(s), f32x4Compare('lt', get(v), c(0)))),
    ...v128Bitselect(get(v), get(s), v128Or(f32x4Compare('ne', get(v), get(v)), f32x4Compare('eq', get(v), c(Infinity)))),
  ];
}

/** How many v128 scratch locals {@link simdUnaryCode} needs. */
export const UNARY_SCRATCH = 6;

/**
 * The code of unary kernel `op` on the four lanes that `load` leaves on the
 * stack, leaving the result there: the streaming kernels and the fused
 * expressions share it, so both compute the same bits. `scratch` is the
 * index of the first of {@link UNARY_SCRATCH} v128 locals it may overwrite;
 * `load` runs before any of them is written.
 *
 * @example
 * ```ts
 * const code = simdUnaryCode('exp', v128Load(get(p)), 4); // locals 4..9 are v128 scratch
 * ```
 */
export function simdUnaryCode(op: SimdUnary, load: Code, scratch: number): Code {
  const [v, t, u, w, s, m] = [0, 1, 2, 3, 4, 5].map((k) => scratch + k) as [number, number, number, number, number, number];
  const one = f32x4Splat4(1);
  switch (op) {
    case 'neg':
      return f32x4Neg(load);
    case 'abs':
      return f32x4Abs(load);
    case 'sqrt':
      return f32x4Sqrt(load);
    case 'relu':
      // pmax(x, 0) = x < 0 ? 0 : x, so NaN stays NaN, as the reference's `x < 0 ? 0 : x`.
      return f32x4Pmax(load, f32x4Splat4(0));
    case 'exp':
      return [...set(v, load), ...expSimd(v, t, u)];
    case 'sigmoid':
      // 1 / (1 + e⁻ˣ) is accurate in float32 on both sides: e⁻ˣ = ∞ gives 0.
      return [...set(v, f32x4Neg(load)), ...f32x4Div(one, f32x4Add(one, [...expSimd(v, t, u)]))];
    case 'tanh':
      return tanhSimd(load, v, t, u, w, s, m);
    case 'log':
      return logSimd(load, v, t, u, w, s, m);
    case 'erf':
      return [...set(v, load), ...erfSimd(v, t)];
  }
}

/** `op(n, x, out)`. Locals: 3 = i, 4.. = v128 temporaries. */
function unaryKernel(op: SimdUnary): WasmFunction {
  const [n, x, out, i] = [0, 1, 2, 3];
  const value = simdUnaryCode(op, v128Load(i32Add(get(x), get(i))), 4);
  const body = vectors(n, i, [v128Store(i32Add(get(out), get(i)), value)]);
  const locals: ValType[] = ['i32', ...Array<ValType>(op === 'tanh' || op === 'log' ? UNARY_SCRATCH : 3).fill('v128')];
  return { name: op, params: ['i32', 'i32', 'i32'], results: [], locals, body };
}

/**
 * `sumRange(n, src) → f64`: the sum of `n` floats at any byte address, in
 * float64 (two f64x2 accumulators over each vector's halves, then the tail),
 * so that it matches the reference's float64 accumulation to rounding.
 */
function sumRange(): WasmFunction {
  const [n, src, i, end, lo, hi, v, t] = [0, 1, 2, 3, 4, 5, 6, 7];
  const body = [
    ...set(end, i32Shl(i32Sub(get(n), i32(3)), i32(2))),
    ...forLoop(i, i32(0), get(end), 16, [
      set(v, v128Load(i32Add(get(src), get(i)))),
      set(lo, f64x2Add(get(lo), f64x2PromoteLowF32x4(get(v)))),
      set(hi, f64x2Add(get(hi), f64x2PromoteLowF32x4(f32x4HighToLow(get(v))))),
    ]),
    ...set(lo, f64x2Add(get(lo), get(hi))),
    // The tail: i already stands at the first element not summed.
    ...ret(
      f64Add(
        f64Add(f64x2ExtractLane(get(lo), 0), f64x2ExtractLane(get(lo), 1)),
        tailSum(n, src, i, t),
      ),
    ),
  ];
  return { name: 'sumRange', params: ['i32', 'i32'], results: ['f64'], locals: ['i32', 'i32', 'v128', 'v128', 'v128', 'f64'], body };
}

/** The float64 sum of the elements from byte offset `i` up to `n` (at most three), in the f64 local `t`. */
function tailSum(n: number, src: number, i: number, t: number): Code {
  const elem = (k: number): Code =>
    block(
      brIf(0, i32GeS(i32Add(i32(4 * k), get(i)), i32Shl(get(n), i32(2)))),
      set(t, f64Add(get(t), f64PromoteF32(f32Load(i32Add(get(src), get(i)), 4 * k)))),
    );
  return [...set(t, f64(0)), ...elem(0), ...elem(1), ...elem(2), ...get(t)];
}

/** `sumRows(rows, len, src, dst)`: `dst[r]` (float64) = the sum of row `r`. */
function sumRows(sumRangeIndex: number): WasmFunction {
  const [rows, len, src, dst, r] = [0, 1, 2, 3, 4];
  const body = forLoop(r, i32(0), get(rows), 1, [
    f64Store(
      i32Add(get(dst), i32Shl(get(r), i32(3))),
      call(sumRangeIndex, get(len), i32Add(get(src), i32Shl(i32Mul(get(r), get(len)), i32(2)))),
    ),
  ]);
  return { name: 'sumRows', params: ['i32', 'i32', 'i32', 'i32'], results: [], locals: ['i32'], body };
}

/**
 * `sumCols(rows, len, src, acc)`: `acc[j] += Σᵣ src[r][j]` with `acc` float64
 * (16-byte aligned, `len` rounded up to four, the pad lanes ignored).
 */
function sumCols(): WasmFunction {
  const [rows, len, src, acc, r, j, row, v, a] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const body = forLoop(r, i32(0), get(rows), 1, [
    set(row, i32Add(get(src), i32Shl(i32Mul(get(r), get(len)), i32(2)))),
    forLoop(j, i32(0), get(len), 4, [
      set(v, v128Load(i32Add(get(row), i32Shl(get(j), i32(2))))),
      set(a, i32Add(get(acc), i32Shl(get(j), i32(3)))),
      v128Store(get(a), f64x2Add(v128Load(get(a)), f64x2PromoteLowF32x4(get(v)))),
      v128Store(get(a), f64x2Add(v128Load(get(a), 16), f64x2PromoteLowF32x4(f32x4HighToLow(get(v)))), 16),
    ]),
  ]);
  return { name: 'sumCols', params: ['i32', 'i32', 'i32', 'i32'], results: [], locals: ['i32', 'i32', 'i32', 'v128', 'i32'], body };
}

/**
 * `maxRows(rows, len, src, dst)` (`minRows` alike): `dst[r]` (float32) = the
 * largest (smallest) element of row `r`, four lanes at a time and then the
 * tail. wasm's max and min propagate NaN, as the reference does, but put +0
 * above −0 where the reference keeps the first of equal values: the caller
 * mends a zero result (see `createWasmExtreme`).
 */
function extremeRows(op: 'max' | 'min'): WasmFunction {
  const [rows, len, src, dst, r, row, i, end, acc, t] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [vector, scalar] = op === 'max' ? [f32x4Max, f32Max] : [f32x4Min, f32Min];
  const body = forLoop(r, i32(0), get(rows), 1, [
    set(row, i32Add(get(src), i32Shl(i32Mul(get(r), get(len)), i32(2)))),
    // The bytes of whole vectors; the last `len mod 4` elements are the tail.
    set(end, i32Shl(i32And(get(len), i32(-4)), i32(2))),
    set(acc, f32x4Splat4(op === 'max' ? -Infinity : Infinity)),
    forLoop(i, i32(0), get(end), 16, [set(acc, vector(get(acc), v128Load(i32Add(get(row), get(i)))))]),
    set(acc, vector(get(acc), f32x4HighToLow(get(acc)))),
    set(t, scalar(f32x4ExtractLane(get(acc), 0), f32x4ExtractLane(get(acc), 1))),
    forLoop(i, get(end), i32Shl(get(len), i32(2)), 4, [set(t, scalar(get(t), f32Load(i32Add(get(row), get(i)))))]),
    f32Store(i32Add(get(dst), i32Shl(get(r), i32(2))), get(t)),
  ]);
  return { name: `${op}Rows`, params: ['i32', 'i32', 'i32', 'i32'], results: [], locals: ['i32', 'i32', 'i32', 'i32', 'v128', 'f32'], body };
}

const TRANSCENDENTAL: readonly SimdUnary[] = ['exp', 'sigmoid', 'tanh', 'log'];

/**
 * The bytes of the elementwise kernels, as several modules that share the
 * imported memory: the sums, the row maxima and minima, the arithmetic
 * (`{op}_vv/_vs/_sv`), the comparisons, the unary kernels (the
 * transcendental ones apart), and the fused in-place `addc` kernels. Each
 * stays under the 4 KB that browsers allow to compile synchronously on the
 * main thread.
 *
 * @example
 * ```ts
 * const modules = elementwiseModuleBytes().map((bytes) => new WebAssembly.Module(bytes));
 * ```
 */
export function elementwiseModuleBytes(): Uint8Array[] {
  return [
    emitModule([sumRange(), sumRows(0), sumCols()]),
    emitModule([extremeRows('max'), extremeRows('min')]),
    emitModule(SIMD_BINARY.flatMap(binaryKernels)),
    emitModule(SIMD_COMPARE.flatMap(compareKernels)),
    // The transcendental kernels in a module of their own: together they would pass 4 KB.
    emitModule(SIMD_UNARY.filter((op) => !TRANSCENDENTAL.includes(op)).map(unaryKernel)),
    emitModule(TRANSCENDENTAL.map(unaryKernel)),
    emitModule(SIMD_ADDC.flatMap(addcKernels)),
  ];
}
