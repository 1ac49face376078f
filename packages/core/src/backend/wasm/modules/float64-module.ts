import { arithmeticKernels, type StreamLanes } from './elementwise-module.js';
import {
  block,
  brIf,
  emitModule,
  f64Add,
  f64Load,
  f64x2Abs,
  f64x2Add,
  f64x2Div,
  f64x2ExtractLane,
  f64x2Max,
  f64x2Min,
  f64x2Mul,
  f64x2Neg,
  f64x2Pmax,
  f64x2Splat,
  f64x2Sqrt,
  f64x2Sub,
  f64x2Zero,
  forLoop,
  get,
  i32,
  i32Add,
  i32GeS,
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
 * The two-operand float64 kernels the wasm backend runs (`f64x2`, two lanes).
 *
 * @example
 * ```ts
 * const op: Simd64Binary = 'mul';
 * ```
 */
export type Simd64Binary = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';

/**
 * The one-operand float64 kernels the wasm backend runs: the exactly rounded
 * ones. Transcendental functions stay on the reference backend, whose `Math`
 * functions are the float64 answer.
 *
 * @example
 * ```ts
 * const op: Simd64Unary = 'sqrt';
 * ```
 */
export type Simd64Unary = 'neg' | 'abs' | 'sqrt' | 'relu';

/** The float64 binary kernels, as a list. */
export const SIMD64_BINARY: readonly Simd64Binary[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];
/** The float64 unary kernels, as a list. */
export const SIMD64_UNARY: readonly Simd64Unary[] = ['neg', 'abs', 'sqrt', 'relu'];

const BIN: Record<Simd64Binary, (a: Code, b: Code) => Code> = {
  add: f64x2Add,
  sub: f64x2Sub,
  mul: f64x2Mul,
  div: f64x2Div,
  maximum: f64x2Max,
  minimum: f64x2Min,
};

/** Over `n` doubles, two at a time (the scratch buffers are padded to whole vectors); `i` is a byte offset. */
function vectors(n: number, i: number, body: Code[]): Code {
  return forLoop(i, i32(0), i32Shl(get(n), i32(3)), 16, body);
}

const F64_LANES: StreamLanes = { suffix: '_f64', scalar: 'f64', shift: 3, splat: f64x2Splat };

/** `op_f64(n, x, out)`. */
function unaryKernel(op: Simd64Unary): WasmFunction {
  const [n, x, out, i] = [0, 1, 2, 3];
  const load = v128Load(i32Add(get(x), get(i)));
  const value: Record<Simd64Unary, Code> = {
    neg: f64x2Neg(load),
    abs: f64x2Abs(load),
    sqrt: f64x2Sqrt(load),
    // pmax(x, 0) = x < 0 ? 0 : x: NaN stays NaN, as the reference's `x < 0 ? 0 : x`.
    relu: f64x2Pmax(load, f64x2Zero()),
  };
  const body = vectors(n, i, [v128Store(i32Add(get(out), get(i)), value[op])]);
  return { name: `${op}_f64`, params: ['i32', 'i32', 'i32'], results: [], locals: ['i32'], body };
}

/**
 * `sumRange_f64(n, src) → f64`: two lanes accumulated apart, then added, then
 * the odd element (the reference adds left to right; the two agree to rounding).
 */
function sumRange(): WasmFunction {
  const [n, src, i, end, acc] = [0, 1, 2, 3, 4];
  const body = [
    ...set(end, i32Shl(i32Sub(get(n), i32(1)), i32(3))),
    ...forLoop(i, i32(0), get(end), 16, [set(acc, f64x2Add(get(acc), v128Load(i32Add(get(src), get(i)))))]),
    ...ret(
      f64Add(
        f64Add(f64x2ExtractLane(get(acc), 0), f64x2ExtractLane(get(acc), 1)),
        // i stands at the first element not summed: one is left when n is odd.
        [...block(brIf(0, i32GeS(get(i), i32Shl(get(n), i32(3)))), set(5, f64Load(i32Add(get(src), get(i))))), ...get(5)],
      ),
    ),
  ];
  const locals: ValType[] = ['i32', 'i32', 'v128', 'f64'];
  return { name: 'sumRange_f64', params: ['i32', 'i32'], results: ['f64'], locals, body };
}

/**
 * The bytes of the float64 kernels: arithmetic, the exactly rounded unary
 * kernels, and the sum, in one module under 4 KB over the shared memory.
 *
 * @example
 * ```ts
 * const ex = rt.instantiate(float64ModuleBytes());
 * ```
 */
export function float64ModuleBytes(): Uint8Array {
  return emitModule([...SIMD64_BINARY.flatMap((op) => arithmeticKernels(op, BIN[op], F64_LANES)), ...SIMD64_UNARY.map(unaryKernel), sumRange()]);
}
