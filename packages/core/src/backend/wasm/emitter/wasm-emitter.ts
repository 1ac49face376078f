/**
 * A tiny WebAssembly assembler: instructions are functions that return the
 * bytes of an expression (operands first, then the opcode), so kernels read
 * like nested wasm text and need no toolchain. Only what our kernels use is
 * here; the encodings follow the WebAssembly 2.0 binary format with SIMD.
 */

/**
 * Bytes of some instructions.
 *
 * @example
 * ```ts
 * const c: Code = i32Add(get(0), i32(4));
 * ```
 */
export type Code = number[];

/**
 * A value type of WebAssembly.
 *
 * @example
 * ```ts
 * const t: ValType = 'v128';
 * ```
 */
export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/**
 * Unsigned LEB128.
 *
 * @example
 * ```ts
 * uleb(300); // [0xac, 0x02]
 * ```
 */
export function uleb(n: number): Code {
  const out: Code = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/**
 * Signed LEB128 of a 32-bit integer.
 *
 * @example
 * ```ts
 * sleb(-1); // [0x7f]
 * ```
 */
export function sleb(n: number): Code {
  const out: Code = [];
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function name(s: string): Code {
  const bytes = Array.from(s, (ch) => ch.charCodeAt(0));
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: Code[]): Code {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: Code): Code {
  return [id, ...uleb(body.length), ...body];
}

const cat = (...parts: Code[]): Code => parts.flat();

// ---- locals, constants, control ---------------------------------------------------------

/** `local.get`. @example `get(0)` */
export const get = (i: number): Code => [0x20, ...uleb(i)];
/** `local.set` of the value of `e`. @example `set(2, i32(0))` */
export const set = (i: number, ...e: Code[]): Code => [...cat(...e), 0x21, ...uleb(i)];
/** `local.tee`. @example `tee(2, i32(0))` */
export const tee = (i: number, ...e: Code[]): Code => [...cat(...e), 0x22, ...uleb(i)];
/** `i32.const`. @example `i32(16)` */
export const i32 = (n: number): Code => [0x41, ...sleb(n)];
/** `f32.const`. @example `f32(0.5)` */
export const f32 = (x: number): Code => [0x43, ...new Uint8Array(new Float32Array([x]).buffer)];
/** `f64.const`. @example `f64(0)` */
export const f64 = (x: number): Code => [0x44, ...new Uint8Array(new Float64Array([x]).buffer)];
/** `block … end` (no result). @example `block(brIf(0, get(0)))` */
export const block = (...body: Code[]): Code => [0x02, 0x40, ...cat(...body), 0x0b];
/** `loop … end` (no result). @example `loop(brIf(0, get(0)))` */
export const loop = (...body: Code[]): Code => [0x03, 0x40, ...cat(...body), 0x0b];
/** `if … else … end` (no result). @example `ifElse(get(0), [call(1)], [])` */
export const ifElse = (cond: Code, then: Code[], otherwise: Code[] = []): Code =>
  otherwise.length === 0
    ? [...cond, 0x04, 0x40, ...cat(...then), 0x0b]
    : [...cond, 0x04, 0x40, ...cat(...then), 0x05, ...cat(...otherwise), 0x0b];
/** `br_if depth`. @example `brIf(0, get(1))` */
export const brIf = (depth: number, cond: Code): Code => [...cond, 0x0d, ...uleb(depth)];
/** `call`. @example `call(0, get(0))` */
export const call = (fn: number, ...args: Code[]): Code => [...cat(...args), 0x10, ...uleb(fn)];
/** `return` of the value of `e` (or nothing). @example `ret(get(0))` */
export const ret = (...e: Code[]): Code => [...cat(...e), 0x0f];

/**
 * `for (i = start; i < end; i += step) body`, with `end` (and a `step` given
 * as code) evaluated at each iteration. The body sits two labels deep (loop, then block).
 *
 * @example
 * ```ts
 * forLoop(3, i32(0), get(0), 1, [set(4, i32Add(get(4), get(3)))]);
 * ```
 */
export function forLoop(i: number, start: Code, end: Code, step: number | Code, body: Code[]): Code {
  const by = typeof step === 'number' ? i32(step) : step;
  return cat(
    set(i, start),
    block(brIf(0, i32GeS(get(i), end)), loop(...body, set(i, i32Add(get(i), by)), brIf(0, i32LtS(get(i), end)))),
  );
}

// ---- integer and scalar float ------------------------------------------------------------

const op2 = (opcode: number) => (a: Code, b: Code): Code => [...a, ...b, opcode];
const op1 = (opcode: number) => (a: Code): Code => [...a, opcode];

/** `i32.add`. @example `i32Add(get(0), i32(1))` */
export const i32Add = op2(0x6a);
/** `i32.sub`. @example `i32Sub(get(0), i32(1))` */
export const i32Sub = op2(0x6b);
/** `i32.mul`. @example `i32Mul(get(0), i32(4))` */
export const i32Mul = op2(0x6c);
/** `i32.shl`. @example `i32Shl(get(0), i32(2))` */
export const i32Shl = op2(0x74);
/** `i32.shr_u`. @example `i32ShrU(get(0), i32(2))` */
export const i32ShrU = op2(0x76);
/** `i32.lt_s`. @example `i32LtS(get(0), get(1))` */
export const i32LtS = op2(0x48);
/** `i32.lt_u`. @example `i32LtU(get(0), get(1))` */
export const i32LtU = op2(0x49);
/** `i32.ge_u`. @example `i32GeU(get(0), get(1))` */
export const i32GeU = op2(0x4f);
/** `i32.ge_s`. @example `i32GeS(get(0), get(1))` */
export const i32GeS = op2(0x4e);
/** `i32.eq`. @example `i32Eq(get(0), i32(1))` */
export const i32Eq = op2(0x46);
/** `i32.ne`. @example `i32Ne(get(0), i32(0))` */
export const i32Ne = op2(0x47);
/** `i32.and`. @example `i32And(get(0), get(1))` */
export const i32And = op2(0x71);
/** `i32.or`. @example `i32Or(get(0), get(1))` */
export const i32Or = op2(0x72);
/** `select`. @example `select(a, b, cond)` */
export const select = (a: Code, b: Code, cond: Code): Code => [...a, ...b, ...cond, 0x1b];
/** `f32.add`. @example `f32Add(a, b)` */
export const f32Add = op2(0x92);
/** `f32.gt` (false when either is NaN). @example `f32Gt(get(0), get(1))` */
export const f32Gt = op2(0x5e);
/** `f32.ne` (true when either is NaN). @example `f32Ne(get(0), get(0))` */
export const f32Ne = op2(0x5c);
/** `f32.mul`. @example `f32Mul(a, b)` */
export const f32Mul = op2(0x94);
/** `f32.min` (NaN-propagating, −0 below +0). @example `f32Min(a, b)` */
export const f32Min = op2(0x96);
/** `f32.max` (NaN-propagating, +0 above −0). @example `f32Max(a, b)` */
export const f32Max = op2(0x97);
/** `f64.add`. @example `f64Add(a, b)` */
export const f64Add = op2(0xa0);
/** `f64.promote_f32`. @example `f64PromoteF32(f32Load(get(0)))` */
export const f64PromoteF32 = op1(0xbb);

/** `f32.load` at `addr + offset`. @example `f32Load(get(0), 4)` */
export const f32Load = (addr: Code, offset = 0): Code => [...addr, 0x2a, 2, ...uleb(offset)];
/** `f32.store`. @example `f32Store(get(0), f32(0))` */
export const f32Store = (addr: Code, v: Code, offset = 0): Code => [...addr, ...v, 0x38, 2, ...uleb(offset)];
/** `f64.load`. @example `f64Load(get(0))` */
export const f64Load = (addr: Code, offset = 0): Code => [...addr, 0x2b, 3, ...uleb(offset)];
/** `f64.store`. @example `f64Store(get(0), f64(0))` */
export const f64Store = (addr: Code, v: Code, offset = 0): Code => [...addr, ...v, 0x39, 3, ...uleb(offset)];
/** `i32.store`. @example `i32Store(get(0), i32(7))` */
export const i32Store = (addr: Code, v: Code, offset = 0): Code => [...addr, ...v, 0x36, 2, ...uleb(offset)];
/** `i32.load` at `addr + offset`. @example `i32Load(get(0), 4)` */
export const i32Load = (addr: Code, offset = 0): Code => [...addr, 0x28, 2, ...uleb(offset)];
/** `memory.copy` of `len` bytes (overlapping ranges allowed). @example `memoryCopy(get(0), get(1), i32(64))` */
export const memoryCopy = (dst: Code, src: Code, len: Code): Code => [...dst, ...src, ...len, 0xfc, 0x0a, 0x00, 0x00];
/** `memory.fill` with byte `value`. @example `memoryFill(get(0), i32(0), get(1))` */
export const memoryFill = (dst: Code, value: Code, len: Code): Code => [...dst, ...value, ...len, 0xfc, 0x0b, 0x00];

// ---- SIMD (128-bit) ----------------------------------------------------------------------

const simd = (op: number): Code => [0xfd, ...uleb(op)];
const v2 = (op: number) => (a: Code, b: Code): Code => [...a, ...b, ...simd(op)];
const v1 = (op: number) => (a: Code): Code => [...a, ...simd(op)];

/** `v128.load` (16-byte aligned hint). @example `v128Load(get(0), 16)` */
export const v128Load = (addr: Code, offset = 0): Code => [...addr, ...simd(0x00), 4, ...uleb(offset)];
/** `v128.store`. @example `v128Store(get(0), get(1))` */
export const v128Store = (addr: Code, v: Code, offset = 0): Code => [...addr, ...v, ...simd(0x0b), 4, ...uleb(offset)];
/** `v128.load32_splat`: one f32 into all four lanes. @example `v128Load32Splat(get(0), 4)` */
export const v128Load32Splat = (addr: Code, offset = 0): Code => [...addr, ...simd(0x09), 2, ...uleb(offset)];
/** `v128.load64_splat`: one f64 into both lanes. @example `v128Load64Splat(get(0), 8)` */
export const v128Load64Splat = (addr: Code, offset = 0): Code => [...addr, ...simd(0x0a), 3, ...uleb(offset)];
/** `v128.const` of four f32 lanes. @example `f32x4Const(0, 0, 0, 0)` */
export const f32x4Const = (a: number, b: number, c: number, d: number): Code => [
  ...simd(0x0c),
  ...new Uint8Array(new Float32Array([a, b, c, d]).buffer),
];
/** A vector of four equal f32 lanes. @example `f32x4Splat4(1)` */
export const f32x4Splat4 = (x: number): Code => f32x4Const(x, x, x, x);
/** `v128.const` of four i32 lanes. @example `i32x4Splat4(127)` */
export const i32x4Splat4 = (x: number): Code => [...simd(0x0c), ...new Uint8Array(new Int32Array([x, x, x, x]).buffer)];
/** `f32x4.splat`. @example `f32x4Splat(get(2))` */
export const f32x4Splat = v1(0x13);
/** `i32x4.splat`. @example `i32x4Splat(get(0))` */
export const i32x4Splat = v1(0x11);
/** `f32x4.extract_lane`. @example `f32x4ExtractLane(get(0), 3)` */
export const f32x4ExtractLane = (v: Code, lane: number): Code => [...v, ...simd(0x1f), lane];
/** `f32x4.add`. @example `f32x4Add(a, b)` */
export const f32x4Add = v2(0xe4);
/** `f32x4.sub`. @example `f32x4Sub(a, b)` */
export const f32x4Sub = v2(0xe5);
/** `f32x4.mul`. @example `f32x4Mul(a, b)` */
export const f32x4Mul = v2(0xe6);
/**
 * `f32x4.relaxed_madd` (relaxed SIMD): `a·b + c` per lane, fused (one
 * rounding) or not (two), as the engine chooses; engines without relaxed
 * SIMD refuse a module that uses it.
 *
 * @example
 * ```ts
 * f32x4RelaxedMadd(get(a), get(b), get(acc));
 * ```
 */
export const f32x4RelaxedMadd = (a: Code, b: Code, c: Code): Code => [...a, ...b, ...c, ...simd(0x105)];
/** `f64x2.relaxed_madd`: see `f32x4RelaxedMadd`. @example `f64x2RelaxedMadd(get(a), get(b), get(acc))` */
export const f64x2RelaxedMadd = (a: Code, b: Code, c: Code): Code => [...a, ...b, ...c, ...simd(0x107)];
/** `f32x4.div`. @example `f32x4Div(a, b)` */
export const f32x4Div = v2(0xe7);
/** `f32x4.min` (NaN-propagating). @example `f32x4Min(a, b)` */
export const f32x4Min = v2(0xe8);
/** `f32x4.max` (NaN-propagating). @example `f32x4Max(a, b)` */
export const f32x4Max = v2(0xe9);
/** `f32x4.pmin`: `b < a ? b : a` per lane (one x64 instruction, unlike `min`). @example `f32x4Pmin(x, hi)` */
export const f32x4Pmin = v2(0xea);
/** `f32x4.pmax`: `a < b ? b : a` per lane. @example `f32x4Pmax(zero, x)` */
export const f32x4Pmax = v2(0xeb);
/** `f32x4.abs`. @example `f32x4Abs(a)` */
export const f32x4Abs = v1(0xe0);
/** `f32x4.neg`. @example `f32x4Neg(a)` */
export const f32x4Neg = v1(0xe1);
/** `f32x4.sqrt`. @example `f32x4Sqrt(a)` */
export const f32x4Sqrt = v1(0xe3);
/** `f32x4.nearest` (round half to even). @example `f32x4Nearest(a)` */
export const f32x4Nearest = v1(0x6a);
/** `f32x4.ne`. @example `f32x4Ne(a, a)` */
export const f32x4Ne = v2(0x42);
/** An f32x4 comparison (`eq`, `ne`, `lt`, `gt`, `le`, `ge`): all-ones lanes where true. @example `f32x4Compare('gt', a, b)` */
export const f32x4Compare = (op: 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge', a: Code, b: Code): Code =>
  [...a, ...b, ...simd({ eq: 0x41, ne: 0x42, lt: 0x43, gt: 0x44, le: 0x45, ge: 0x46 }[op])];
/** `i16x8.narrow_i32x4_s`. @example `i16x8NarrowI32x4S(a, b)` */
export const i16x8NarrowI32x4S = v2(0x85);
/** `i8x16.narrow_i16x8_s`. @example `i8x16NarrowI16x8S(a, b)` */
export const i8x16NarrowI16x8S = v2(0x65);
/** `v128.and`. @example `v128And(a, b)` */
export const v128And = v2(0x4e);
/** `v128.bitselect`: bits of `a` where `mask` is 1, of `b` where it is 0. @example `v128Bitselect(a, b, lanesLt)` */
export const v128Bitselect = (a: Code, b: Code, mask: Code): Code => [...a, ...b, ...mask, ...simd(0x52)];
/** `v128.const` of sixteen equal bytes. @example `i8x16Splat16(1)` */
export const i8x16Splat16 = (x: number): Code => [...simd(0x0c), ...Array<number>(16).fill(x & 0xff)];
/** `v128.or`. @example `v128Or(a, b)` */
export const v128Or = v2(0x50);
/** `i32x4.trunc_sat_f32x4_s`. @example `i32x4TruncSatF32x4S(a)` */
export const i32x4TruncSatF32x4S = v1(0xf8);
/** `f32x4.convert_i32x4_s`. @example `f32x4ConvertI32x4S(get(e))` */
export const f32x4ConvertI32x4S = v1(0xfa);
/** `i32x4.add`. @example `i32x4Add(a, b)` */
export const i32x4Add = v2(0xae);
/** `i32x4.sub`. @example `i32x4Sub(a, b)` */
export const i32x4Sub = v2(0xb1);
/** `i32x4.shl` by a scalar count. @example `i32x4Shl(a, i32(23))` */
export const i32x4Shl = v2(0xab);
/** `i32x4.shr_s` by a scalar count. @example `i32x4ShrS(a, i32(1))` */
export const i32x4ShrS = v2(0xac);
/** `f64x2.promote_low_f32x4`. @example `f64x2PromoteLowF32x4(v)` */
export const f64x2PromoteLowF32x4 = v1(0x5f);
/** `f64x2.add`. @example `f64x2Add(a, b)` */
export const f64x2Add = v2(0xf0);
/** `f64x2.splat`. @example `f64x2Splat(get(2))` */
export const f64x2Splat = v1(0x14);
/** `f64x2.sub`. @example `f64x2Sub(a, b)` */
export const f64x2Sub = v2(0xf1);
/** `f64x2.mul`. @example `f64x2Mul(a, b)` */
export const f64x2Mul = v2(0xf2);
/** `f64x2.div`. @example `f64x2Div(a, b)` */
export const f64x2Div = v2(0xf3);
/** `f64x2.min` (NaN-propagating). @example `f64x2Min(a, b)` */
export const f64x2Min = v2(0xf4);
/** `f64x2.max` (NaN-propagating). @example `f64x2Max(a, b)` */
export const f64x2Max = v2(0xf5);
/** `f64x2.pmax`: `a < b ? b : a` per lane. @example `f64x2Pmax(zero, x)` */
export const f64x2Pmax = v2(0xf7);
/** `f64x2.abs`. @example `f64x2Abs(x)` */
export const f64x2Abs = v1(0xec);
/** `f64x2.neg`. @example `f64x2Neg(x)` */
export const f64x2Neg = v1(0xed);
/** `f64x2.sqrt`. @example `f64x2Sqrt(x)` */
export const f64x2Sqrt = v1(0xef);
/** `f64.load`-free zero vector. @example `f64x2Zero()` */
export const f64x2Zero = (): Code => [...simd(0x0c), ...Array<number>(16).fill(0)];
/** `f64x2.extract_lane`. @example `f64x2ExtractLane(v, 1)` */
export const f64x2ExtractLane = (v: Code, lane: number): Code => [...v, ...simd(0x21), lane];
/**
 * `i8x16.shuffle` picking whole 32-bit lanes: `lanes[i]` 0–3 takes lane
 * `i` of the result from `a`, 4–7 from `b`.
 *
 * @example
 * ```ts
 * f32x4Shuffle(get(0), get(1), [0, 4, 1, 5]); // a0 b0 a1 b1
 * ```
 */
export const f32x4Shuffle = (a: Code, b: Code, lanes: readonly [number, number, number, number]): Code => [
  ...a,
  ...b,
  ...simd(0x0d),
  ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
];
/** `i8x16.shuffle` moving lanes 2, 3 of an f32x4 to lanes 0, 1. @example `f32x4HighToLow(v)` */
export const f32x4HighToLow = (v: Code): Code => [...v, ...v, ...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

// ---- modules -----------------------------------------------------------------------------

/**
 * One function of a module: its signature, extra locals (numbered after the
 * params) and body; exported under `name`.
 *
 * @example
 * ```ts
 * const f: WasmFunction = { name: 'id', params: ['i32'], results: ['i32'], locals: [], body: get(0) };
 * ```
 */
export interface WasmFunction {
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  readonly locals: readonly ValType[];
  readonly body: Code;
}

/**
 * The bytes of a module that imports its memory as `env.memory` (so that
 * several modules can share one) and exports every function by name.
 * Functions may call each other by their index in `funcs`. With
 * `sharedMaxPages` the import is a shared memory of at most that many 64 KiB
 * pages (threads need both: a shared memory must declare its maximum).
 *
 * @example
 * ```ts
 * const bytes = emitModule([{ name: 'one', params: [], results: ['i32'], locals: [], body: i32(1) }]);
 * const shared = emitModule([{ name: 'one', params: [], results: ['i32'], locals: [], body: i32(1) }], true, 16384);
 * ```
 */
export function emitModule(funcs: readonly WasmFunction[], importMemory = true, sharedMaxPages?: number): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [VALTYPE[t]])), ...vec(f.results.map((t) => [VALTYPE[t]]))]);
  // Limits: flag 0x00 is (min), 0x03 is shared (min, max).
  const limits = sharedMaxPages === undefined ? [0x00, 0x01] : [0x03, 0x01, ...uleb(sharedMaxPages)];
  const imports = importMemory ? [section(2, vec([[...name('env'), ...name('memory'), 0x02, ...limits]]))] : [];
  const code = funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [1, VALTYPE[t]]));
    const body = [...locals, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...imports.flat(),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(code)),
  ];
  return new Uint8Array(bytes);
}
