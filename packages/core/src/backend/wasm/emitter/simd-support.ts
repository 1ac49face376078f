import type { WasmApi } from './wasm-api.js';
import { emitModule, f32x4RelaxedMadd, f32x4Splat4 } from './wasm-emitter.js';

/** Whether `api` validates a module of one function returning `body`'s vector. */
function validates(api: WasmApi, body: number[]): boolean {
  try {
    return api.validate(emitModule([{ name: 'v', params: [], results: ['v128'], locals: [], body }], false));
  } catch {
    return false;
  }
}

/**
 * Whether this engine validates a module that uses 128-bit SIMD.
 *
 * @example
 * ```ts
 * simdSupported(wasmApi()!); // true on Node 16.4+ and current browsers
 * ```
 */
export function simdSupported(api: WasmApi): boolean {
  return validates(api, f32x4Splat4(1));
}

/**
 * Whether this engine validates relaxed SIMD's `f32x4.relaxed_madd`: on by
 * default in Chrome 114+ and Node 22+, behind `--experimental-wasm-relaxed-simd`
 * in Node 20.
 *
 * @example
 * ```ts
 * relaxedSimdSupported(wasmApi()!); // false on Node 20 without the flag
 * ```
 */
export function relaxedSimdSupported(api: WasmApi): boolean {
  return validates(api, f32x4RelaxedMadd(f32x4Splat4(1), f32x4Splat4(2), f32x4Splat4(3)));
}
